// After a bus's loads committed (spec §1 step 7): refresh the `timespent` materialized view at
// most hourly, as the schema owner (only the owner may REFRESH; seed-system.md §4.3), then
// generate the instructor snapshot days the loads requested. Both are idempotent; a failure
// leaves them pending for the next poll and is reported like any other bus failure.
import type { Bus, BusStore } from '../source/bus-store.js';
import { mvRefreshDue, refreshTimespent } from '../warehouse/materialized-view.js';
import { generateSnapshotDays } from '../warehouse/snapshot.js';
import type { WarehouseSession } from '../warehouse/session.js';

export interface AfterLoadDeps {
  buses: BusStore;
  /** A session as the schema owner (for the MV refresh). */
  ownerSession: (schema: string) => Promise<WarehouseSession>;
  /** The load's (bus user) session. */
  warehouse: () => Promise<WarehouseSession>;
}

export interface AfterLoadResult {
  mvRefreshed: boolean;
  snapshotDays: string[];
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
  return { mvRefreshed, snapshotDays: days };
}
