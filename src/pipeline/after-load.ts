// After a bus's loads committed (docs/design.md#after-load): refresh the `timespent` materialized view at
// most hourly, as the schema owner (only the owner may REFRESH; docs/design.md#timespent-refresh), then
// generate the instructor snapshot days the loads requested. Both are idempotent; a failure
// leaves them pending for the next poll and is reported like any other bus failure. Last, the
// retention sweep of staged files that earlier failed loads left in S3 (never fails the bus).
import { messageOf } from '../errors.js';
import type { Bus } from '../source/bus.js';
import type { BusStore } from '../source/bus-store.js';
import type { ObjectStore } from '../stage/object-store.js';
import { schemaPrefix, sweepStaged } from '../stage/retention.js';
import { mvRefreshDue, refreshTimespent } from '../warehouse/materialized-view.js';
import { generateSnapshotDays } from '../warehouse/snapshot.js';
import type { WarehouseSession } from '../warehouse/session.js';

export interface AfterLoadDeps {
  buses: BusStore;
  /** A session as the schema owner (for the MV refresh). */
  ownerSession: (schema: string) => Promise<WarehouseSession>;
  /** The load's (bus user) session. */
  warehouse: () => Promise<WarehouseSession>;
  objectStore: () => ObjectStore;
  s3Prefix: string;
  retentionHours: number;
}

export interface AfterLoadResult {
  mvRefreshed: boolean;
  snapshotDays: string[];
  /** Staged files of failed loads past the retention, deleted now (or why the sweep failed). */
  swept: { folders: number; objects: number } | { error: string };
}

export async function afterLoads(deps: AfterLoadDeps, bus: Bus, loadedSomething: boolean, now = new Date()): Promise<AfterLoadResult> {
  let mvRefreshed = false;
  if (loadedSomething && mvRefreshDue(bus.lastMvRefresh, now)) {
    const owner = await deps.ownerSession(bus.schemaName);
    try {
      await refreshTimespent(owner);
    } finally {
      await owner.close();
    }
    await deps.buses.markMvRefreshed(bus.id);
    mvRefreshed = true;
  }
  const days = bus.pendingSnapshotDays;
  if (days.length > 0) {
    await generateSnapshotDays(await deps.warehouse(), days);
    await deps.buses.clearSnapshotDays(bus.id, days);
  }
  let swept: AfterLoadResult['swept'] = { folders: 0, objects: 0 };
  if (loadedSomething) {
    try {
      const r = await sweepStaged(deps.objectStore(), schemaPrefix(deps.s3Prefix, bus.schemaName), deps.retentionHours, now);
      swept = { folders: r.deleted.length, objects: r.objects };
    } catch (e) {
      swept = { error: messageOf(e) };
    }
  }
  return { mvRefreshed, snapshotDays: days, swept };
}
