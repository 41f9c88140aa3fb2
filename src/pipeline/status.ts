// `rsetl status`: every bus with its state, lag (pending events and age of the oldest), last
// success, failures, next attempt and last error — what the old admin page showed, and more:
// every event of a bus's domain that the next windows will NOT load is counted too (dead letters,
// events dated in the future), so nothing is invisible to the person on call.
import type { RsetlConfig } from '../config/schema.js';
import { futureByBus, pendingByBus } from '../source/bus-counts.js';
import { findBusesAmong } from '../source/bus-registry.js';
import { deadLetterCounts } from '../source/dead-letter-counts.js';
import { countLateEvents } from '../source/late-events.js';
import { emptyRunLogFigures, runLogFigures } from '../source/run-log.js';
import { parsePgTimestamp } from '../source/timestamps.js';
import type { Connections } from './connections.js';

export interface BusStatus {
  id: number;
  schema: string;
  rootId: string;
  state: string;
  /** The last failure was the data's: the bus waits for `rsetl unblock`. */
  blocked: boolean;
  pendingEvents: number;
  pendingCapped: boolean;
  oldestPendingAgeSeconds: number | null;
  /** The age of the oldest pending event in seconds, 0 when caught up (the metrics' lag). */
  lagSeconds: number;
  /** Events dated after the source's clock: the window reaches them when their time comes. */
  futureEvents: number;
  futureCapped: boolean;
  latestFutureTime: string | null;
  /** Events set aside in the bus's dead letter and not replayed: they wait for a person. */
  deadLetterEvents: number;
  /**
   * Events whose transaction committed after the window had passed their time (later than the
   * lookback): no window will load them. Counted by the loads so far plus those committed since.
   */
  lateEvents: number;
  lastSuccessAt: string | null;
  /** Events delivered by the bus's loads, all time, from the run log (source/run-log.ts): only grows. */
  eventsLoadedTotal: number;
  /** Rows loaded per table, all time, from the run log (`<table>__delete`: keys deleted). */
  rowsLoadedByTable: Record<string, number>;
  /** Logged load attempts per outcome (`loaded`, `failed`, …), all time. */
  loadAttempts: Record<string, number>;
  /** How long the last delivered load took, and when it finished; null before the first. */
  lastLoadDurationSeconds: number | null;
  lastLoadAt: string | null;
  failureCount: number;
  nextRunAt: string;
  intervalSeconds: number;
  lastError: Record<string, unknown> | null;
  lastLoadId: string | null;
  watermark: string;
  /** What to do about this bus, when something needs doing. */
  action: string | null;
}

function actionFor(b: { schemaName: string; state: string; blocked: boolean; failureCount: number }, deadLetters: number, late: number): string | null {
  if (b.blocked) return `blocked by a data error: rsetl unblock --bus ${b.schemaName}`;
  if (b.failureCount > 0) return `failing: rsetl unblock --bus ${b.schemaName} shows the error and what to do`;
  if (b.state === 'Paused') return `paused: rsetl bus resume ${b.schemaName}`;
  if (deadLetters > 0) return `${deadLetters} event(s) in the dead letter: rsetl dead-letter list ${b.schemaName}`;
  if (late > 0) {
    return `${late} event(s) committed after the window had passed their time and were not loaded: rsetl bus set ${b.schemaName} --watermark <before them> --reason … loads them (and reloads what follows)`;
  }
  return null;
}

/**
 * Every bus's status (only the buses `busRefs` names, by id or schema, when given; an unknown ref
 * is a usage error). Each figure family is one query across the buses (pending, future, dead
 * letters, the run log); late events since the last load are counted per bus, from that load's
 * snapshot.
 */
export async function busStatuses(conn: Connections, config: RsetlConfig, opts: { busRefs?: readonly string[] } = {}): Promise<BusStatus[]> {
  const { client, buses } = await conn.control();
  const now = Date.now();
  const all = await buses.listBuses();
  const named = opts.busRefs?.length ? new Set(findBusesAmong(all, [...opts.busRefs]).map((b) => b.id)) : undefined;
  const listed = named ? all.filter((b) => named.has(b.id)) : all;
  if (listed.length === 0) return [];
  const among = named ? [...named] : undefined;
  const counted = { table: config.source.table, controlSchema: config.source.controlSchema, ...(among ? { busIds: among } : {}) };
  const deadLetters = await deadLetterCounts(client, config.source.controlSchema);
  const pendingOf = await pendingByBus(client, counted);
  const futureOf = await futureByBus(client, counted);
  const runsOf = await runLogFigures(client, config.source.controlSchema, among);
  const out: BusStatus[] = [];
  for (const b of listed) {
    // A bus deleted while the counts were read has none.
    const pending = pendingOf.get(b.id) ?? { count: 0, capped: false, oldest: null };
    const future = futureOf.get(b.id) ?? { count: 0, capped: false, latest: null };
    const runs = runsOf.get(b.id) ?? emptyRunLogFigures();
    const waiting = deadLetters.get(b.id) ?? 0;
    const lateSinceLoad = b.readSnapshot
      ? await countLateEvents(client, {
          table: config.source.table,
          controlSchema: config.source.controlSchema,
          busId: b.id,
          rootId: b.rootId,
          windowStart: b.windowTime,
          before: b.readSnapshot,
        })
      : 0;
    const late = Number(b.statistics.lateEvents ?? 0) + lateSinceLoad;
    const oldestAge = pending.oldest ? Math.max(0, Math.round((now - parsePgTimestamp(pending.oldest) / 1000) / 1000)) : null;
    out.push({
      id: b.id,
      schema: b.schemaName,
      rootId: b.rootId,
      state: b.state,
      blocked: b.blocked,
      pendingEvents: pending.count,
      pendingCapped: pending.capped,
      oldestPendingAgeSeconds: oldestAge,
      lagSeconds: oldestAge ?? 0,
      futureEvents: future.count,
      futureCapped: future.capped,
      latestFutureTime: future.latest,
      deadLetterEvents: waiting,
      lateEvents: late,
      lastSuccessAt: b.lastSuccessAt?.toISOString() ?? null,
      eventsLoadedTotal: runs.eventsLoaded,
      rowsLoadedByTable: runs.rowsByTable,
      loadAttempts: runs.attemptsByOutcome,
      lastLoadDurationSeconds: runs.lastLoad ? runs.lastLoad.durationMs / 1000 : null,
      lastLoadAt: runs.lastLoad?.finishedAt.toISOString() ?? null,
      failureCount: b.failureCount,
      nextRunAt: b.scheduled.toISOString(),
      intervalSeconds: b.intervalSeconds ?? config.poll.intervalSeconds,
      lastError: b.lastError,
      lastLoadId: b.lastLoadId,
      watermark: b.windowTime,
      action: actionFor(b, waiting, late),
    });
  }
  return out;
}
