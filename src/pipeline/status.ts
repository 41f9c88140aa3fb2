// `rsetl status`: every bus with its state, lag (pending events and age of the oldest), last
// success, failures, next attempt and last error — what the old admin page showed, and more.
import type { RsetlConfig } from '../config/schema.js';
import { pendingEvents } from '../source/outbox.js';
import { parsePgTimestamp } from '../source/timestamps.js';
import type { Connections } from './connections.js';

export interface BusStatus {
  id: number;
  schema: string;
  rootId: string;
  state: string;
  pendingEvents: number;
  pendingCapped: boolean;
  oldestPendingAgeSeconds: number | null;
  lastSuccessAt: string | null;
  failureCount: number;
  nextRunAt: string;
  lastError: Record<string, unknown> | null;
  lastLoadId: string | null;
  watermark: string;
}

export async function busStatuses(conn: Connections, config: RsetlConfig): Promise<BusStatus[]> {
  const { client, buses } = await conn.control();
  const now = Date.now();
  const out: BusStatus[] = [];
  for (const b of await buses.listBuses()) {
    const pending = await pendingEvents(client, {
      table: config.source.table,
      rootId: b.rootId,
      windowTime: b.windowTime,
      windowIds: b.windowIds,
    });
    out.push({
      id: b.id,
      schema: b.schemaName,
      rootId: b.rootId,
      state: b.state,
      pendingEvents: pending.count,
      pendingCapped: pending.capped,
      oldestPendingAgeSeconds: pending.oldest ? Math.max(0, Math.round((now - parsePgTimestamp(pending.oldest) / 1000) / 1000)) : null,
      lastSuccessAt: b.lastSuccessAt?.toISOString() ?? null,
      failureCount: b.failureCount,
      nextRunAt: b.scheduled.toISOString(),
      lastError: b.lastError,
      lastLoadId: b.lastLoadId,
      watermark: b.windowTime,
    });
  }
  return out;
}
