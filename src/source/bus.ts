// A bus as rsetl passes it around, and how a row of the control schema's `bus` table becomes one
// (docs/design.md#control-schema). Every query that returns buses selects BUS_COLUMNS and maps
// them with toBus, so a column added by a migration is read in one place.

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

export const BUS_COLUMNS = `id, name, root_id::text as root_id, schema_name, state, max_events, window_time,
  window_ids::text[] as window_ids, failure_count, blocked, interval_seconds, scheduled, last_error, last_error_at, last_success_at,
  last_load_id, last_mv_refresh, statistics, created_at, pending_snapshot_days::text[] as pending_snapshot_days, read_snapshot`;

export function toBus(r: Record<string, any>): Bus {
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
