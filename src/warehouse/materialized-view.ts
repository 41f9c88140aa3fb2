// The `timespent` materialized view's refresh (docs/design.md#timespent-refresh,
// docs/schema.md#timespent): after a load commits, at most once an hour, by the MV's owner (Redshift lets
// only the owner REFRESH; the bus user owns nothing). REFRESH MATERIALIZED VIEW runs as a
// transaction of its own on Redshift, so it is sent alone, outside any BEGIN.
import type { WarehouseSession } from './session.js';
import { ident } from '../sql/quote.js';

export const TIMESPENT_MV = 'timespent';
export const MV_REFRESH_INTERVAL_MS = 60 * 60 * 1000;

/** Whether the MV is due: never refreshed, or last refreshed an hour or more before `now`. */
export function mvRefreshDue(lastRefresh: Date | null, now: Date): boolean {
  return lastRefresh === null || now.getTime() - lastRefresh.getTime() >= MV_REFRESH_INTERVAL_MS;
}

/**
 * Refreshes `timespent` in the bus schema. `owner` must be a session of the MV's owner (the main
 * user that created the views), not inside a transaction block. The name is qualified with
 * `schema` (default: the session's), so any search_path will do.
 */
export async function refreshTimespent(owner: WarehouseSession, schema = owner.schema): Promise<void> {
  const name = schema ? `${ident(schema)}.${ident(TIMESPENT_MV)}` : ident(TIMESPENT_MV);
  await owner.query(`REFRESH MATERIALIZED VIEW ${name}`);
}
