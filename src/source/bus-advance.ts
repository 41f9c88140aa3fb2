// What a bus records after a load: the watermark it moved to, and the after-load chores still owed
// or just done (docs/design.md#advance, docs/design.md#after-load). The advance is one statement so
// the watermark, the cleared failure and the dead letters the load replayed move together or not
// at all; a crash before it is caught by the ledger's fast-forward (docs/design.md#fast-forward).
import type pg from 'pg';
import { ident } from '../sql/quote.js';

export interface Advance {
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
}

/**
 * After a committed load (or an empty window): move the watermark, clear failures. With
 * `replayedLoadId`, the dead letters load attempt `replayedLoadId` carried are marked replayed by
 * the same statement, so the watermark and the replays it delivered move together or not at all.
 */
export async function advance(client: pg.ClientBase, controlSchema: string, busId: number, next: Advance): Promise<void> {
  const q = ident(controlSchema);
  await client.query(
    `with replayed as (
         update ${q}.dead_letter d set replayed_at = now(), replayed_load_id = $8
         where $8::text is not null and d.bus_id = $1 and d.replayed_at is null
           and exists (select 1 from ${q}.dead_letter_replay r where r.dead_letter_id = d.id and r.load_id = $8)
       )
       update ${q}.bus set window_time = $2::timestamp, window_ids = $3::bigint[], failure_count = 0, blocked = false,
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

/** After the snapshot days were generated in Redshift: they are no longer owed. */
export async function clearSnapshotDays(client: pg.ClientBase, controlSchema: string, busId: number, days: string[]): Promise<void> {
  await client.query(
    `update ${ident(controlSchema)}.bus set pending_snapshot_days = array(select d from unnest(pending_snapshot_days) d where d <> all($2::date[])) where id = $1`,
    [busId, days],
  );
}

/** After the `timespent` view was refreshed (docs/design.md#timespent-refresh): its next refresh is timed from now. */
export async function markMvRefreshed(client: pg.ClientBase, controlSchema: string, busId: number): Promise<void> {
  await client.query(`update ${ident(controlSchema)}.bus set last_mv_refresh = now() where id = $1`, [busId]);
}
