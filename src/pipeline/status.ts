// `rsetl status`: every bus with its state, lag (pending events and age of the oldest), last
// success, failures, next attempt and last error — what the old admin page showed, and more:
// every event of a bus's domain that the next windows will NOT load is counted too (dead letters,
// events dated in the future), so nothing is invisible to the person on call.
import type { RsetlConfig } from '../config/schema.js';
import { deadLetterCounts } from '../source/dead-letter-counts.js';
import { countLateEvents } from '../source/late-events.js';
import { futureEvents, pendingEvents } from '../source/outbox.js';
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

export async function busStatuses(conn: Connections, config: RsetlConfig): Promise<BusStatus[]> {
  const { client, buses } = await conn.control();
  const now = Date.now();
  const deadLetters = await deadLetterCounts(client, config.source.controlSchema);
  const out: BusStatus[] = [];
  for (const b of await buses.listBuses()) {
    const pending = await pendingEvents(client, {
      table: config.source.table,
      rootId: b.rootId,
      windowTime: b.windowTime,
      windowIds: b.windowIds,
      deadLetter: { controlSchema: config.source.controlSchema, busId: b.id },
    });
    const future = await futureEvents(client, { table: config.source.table, rootId: b.rootId });
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
    out.push({
      id: b.id,
      schema: b.schemaName,
      rootId: b.rootId,
      state: b.state,
      blocked: b.blocked,
      pendingEvents: pending.count,
      pendingCapped: pending.capped,
      oldestPendingAgeSeconds: pending.oldest ? Math.max(0, Math.round((now - parsePgTimestamp(pending.oldest) / 1000) / 1000)) : null,
      futureEvents: future.count,
      futureCapped: future.capped,
      latestFutureTime: future.latest,
      deadLetterEvents: waiting,
      lateEvents: late,
      lastSuccessAt: b.lastSuccessAt?.toISOString() ?? null,
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
