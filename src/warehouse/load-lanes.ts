// COPY lanes (docs/design.md#copy-lanes): a load's COPYs run side by side on several sessions,
// each lane loading permanent stage tables of its own in one transaction, and the load's own
// transaction then applies every stage at once. One session runs one statement at a time, and a
// COPY costs a cluster a second or more whatever its size, so a load touching 15 tables spends
// most of its time waiting on COPYs one after another; lanes wait on them together.
//
// Exactly once is unchanged: the stage tables are not the targets. Nothing a reader sees changes
// before the load's transaction commits, with its ledger row, exactly as without lanes. A load
// that dies after its lanes committed leaves stage tables behind and nothing else; they carry the
// bus id in their names, and the next load of the bus drops them.
import { TABLE_DEFS, type TableDef } from '../model/tables.js';
import { ident } from '../sql/quote.js';
import { crashPoint } from '../crash-points.js';
import { findByStartSql, insertEntrySql, ledgerHit, watermarkHash, type LedgerEntry } from './ledger.js';
import {
  applyStageStatements, copyAll, copyIntoSql, createStageSql, lockSql, needsStage, type CopySettings, type LoadResult, type StagedTableWork,
} from './load.js';
import type { WarehouseSession } from './session.js';

/** A lane's stage table for a table of a bus: permanent, so the load's own session can read it. */
export function laneStageName(busId: number, t: TableDef): string {
  return `rsetl_stage_b${busId}_${t.name}`;
}

/** Every name a bus's lanes can leave behind (a load that died after its lanes committed). */
function allLaneStageNames(busId: number): string[] {
  return TABLE_DEFS.map((t) => laneStageName(busId, t));
}

/**
 * What a table's COPY is expected to cost, to balance the lanes: a fixed part (a COPY of a few
 * rows still costs a cluster about a second) plus its compressed bytes.
 */
const COPY_FIXED_COST_BYTES = 1 << 20;

/**
 * The tables split across at most `lanes` lanes so that they finish about together: the most
 * expensive first, each to the lane with the least work so far. Deterministic for a given load.
 */
export function assignLanes(work: readonly StagedTableWork[], lanes: number): StagedTableWork[][] {
  const n = Math.max(1, Math.min(lanes, work.length));
  const out: StagedTableWork[][] = Array.from({ length: n }, () => []);
  const cost = new Array<number>(n).fill(0);
  const byCost = [...work].sort((a, b) => b.staged.compressedBytes - a.staged.compressedBytes || a.table.name.localeCompare(b.table.name));
  for (const w of byCost) {
    const i = cost.indexOf(Math.min(...cost));
    out[i]!.push(w);
    cost[i]! += COPY_FIXED_COST_BYTES + w.staged.compressedBytes;
  }
  return out;
}

/**
 * One lane: in a transaction of its own, drop what an earlier load of the bus left under its
 * tables' stage names, create their stages, COPY each (its row count checked) and COMMIT. A lane
 * that fails rolls back, so its stages never existed; the others' are dropped by the caller.
 */
async function runLane(s: WarehouseSession, busId: number, tables: readonly StagedTableWork[], copy: CopySettings): Promise<void> {
  const names = tables.map((w) => laneStageName(busId, w.table));
  try {
    await s.batch([
      'BEGIN',
      `DROP TABLE IF EXISTS ${names.map(ident).join(', ')}`,
      // Stages are loaded once and dropped: no backup for the cluster's snapshots to carry.
      ...tables.map((w, i) => createStageSql(w, names[i]!, { permanent: true })),
    ]);
    for (const [i, w] of tables.entries()) {
      await copyAll(s, copyIntoSql(names[i]!, w, copy), w.staged);
      copy.onCopied?.(w.table.name);
      crashPoint('after-copy');
    }
    // Not a load's COMMIT: if its answer is lost, the load's transaction finds a stage missing and
    // fails as any lost connection does; nothing reached a target.
    await s.query('COMMIT');
  } catch (e) {
    await s.rollback();
    await copy.onFailed?.(s, e);
    throw e;
  }
}

/**
 * The load with its COPYs in lanes (`ordered`: the touched tables in load order, two or more).
 * Round trips of the load's own session: one opens the transaction (BEGIN, LOCK, the ledger
 * check), one applies every stage, writes the ledger row and drops the stages, and COMMIT goes
 * alone. Each lane adds one batch, its COPYs and its COMMIT.
 */
export async function applyLoadInLanes(
  s: WarehouseSession,
  lanes: readonly WarehouseSession[],
  entry: LedgerEntry,
  ordered: readonly StagedTableWork[],
  copy: CopySettings,
): Promise<LoadResult> {
  const stageOf = (w: StagedTableWork) => laneStageName(entry.busId, w.table);
  const dropStages = `DROP TABLE IF EXISTS ${allLaneStageNames(entry.busId).map(ident).join(', ')}`;
  const parts = assignLanes(ordered, lanes.length);
  for (const [i, l] of lanes.entries()) if (i < parts.length) l.label(`rsetl:${entry.loadId}`);
  s.label(`rsetl:${entry.loadId}`);
  const settled = await Promise.allSettled(parts.map((tables, i) => runLane(lanes[i]!, entry.busId, tables, copy)));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // The lanes that committed leave their stages behind: gone now, or with the next load.
    await s.query(dropStages).catch(() => undefined);
    throw failed.reason;
  }
  crashPoint('after-lanes');
  try {
    const opened = await s.batch(['BEGIN', lockSql(ordered), findByStartSql(entry.busId, watermarkHash(entry.busId, entry.windowFrom, entry.windowFromIds))]);
    const done = ledgerHit(opened[2]!.rows);
    if (done) {
      await s.rollback();
      await s.query(dropStages).catch(() => undefined);
      return { outcome: 'already-loaded', ...done };
    }
    await s.batch([
      ...ordered.flatMap((w) => (needsStage(w) ? applyStageStatements(w, stageOf(w)) : [`INSERT INTO ${ident(w.table.name)} SELECT * FROM ${ident(stageOf(w))}`])),
      insertEntrySql(entry),
      // Every stage name of the bus, so what a load that died before this point left goes too.
      dropStages,
    ]);
  } catch (e) {
    await s.rollback();
    await s.query(dropStages).catch(() => undefined);
    throw e;
  }
  crashPoint('before-commit');
  await s.query('COMMIT', undefined, { duringCommit: true });
  return { outcome: 'loaded' };
}
