// The control schema in the source database: buses, their watermarks and failures, the run log.
// All of rsetl's state lives here (docs/design.md#control-schema); the application's outbox table is only ever read.
import type pg from 'pg';
import { SourceError, UsageError } from '../errors.js';
import { ident } from '../sql/quote.js';
import { recordAudit } from './audit.js';
import { CONTROL_MIGRATIONS } from './control-schema/migrations.js';
import { jsonbText } from './jsonb-text.js';
import { DELIVERED_OUTCOMES } from './run-log.js';

export type BusState = 'Active' | 'Paused' | 'Disabled';

export interface Bus {
  id: number;
  name: string;
  rootId: string;
  schemaName: string;
  state: BusState;
  maxEvents: number;
  /** Watermark as PostgreSQL timestamp text (UTC). */
  windowTime: string;
  windowIds: string[];
  failureCount: number;
  /** The last failure was the data's (an unparseable event, a row COPY rejected): waits for `rsetl unblock`. */
  blocked: boolean;
  /** The bus's own poll interval (`rsetl bus set --interval`), or null for poll.intervalSeconds. */
  intervalSeconds: number | null;
  scheduled: Date;
  lastError: Record<string, unknown> | null;
  lastErrorAt: Date | null;
  lastSuccessAt: Date | null;
  lastLoadId: string | null;
  lastMvRefresh: Date | null;
  statistics: Record<string, unknown>;
  createdAt: Date;
  /** 'YYYY-MM-DD' days whose instructor snapshots are still to be generated. */
  pendingSnapshotDays: string[];
  /** The source's snapshot when the last load finished reading (late-events.ts), or null. */
  readSnapshot: string | null;
}

export interface RunRecord {
  busId: number;
  loadId: string | null;
  startedAt: Date;
  finishedAt: Date;
  windowFrom: string | null;
  windowTo: string | null;
  events: number;
  eventsByType: Record<string, number>;
  tables: Record<string, unknown>;
  bytesStaged: number;
  statements: number;
  /** Requests to Redshift that carried them (null before control-schema version 6 recorded it). */
  roundTrips?: number;
  copies: number;
  outcome: 'loaded' | 'empty' | 'nothing-to-load' | 'already-loaded' | 'failed';
  error?: Record<string, unknown> | null;
}

const BUS_COLUMNS = `id, name, root_id::text as root_id, schema_name, state, max_events, window_time,
  window_ids::text[] as window_ids, failure_count, blocked, interval_seconds, scheduled, last_error, last_error_at, last_success_at,
  last_load_id, last_mv_refresh, statistics, created_at, pending_snapshot_days::text[] as pending_snapshot_days, read_snapshot`;

function toBus(r: Record<string, any>): Bus {
  return {
    id: r.id,
    name: r.name,
    rootId: r.root_id,
    schemaName: r.schema_name,
    state: r.state,
    maxEvents: r.max_events,
    windowTime: r.window_time,
    windowIds: r.window_ids ?? [],
    failureCount: r.failure_count,
    blocked: r.blocked === true,
    intervalSeconds: r.interval_seconds ?? null,
    scheduled: r.scheduled,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
    lastSuccessAt: r.last_success_at,
    lastLoadId: r.last_load_id,
    lastMvRefresh: r.last_mv_refresh,
    statistics: r.statistics ?? {},
    createdAt: r.created_at,
    pendingSnapshotDays: r.pending_snapshot_days ?? [],
    readSnapshot: r.read_snapshot ?? null,
  };
}

/** The one bus a ref (id or schema name) names among `buses`; a UsageError otherwise. */
function matchBus(buses: Bus[], ref: string): Bus {
  const byId = /^\d+$/.test(ref) ? buses.filter((b) => b.id === Number(ref)) : [];
  const matches = byId.length > 0 ? byId : buses.filter((b) => b.schemaName === ref);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new UsageError(`no bus ${JSON.stringify(ref)}`, {
      hint: buses.length ? `known buses: ${buses.map((b) => `${b.id} (${b.schemaName})`).join(', ')}` : 'create one with `rsetl init-etl <schema> --domain <root_id>`',
    });
  }
  throw new UsageError(`schema ${ref} has ${matches.length} buses; name one by id`, {
    hint: matches.map((b) => `${b.id} (domain ${b.rootId})`).join(', '),
  });
}

/** The buses `refs` (ids or schema names) name among `buses`, each once; each ref must name exactly one. */
export function findBusesAmong(buses: Bus[], refs: string[]): Bus[] {
  const found = new Map<number, Bus>();
  for (const ref of refs) {
    const b = matchBus(buses, ref);
    found.set(b.id, b);
  }
  return [...found.values()];
}

export class BusStore {
  readonly schema: string;
  private readonly q: string;

  constructor(
    private readonly client: pg.ClientBase,
    schema: string,
  ) {
    this.schema = schema;
    this.q = ident(schema);
  }

  /** Creates or upgrades the control schema. Safe to run from many processes at once. */
  async ensureSchema(): Promise<{ applied: number[] }> {
    const latest = CONTROL_MIGRATIONS[CONTROL_MIGRATIONS.length - 1]!.version;
    try {
      const current = await this.client.query(
        `select max(version) as v from ${this.q}.migration`,
      );
      if (current.rows[0]?.v === latest) return { applied: [] };
    } catch {
      // The schema or its migration table does not exist yet: create it below.
    }
    const applied: number[] = [];
    await this.client.query('begin');
    try {
      // Serialises concurrent first runs (two cron jobs starting together).
      await this.client.query('select pg_advisory_xact_lock(hashtext($1))', [`rsetl.migrate:${this.schema}`]);
      await this.client.query(`create schema if not exists ${this.q}`);
      await this.client.query(
        `create table if not exists ${this.q}.migration (version integer primary key, name text not null, applied_at timestamptz not null default now())`,
      );
      const done = new Set(
        (await this.client.query(`select version from ${this.q}.migration`)).rows.map((r) => r.version as number),
      );
      for (const m of CONTROL_MIGRATIONS) {
        if (done.has(m.version)) continue;
        await this.client.query(m.sql.replaceAll('{{schema}}', this.q));
        await this.client.query(`insert into ${this.q}.migration (version, name) values ($1, $2)`, [m.version, m.name]);
        applied.push(m.version);
      }
      await this.client.query('commit');
    } catch (e) {
      await this.client.query('rollback').catch(() => undefined);
      throw new SourceError(`could not create the control schema ${this.schema}: ${(e as Error).message}`, {
        cause: e,
        hint: 'the source user needs CREATE on the database (or create the schema for it) and USAGE on it',
      });
    }
    return { applied };
  }

  /** Creates the bus for (root_id, schema) unless it exists; never a duplicate (docs/design.md#control-schema). */
  async createBus(input: {
    rootId: string;
    schemaName: string;
    state: BusState;
    maxEvents: number;
    /** Watermark start (UTC timestamp text); default: now, so history is not replayed (reference). */
    since?: string;
  }): Promise<{ bus: Bus; created: boolean }> {
    const inserted = await this.client.query(
      `insert into ${this.q}.bus (root_id, schema_name, state, max_events, window_time)
       values ($1, $2, $3, $4, coalesce($5::timestamp, (now() at time zone 'UTC')::timestamp))
       on conflict (root_id, schema_name) do nothing
       returning ${BUS_COLUMNS}`,
      [input.rootId, input.schemaName, input.state, input.maxEvents, input.since ?? null],
    );
    if (inserted.rows[0]) return { bus: toBus(inserted.rows[0]), created: true };
    const existing = await this.client.query(
      `select ${BUS_COLUMNS} from ${this.q}.bus where root_id = $1 and schema_name = $2`,
      [input.rootId, input.schemaName],
    );
    return { bus: toBus(existing.rows[0]), created: false };
  }

  async listBuses(): Promise<Bus[]> {
    const r = await this.client.query(`select ${BUS_COLUMNS} from ${this.q}.bus order by id`);
    return r.rows.map(toBus);
  }

  async getBus(id: number): Promise<Bus | undefined> {
    const r = await this.client.query(`select ${BUS_COLUMNS} from ${this.q}.bus where id = $1`, [id]);
    return r.rows[0] ? toBus(r.rows[0]) : undefined;
  }

  /** A bus by id or by Redshift schema name (which must then name exactly one bus). */
  async findBus(ref: string): Promise<Bus> {
    return matchBus(await this.listBuses(), ref);
  }

  /** Several buses by id or schema, with one query; each ref must name exactly one bus. */
  async findBuses(refs: string[]): Promise<Bus[]> {
    return findBusesAmong(await this.listBuses(), refs);
  }

  /**
   * What a poll pass starts from, in one query: every bus (by id, as listBuses) and the ids of the
   * due ones in the order dueBusIds gives. An idle `rsetl poll` needs nothing else from the control
   * schema (the buses named by --bus, and the failing ones it reports, are among them).
   */
  async pollPlan(): Promise<{ buses: Bus[]; dueIds: number[] }> {
    const r = await this.client.query(
      `select ${BUS_COLUMNS}, (state = 'Active' and not blocked and scheduled <= now()) as due
         from ${this.q}.bus order by window_time, scheduled, id`,
    );
    const dueIds = r.rows.filter((x) => x.due === true).map((x) => x.id as number);
    const buses = r.rows.map(toBus).sort((a, b) => a.id - b.id);
    return { buses, dueIds };
  }


  /**
   * Ids of Active buses whose next run is due, oldest lag first (the oldest watermark: the bus
   * furthest behind starts first when `poll` loads several at once or its time budget runs out);
   * only among `among` when given. A blocked bus is never due: it waits for `rsetl unblock`.
   */
  async dueBusIds(among?: number[]): Promise<number[]> {
    const r = await this.client.query(
      `select id from ${this.q}.bus where state = 'Active' and not blocked and scheduled <= now()
         and ($1::int[] is null or id = any($1::int[])) order by window_time, scheduled, id`,
      [among ?? null],
    );
    return r.rows.map((x) => x.id as number);
  }

  /**
   * Seconds until the next Active bus is due (0 when one is due now), or undefined with none;
   * only among `among` when given (`poll --loop --bus X` sleeps until X is due, not until any bus is).
   */
  async secondsUntilNextDue(among?: number[]): Promise<number | undefined> {
    const r = await this.client.query(
      // No row without such a bus (GREATEST ignores the NULL of an empty min() and would say 0: due now).
      `select greatest(0, extract(epoch from min(scheduled) - now()))::float8 as s from ${this.q}.bus
       where state = 'Active' and not blocked and ($1::int[] is null or id = any($1::int[])) having count(*) > 0`,
      [among ?? null],
    );
    const s = r.rows[0]?.s;
    return s === null || s === undefined ? undefined : Number(s);
  }

  /**
   * Session-level advisory lock on one bus: at most one process works on a bus at a time
   * (docs/design.md#concurrency). Released by unlock() or when the connection closes, also if the process dies.
   */
  async tryLock(busId: number, timeoutMs = 0): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.client.query('select pg_try_advisory_lock(hashtext($1), $2) as ok', [
        `rsetl.bus:${this.schema}`,
        busId,
      ]);
      if (r.rows[0].ok === true) return true;
      if (Date.now() >= deadline) return false;
      // Waiting briefly lets a poll that is just finishing release the bus (poll.lockTimeoutSeconds).
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, deadline - Date.now())));
    }
  }

  async unlock(busId: number): Promise<void> {
    await this.client.query('select pg_advisory_unlock(hashtext($1), $2)', [`rsetl.bus:${this.schema}`, busId]);
  }

  /**
   * After a committed load (or an empty window): move the watermark, clear failures. With
   * `replayedLoadId`, the dead letters load attempt `replayedLoadId` carried are marked replayed by
   * the same statement, so the watermark and the replays it delivered move together or not at all.
   */
  async advance(
    busId: number,
    next: {
      windowTime: string;
      windowIds: string[];
      loadId: string | null;
      intervalSeconds: number;
      /**
       * How long the load took: the next one is due an interval after this one began, not after it
       * ended (docs/design.md#schedule), so a cron or loop period is not stretched by load time.
       */
      elapsedSeconds?: number;
      delivered: number;
      snapshotDays?: string[];
      replayedLoadId?: string | null;
      /** The read's snapshot, and the events found committed too late since the last one. */
      readSnapshot?: string | null;
      lateEvents?: number;
    },
  ): Promise<void> {
    await this.client.query(
      `with replayed as (
         update ${this.q}.dead_letter d set replayed_at = now(), replayed_load_id = $8
         where $8::text is not null and d.bus_id = $1 and d.replayed_at is null
           and exists (select 1 from ${this.q}.dead_letter_replay r where r.dead_letter_id = d.id and r.load_id = $8)
       )
       update ${this.q}.bus set window_time = $2::timestamp, window_ids = $3::bigint[], failure_count = 0, blocked = false,
         pending_snapshot_days = array(select distinct d from unnest(pending_snapshot_days || $7::date[]) d order by d),
         last_load_id = coalesce($4, last_load_id), last_success_at = now(), last_error = null, last_error_at = null,
         scheduled = now() + make_interval(secs => greatest($5::float8 - $11::float8, 0)),
         read_snapshot = $9,
         statistics = statistics || jsonb_build_object(
           'delivered', coalesce((statistics->>'delivered')::bigint, 0) + $6,
           'lateEvents', coalesce((statistics->>'lateEvents')::bigint, 0) + $10::int)
       where id = $1`,
      [
        busId,
        next.windowTime,
        next.windowIds,
        next.loadId,
        next.intervalSeconds,
        next.delivered,
        next.snapshotDays ?? [],
        next.replayedLoadId ?? null,
        next.readSnapshot ?? null,
        next.lateEvents ?? 0,
        next.elapsedSeconds ?? 0,
      ],
    );
  }

  /** After the snapshot days were generated in Redshift. */
  async clearSnapshotDays(busId: number, days: string[]): Promise<void> {
    await this.client.query(
      `update ${this.q}.bus set pending_snapshot_days = array(select d from unnest(pending_snapshot_days) d where d <> all($2::date[])) where id = $1`,
      [busId, days],
    );
  }

  async markMvRefreshed(busId: number): Promise<void> {
    await this.client.query(`update ${this.q}.bus set last_mv_refresh = now() where id = $1`, [busId]);
  }

  /** Makes the bus due again right away (catch-up: the last window was full). */
  async scheduleNow(busId: number): Promise<void> {
    await this.client.query(`update ${this.q}.bus set scheduled = now() where id = $1`, [busId]);
  }

  /**
   * A failed attempt: count it, keep the error, and either schedule the retry after its backoff
   * or, for a data failure (`block`), stop retrying until a person decides (`rsetl unblock`).
   */
  async recordFailure(
    busId: number,
    failure: { error: Record<string, unknown>; retryInSeconds: number; pause: boolean; block?: boolean },
  ): Promise<Bus> {
    const r = await this.client.query(
      `update ${this.q}.bus set failure_count = failure_count + 1, last_error = $2, last_error_at = now(),
         scheduled = now() + make_interval(secs => $3),
         state = case when $4 then 'Paused' else state end,
         blocked = $5
       where id = $1 returning ${BUS_COLUMNS}`,
      [busId, JSON.stringify(failure.error), failure.retryInSeconds, failure.pause, failure.block === true],
    );
    return toBus(r.rows[0]);
  }

  /**
   * Changes the state. `resetFailures` (resume) also lifts a block; `scheduleNow` makes the bus
   * due at once and lifts a block too: a person asked for another attempt (`unblock --retry`).
   */
  async setState(busId: number, state: BusState, opts: { resetFailures?: boolean; scheduleNow?: boolean } = {}): Promise<void> {
    await this.client.query(
      `update ${this.q}.bus set state = $2,
         failure_count = case when $3 then 0 else failure_count end,
         scheduled = case when $4 then now() else scheduled end,
         blocked = case when $3 or $4 then false else blocked end
       where id = $1`,
      [busId, state, opts.resetFailures ?? false, opts.scheduleNow ?? false],
    );
  }

  /** A person settled the failure another way (a withdrawn replay): the bus continues at once. */
  async clearFailure(busId: number): Promise<void> {
    await this.client.query(
      `update ${this.q}.bus set failure_count = 0, blocked = false, last_error = null, last_error_at = null, scheduled = now() where id = $1`,
      [busId],
    );
  }

  /**
   * A row of the run log, and in the same statement the bus's all-time totals (run_total: attempts
   * and events per outcome, rows per table of an attempt that delivered its events), which the
   * metrics and `status` read instead of adding up the whole log.
   */
  async recordRun(run: RunRecord): Promise<void> {
    await this.client.query(
      `with logged as (
         insert into ${this.q}.run (bus_id, load_id, started_at, finished_at, window_from, window_to, events,
           events_by_type, tables, bytes_staged, statements, copies, duration_ms, outcome, error, round_trips)
         values ($1, $2, $3, $4, $5::timestamp, $6::timestamp, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         returning bus_id, outcome, events, tables
       ), counted (kind, key, value) as (
         select 'attempts'::text, outcome, 1::bigint from logged
         union all select 'events', outcome, events::bigint from logged
         union all select 'rows', t.key, (t.value #>> '{}')::numeric::bigint from logged
           cross join lateral jsonb_each(case when jsonb_typeof(logged.tables) = 'object' then logged.tables else '{}' end) t
           where logged.outcome in (${DELIVERED_OUTCOMES.map((o) => `'${o}'`).join(', ')}) and jsonb_typeof(t.value) = 'number'
       )
       insert into ${this.q}.run_total (bus_id, kind, key, value)
       select $1, kind, key, value from counted
       on conflict (bus_id, kind, key) do update set value = ${this.q}.run_total.value + excluded.value`,
      [
        run.busId,
        run.loadId,
        run.startedAt,
        run.finishedAt,
        run.windowFrom,
        run.windowTo,
        run.events,
        JSON.stringify(run.eventsByType),
        JSON.stringify(run.tables),
        run.bytesStaged,
        run.statements,
        run.copies,
        run.finishedAt.getTime() - run.startedAt.getTime(),
        run.outcome,
        run.error ? JSON.stringify(run.error) : null,
        run.roundTrips ?? null,
      ],
    );
  }

  /**
   * Moves events out of the bus's stream into the dead letter (a person's decision, with who and
   * why) and clears the failure so the bus continues after them. One transaction.
   */
  async deadLetter(
    busId: number,
    events: Array<{ id: string; guid: string | null; time: string; datajson: unknown }>,
    who: { by: string; reason: string; error: Record<string, unknown> | null },
    opts: { clearFailure: boolean; audit?: boolean },
  ): Promise<void> {
    await this.client.query('begin');
    try {
      for (const e of events) {
        await this.client.query(
          `insert into ${this.q}.dead_letter (bus_id, event_id, guid, event_time, datajson, error, skipped_by, reason)
           values ($1, $2, $3, $4::timestamp, $5, $6, $7, $8)`,
          [busId, e.id, e.guid, e.time, jsonbText(e.datajson), who.error ? JSON.stringify(who.error) : null, who.by, who.reason],
        );
      }
      if (opts.audit) {
        await recordAudit(this.client, this.schema, {
          busId,
          action: 'skip',
          by: who.by,
          reason: who.reason,
          details: { events: events.map((e) => ({ id: e.id, time: e.time })) },
        });
      }
      if (opts.clearFailure) {
        await this.client.query(
          `update ${this.q}.bus set failure_count = 0, blocked = false, last_error = null, last_error_at = null, scheduled = now() where id = $1`,
          [busId],
        );
      }
      await this.client.query('commit');
    } catch (e) {
      await this.client.query('rollback').catch(() => undefined);
      throw e;
    }
  }

  async deadLetters(busId: number): Promise<Array<Record<string, unknown>>> {
    const r = await this.client.query(
      `select id, event_id::text as event_id, guid, event_time, skipped_by, skipped_at, reason from ${this.q}.dead_letter where bus_id = $1 order by id`,
      [busId],
    );
    return r.rows;
  }

  async lastRuns(busId: number, limit = 1): Promise<Array<Record<string, unknown>>> {
    const r = await this.client.query(
      `select * from ${this.q}.run where bus_id = $1 order by started_at desc, id desc limit $2`,
      [busId, limit],
    );
    return r.rows;
  }
}
