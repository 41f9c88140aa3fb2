// Events that committed too late for the window: their `time` lies behind the bus's watermark
// (older than the last delivered event minus the lookback) by the time their transaction
// committed, so no window will ever read them. The reference algorithm cannot prevent that (its
// lookback covers late commits of up to 5 minutes); rsetl at least makes them visible.
//
// How they are found: every load records the source's transaction snapshot taken when it finished
// reading (txid_current_snapshot()). An outbox row whose inserting transaction is not visible in
// the snapshot of one load but is in the next one's committed between the two reads; if its time
// is below the second load's window start, it was never read and never will be. Each such row is
// counted by exactly one load (the first whose snapshot sees it) and added to the bus's
// statistics.lateEvents; `status` adds the ones committed since the last load. Rows are looked for
// in the LATE_HORIZON before the window start, a bounded index range scan per load.
//
// Blind spot: a row that commits while a load is reading, with a time the read had already passed
// and that ends below the new watermark, is seen by that load's snapshot and never counted. The
// read takes seconds, and with the lookback such a row must be minutes late as well. An outbox row
// updated after the fact (its xmin changes) would count as late; the outbox is append-only.
import type pg from 'pg';
import { ident } from '../sql/quote.js';
import { outboxTableName } from './outbox.js';

/** How far behind the window start late rows are looked for. */
export const LATE_HORIZON_SECONDS = 6 * 3600;

export async function readSnapshot(client: pg.ClientBase): Promise<string> {
  return (await client.query<{ s: string }>('select txid_current_snapshot()::text as s')).rows[0]!.s;
}

/**
 * The row's 64-bit transaction id from its 32-bit xmin, with the epoch of the current transaction
 * counter (a row inserted within the last 2^31 transactions, as every row in the horizon is).
 */
const TXID = `(((c.xmax >> 32) - case when o.xmin::text::bigint > (c.xmax & 4294967295) then 1 else 0 end) * 4294967296 + o.xmin::text::bigint)`;

/**
 * Rows of the domain with time in [windowStart - horizon, windowStart), not dead-lettered, whose
 * transaction is not visible in `before` and (when given) is visible in `after`.
 */
export async function countLateEvents(
  client: pg.ClientBase,
  q: { table: string; controlSchema: string; busId: number; rootId: string; windowStart: string; before: string; after?: string; horizonSeconds?: number },
): Promise<number> {
  const r = await client.query<{ n: number }>(
    `with c as (select txid_snapshot_xmax(txid_current_snapshot()) as xmax)
     select count(*)::int as n from ${outboxTableName(q.table)} o, c
     where o.root_id = $1 and o.time < $2::timestamp and o.time >= $2::timestamp - make_interval(secs => $3::int)
       and not txid_visible_in_snapshot(${TXID}, $4::txid_snapshot)
       and ($5::txid_snapshot is null or txid_visible_in_snapshot(${TXID}, $5::txid_snapshot))
       and not exists (select 1 from ${ident(q.controlSchema)}.dead_letter d where d.bus_id = $6 and d.event_time = o.time and d.event_id = o.id)`,
    [q.rootId, q.windowStart, q.horizonSeconds ?? LATE_HORIZON_SECONDS, q.before, q.after ?? null, q.busId],
  );
  return r.rows[0]?.n ?? 0;
}
