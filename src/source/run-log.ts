// What the run log (<control schema>.run, a row per load attempt that read events) adds up to per
// bus: events delivered, rows per table, attempts per outcome, and the last load. The totals come
// from run_total, which recordRun (run-log-writes.ts) updates in the statement that writes each run
// row (and control-schema version 7 filled from the log as it stood), so reading them costs a few
// rows per bus however long the log: adding up the whole log at every poll took seconds per 250,000 runs.
// They only grow while the bus exists (its rows go only with the bus, `rsetl bus delete`), so they
// serve as Prometheus counters across runs, processes and hosts. One query per figure family
// covers every bus.
import type pg from 'pg';
import { ident } from '../sql/quote.js';

/**
 * Outcomes of attempts whose events were delivered: a committed load, the fast-forward past a load
 * that committed before its process died (its own run row was never written), and a window of
 * only ignored event types (nothing to write, the watermark moved on). `failed` delivered nothing;
 * an `empty` window is not logged.
 */
export const DELIVERED_OUTCOMES = ['loaded', 'already-loaded', 'nothing-to-load'] as const;

export interface RunLogFigures {
  /** Events the bus's delivered attempts carried, all time (replayed dead letters included). */
  eventsLoaded: number;
  /** Rows loaded per table by those attempts; keys as the run log writes them (`usr`, `usr__delete`). */
  rowsByTable: Record<string, number>;
  /** Logged attempts per outcome, failures included. */
  attemptsByOutcome: Record<string, number>;
  /** The most recent delivered attempt. */
  lastLoad: { durationMs: number; finishedAt: Date } | null;
}

export function emptyRunLogFigures(): RunLogFigures {
  return { eventsLoaded: 0, rowsByTable: {}, attemptsByOutcome: {}, lastLoad: null };
}

/** The run log's figures of each bus (only `busIds` when given); a bus without runs has none. */
export async function runLogFigures(client: pg.ClientBase, controlSchema: string, busIds?: number[]): Promise<Map<number, RunLogFigures>> {
  const q = ident(controlSchema);
  const among = busIds ?? null;
  const out = new Map<number, RunLogFigures>();
  const of = (busId: number) => {
    let f = out.get(busId);
    if (!f) out.set(busId, (f = emptyRunLogFigures()));
    return f;
  };
  const delivered: readonly string[] = DELIVERED_OUTCOMES;

  const totals = await client.query<{ bus_id: number; kind: string; key: string; value: number }>(
    `select bus_id, kind, key, value::float8 as value from ${q}.run_total where ($1::int[] is null or bus_id = any($1::int[]))`,
    [among],
  );
  for (const r of totals.rows) {
    const f = of(r.bus_id);
    if (r.kind === 'attempts') f.attemptsByOutcome[r.key] = r.value;
    else if (r.kind === 'rows') f.rowsByTable[r.key] = r.value;
    else if (r.kind === 'events' && delivered.includes(r.key)) f.eventsLoaded += r.value;
  }

  // Newest first along the (bus_id, started_at desc) index, per bus.
  const last = await client.query<{ bus_id: number; duration_ms: number; finished_at: Date }>(
    `select b.id as bus_id, l.duration_ms, l.finished_at from ${q}.bus b
     cross join lateral (select duration_ms, finished_at from ${q}.run r
       where r.bus_id = b.id and r.outcome = any($2::text[]) order by r.started_at desc, r.id desc limit 1) l
     where ($1::int[] is null or b.id = any($1::int[]))`,
    [among, delivered],
  );
  for (const r of last.rows) of(r.bus_id).lastLoad = { durationMs: r.duration_ms, finishedAt: r.finished_at };
  return out;
}
