// rsetl's own state in the SOURCE database (docs/design.md#control-schema): buses, the dead letter and the run log.
// Each entry is applied once, in order, and recorded in <schema>.migration; adding a column later
// means appending an entry, never editing an applied one.

export interface ControlMigration {
  version: number;
  name: string;
  /** SQL with `{{schema}}` standing for the quoted control schema. */
  sql: string;
}

/**
 * The run log's all-time totals per bus, computed from the log itself (run_total, version 7):
 * attempts and events per outcome, rows per table of the attempts that delivered their events.
 * recordRun (run-log-writes.ts) keeps them in step with every run row after that.
 */
export const RUN_TOTAL_FROM_LOG = `
  insert into {{schema}}.run_total (bus_id, kind, key, value)
  select bus_id, 'attempts', outcome, count(*) from {{schema}}.run group by bus_id, outcome
  union all
  select bus_id, 'events', outcome, coalesce(sum(events), 0) from {{schema}}.run group by bus_id, outcome
  union all
  select r.bus_id, 'rows', t.key, sum((t.value #>> '{}')::numeric)::bigint
  from {{schema}}.run r cross join lateral jsonb_each(case when jsonb_typeof(r.tables) = 'object' then r.tables else '{}' end) t
  where r.outcome in ('loaded', 'already-loaded', 'nothing-to-load') and jsonb_typeof(t.value) = 'number'
  group by r.bus_id, t.key`;

export const CONTROL_MIGRATIONS: readonly ControlMigration[] = [
  {
    version: 1,
    name: 'bus, dead_letter, run',
    sql: `
      create table {{schema}}.bus (
        id serial primary key,
        name text not null default 'RedshiftEventSender',
        root_id bigint not null,
        schema_name text not null,
        state text not null default 'Active' check (state in ('Active', 'Paused', 'Disabled')),
        max_events integer not null default 5000 check (max_events > 0),
        -- The watermark (docs/design.md#watermark): events with time >= window_time whose id is not in
        -- window_ids are still to be delivered. UTC wall-clock, like the outbox's time column.
        window_time timestamp not null,
        window_ids bigint[] not null default '{}',
        failure_count integer not null default 0,
        scheduled timestamptz not null default now(),
        last_error jsonb,
        last_error_at timestamptz,
        last_success_at timestamptz,
        last_load_id text,
        last_mv_refresh timestamptz,
        statistics jsonb not null default '{}',
        created_at timestamptz not null default now(),
        unique (root_id, schema_name)
      );
      create table {{schema}}.dead_letter (
        id bigserial primary key,
        bus_id integer not null references {{schema}}.bus (id),
        event_id bigint not null,
        guid text,
        event_time timestamp not null,
        datajson jsonb,
        error jsonb,
        skipped_by text not null,
        skipped_at timestamptz not null default now(),
        reason text not null
      );
      create index on {{schema}}.dead_letter (bus_id, event_time, event_id);
      create table {{schema}}.run (
        id bigserial primary key,
        bus_id integer not null references {{schema}}.bus (id),
        load_id text,
        started_at timestamptz not null,
        finished_at timestamptz not null,
        window_from timestamp,
        window_to timestamp,
        events integer not null default 0,
        events_by_type jsonb not null default '{}',
        tables jsonb not null default '{}',
        bytes_staged bigint not null default 0,
        statements integer not null default 0,
        copies integer not null default 0,
        duration_ms integer not null,
        outcome text not null,
        error jsonb
      );
      create index on {{schema}}.run (bus_id, started_at desc);
    `,
  },
  {
    version: 2,
    name: 'bus.pending_snapshot_days',
    // Instructor snapshot days requested by committed loads and not generated yet: they are
    // generated after the load's commit and retried on the next poll if that fails, so a request
    // is never lost with the event that carried it.
    sql: `alter table {{schema}}.bus add column pending_snapshot_days date[] not null default '{}'`,
  },
  {
    version: 3,
    name: 'operator controls: bus.interval_seconds, bus.blocked, audit',
    // interval_seconds: a bus's own poll interval (`rsetl bus set --interval`), null = the
    // configuration's poll.intervalSeconds. blocked: the last failure was the data's (an event
    // that cannot be parsed, a row COPY rejects): retrying cannot help, so the bus waits for a
    // person (`rsetl unblock`) instead of retrying on a backoff forever. audit: every operator
    // decision that changes what a bus delivers (watermark moves, skips, replays, deletes), with
    // who, when and why; it outlives the bus it names (no foreign key).
    sql: `
      alter table {{schema}}.bus add column interval_seconds integer check (interval_seconds > 0);
      alter table {{schema}}.bus add column blocked boolean not null default false;
      create table {{schema}}.audit (
        id bigserial primary key,
        bus_id integer not null,
        action text not null,
        by text not null,
        at timestamptz not null default now(),
        reason text,
        details jsonb not null default '{}'
      );
      create index on {{schema}}.audit (bus_id, at desc);
    `,
  },
  {
    version: 4,
    name: 'dead letter replay: dead_letter replay columns, dead_letter_replay',
    // `rsetl dead-letter replay` puts dead letters back in front of their bus's next load, exactly
    // once. replay_requested_*: the operator's request (audited in `audit` too). replayed_at and
    // replayed_load_id: set in the same source transaction as the watermark advance of the load
    // that delivered the entry (after its Redshift COMMIT, or on the fast-forward when the ledger
    // shows it committed); replayed_at without a load id means the replayed event was still invalid
    // under poll.invalidEvents = dead-letter and went back to the dead letter as entry
    // dead_lettered_again_as. dead_letter_replay: which load attempt carried which entry, written
    // before the Redshift transaction, so whichever attempt committed names the entries to mark.
    sql: `
      alter table {{schema}}.dead_letter
        add column replay_requested_at timestamptz,
        add column replay_requested_by text,
        add column replay_reason text,
        add column replayed_at timestamptz,
        add column replayed_load_id text,
        add column dead_lettered_again_as bigint references {{schema}}.dead_letter (id);
      create index on {{schema}}.dead_letter (bus_id, event_time, event_id, id)
        where replay_requested_at is not null and replayed_at is null;
      create table {{schema}}.dead_letter_replay (
        dead_letter_id bigint not null references {{schema}}.dead_letter (id),
        load_id text not null,
        attempted_at timestamptz not null default now(),
        primary key (dead_letter_id, load_id)
      );
      create index on {{schema}}.dead_letter_replay (load_id);
    `,
  },
  {
    version: 5,
    name: 'bus.read_snapshot',
    // The source's transaction snapshot when the bus's last load finished reading: rows committed
    // after it with a time behind the window are the "late" events status reports (late-events.ts).
    sql: `alter table {{schema}}.bus add column read_snapshot text`,
  },
  {
    version: 6,
    name: 'run.round_trips',
    // Statements of a load travel in batches (warehouse/load.ts): the requests to Redshift, each
    // paid at the cluster's per-statement latency, are counted apart from the statements.
    sql: `alter table {{schema}}.run add column round_trips int`,
  },
  {
    version: 7,
    name: 'run_total',
    // The run log's all-time totals per bus (the metrics' counters, `rsetl status --json`), kept by
    // the statement that writes each run row: adding up the log at every poll costs a scan of all
    // of it (seconds per 250,000 runs for the rows per table, and it only grows). Filled from the
    // log as it stands.
    sql: `
      create table {{schema}}.run_total (
        bus_id integer not null references {{schema}}.bus (id),
        kind text not null check (kind in ('attempts', 'events', 'rows')),
        key text not null,
        value bigint not null,
        primary key (bus_id, kind, key)
      );
      ${RUN_TOTAL_FROM_LOG};
    `,
  },
];
