// Writing the run log: a row per load attempt that read events (<control schema>.run), and in the
// same statement the bus's all-time totals in run_total, so the totals never disagree with the log
// and the metrics and `status` read a few rows instead of adding up the whole log (run-log.ts reads
// them; docs/design.md#control-schema, docs/operations.md#metrics).
import type pg from 'pg';
import { ident } from '../sql/quote.js';
import { DELIVERED_OUTCOMES } from './run-log.js';

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

/**
 * A row of the run log, and in the same statement the bus's all-time totals (run_total: attempts
 * and events per outcome, rows per table of an attempt that delivered its events), which the
 * metrics and `status` read instead of adding up the whole log.
 */
export async function recordRun(client: pg.ClientBase, controlSchema: string, run: RunRecord): Promise<void> {
  const q = ident(controlSchema);
  await client.query(
    `with logged as (
         insert into ${q}.run (bus_id, load_id, started_at, finished_at, window_from, window_to, events,
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
       insert into ${q}.run_total (bus_id, kind, key, value)
       select $1, kind, key, value from counted
       on conflict (bus_id, kind, key) do update set value = ${q}.run_total.value + excluded.value`,
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
