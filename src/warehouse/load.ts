// The load transaction (docs/design.md#load-transaction): everything that changes Redshift for one load
// happens between BEGIN and COMMIT, the ledger row included, with one COPY per touched table.
import { keyOf, TABLE_DEFS, type TableDef } from '../model/tables.js';
import { stageTableSql } from '../model/ddl.js';
import { columnsWithOp, type KeyOpCounts } from '../stage/combined-lines.js';
import type { StagedTable } from '../stage/staged-load.js';
import { copySql } from './copy.js';
import { findByStartSql, insertEntrySql, LEDGER_TABLE, ledgerHit, watermarkHash, type LedgerEntry } from './ledger.js';
import { copiesDirect, ruleStatements } from './rules/index.js';
import { keyOpStatements } from './rules/key-ops.js';
import type { WarehouseSession } from './session.js';
import { WarehouseError } from '../errors.js';
import { ident } from '../sql/quote.js';
import { crashPoint } from '../crash-points.js';

export interface StagedTableWork {
  table: TableDef;
  staged: StagedTable;
  /** Set when the staged file also carries keys to delete or users to obfuscate (an `rsetl_op` column). */
  keyOps?: KeyOpCounts;
}

export type LoadResult =
  | { outcome: 'loaded' }
  | { outcome: 'already-loaded'; loadId: string; windowTo: string; windowToIds: string[]; events: number; snapshotDays: string[] };

export interface CopySettings {
  iamRole: string;
  region?: string;
  /** After each table's COPY and write rule (progress on a terminal). */
  onCopied?: (table: string) => void;
  /**
   * A statement failed and its transaction was rolled back; `s` ran it. For a COPY refused for its
   * data, a diagnosis reads that session's load errors (the caller ignores other failures).
   */
  onFailed?: (s: WarehouseSession, e: unknown) => Promise<void>;
}

/** The touched tables in the reference's order of operations (model/tables.ts). */
export function inLoadOrder(work: readonly StagedTableWork[]): StagedTableWork[] {
  const byName = new Map(work.map((w) => [w.table.name, w]));
  return TABLE_DEFS.map((t) => byName.get(t.name)).filter((w): w is StagedTableWork => w !== undefined);
}

/** True when a table's COPY goes to a stage table and its rule applies it (not a plain append). */
export const needsStage = (w: StagedTableWork): boolean => !copiesDirect(w.table) || w.keyOps !== undefined;

/**
 * The stage a table's file is COPYed into: the target's shape, or with key operations every column
 * nullable plus `rsetl_op` (model/ddl.ts). A temp table, or a permanent one without backup for a
 * COPY lane, whose stage the load's own session reads (docs/design.md#copy-lanes).
 */
export function createStageSql(w: StagedTableWork, stage: string, opts: { permanent?: boolean } = {}): string {
  if (w.keyOps) return stageTableSql(w.table, stage, columnsWithOp(w.table), opts);
  return opts.permanent ? `CREATE TABLE ${ident(stage)} (LIKE ${ident(w.table.name)}) BACKUP NO` : `CREATE TEMP TABLE ${ident(stage)} (LIKE ${ident(w.table.name)})`;
}

/** The statements that apply a staged table (its key operations, then its write rule). */
export function applyStageStatements(w: StagedTableWork, stage: string): string[] {
  const t = w.table;
  return [
    ...(w.keyOps ? keyOpStatements(t, stage, keyOf(t) ?? ['id'], w.keyOps) : []),
    ...(!w.keyOps || w.keyOps.puts > 0 ? ruleStatements({ table: t, stage }) : []),
  ];
}

/** The COPY of a table's staged file into `table` (its target or a stage). */
export function copyIntoSql(table: string, w: StagedTableWork, copy: CopySettings): string {
  return copySql({ table, manifestUrl: w.staged.manifestUrl, iamRole: copy.iamRole, ...(copy.region && { region: copy.region }) });
}

/**
 * Round trips, each paid at a cluster's per-statement latency: one opens the transaction (BEGIN,
 * LOCK, the ledger check and every temp stage table), then per table its COPY (alone: its row count
 * is checked) and, for a staged table, one batch of its write rule; one batch writes the ledger row
 * and drops the stage tables; COMMIT goes alone (its outcome may need the ledger). Over the Data
 * API, which runs one statement per call, the batches go statement by statement. With COPY lanes
 * the COPYs run side by side before the transaction instead (applyLoadInLanes).
 */
export async function applyLoad(
  s: WarehouseSession,
  entry: LedgerEntry,
  work: StagedTableWork[],
  copy: CopySettings,
): Promise<LoadResult> {
  const ordered = inLoadOrder(work);
  const staged = ordered.filter(needsStage);
  const stageOf = (t: TableDef) => `rsetl_stage_${t.name}`;
  s.label(`rsetl:${entry.loadId}`);
  try {
    const opened = await s.batch([
      'BEGIN',
      lockSql(ordered),
      findByStartSql(entry.busId, watermarkHash(entry.busId, entry.windowFrom, entry.windowFromIds)),
      // Created before the ledger says whether they are needed: a load found done rolls them back.
      ...staged.map((w) => createStageSql(w, stageOf(w.table))),
    ]);
    const done = ledgerHit(opened[2]!.rows);
    if (done) {
      await s.rollback();
      return { outcome: 'already-loaded', ...done };
    }
    for (const w of ordered) {
      const t = w.table;
      if (!staged.includes(w)) {
        await copyAll(s, copyIntoSql(t.name, w, copy), w.staged);
      } else {
        const stage = stageOf(t);
        await copyAll(s, copyIntoSql(stage, w, copy), w.staged);
        await s.batch(applyStageStatements(w, stage));
      }
      copy.onCopied?.(t.name);
      crashPoint('after-copy');
    }
    await s.batch([insertEntrySql(entry), ...(staged.length ? [`DROP TABLE ${staged.map((w) => ident(stageOf(w.table))).join(', ')}`] : [])]);
  } catch (e) {
    await s.rollback();
    await copy.onFailed?.(s, e);
    throw e;
  }
  crashPoint('before-commit');
  await s.query('COMMIT', undefined, { duringCommit: true });
  return { outcome: 'loaded' };
}

/**
 * Locking the ledger first, then the targets in one fixed order, makes concurrent writers to this
 * schema queue instead of failing with serializable isolation error 1023 (docs/design.md#concurrency).
 */
export function lockSql(ordered: readonly StagedTableWork[]): string {
  return `LOCK ${[LEDGER_TABLE, ...ordered.map((w) => w.table.name)].map(ident).join(', ')}`;
}

/**
 * Runs a COPY and checks it loaded every line rsetl staged. With MAXERROR 0 and a manifest of
 * mandatory files a COPY cannot skip rows, but it loads whatever the objects hold when it reads
 * them: an object cut short, replaced or rewritten after rsetl wrote it would load less, silently.
 * The command tag's count (`COPY n`) settles the usual case without a round trip; when it is
 * missing or disagrees (Redshift descends from PostgreSQL 8.0, whose tag was a bare `COPY`),
 * pg_last_copy_count(), Redshift's documented count of the session's last COPY, decides.
 */
export async function copyAll(s: WarehouseSession, sql: string, staged: StagedTable): Promise<void> {
  const r = await s.query(sql);
  if (r.rowCount === staged.rows) return;
  const loaded = Number((await s.query<{ n: string }>('SELECT pg_last_copy_count() AS n')).rows[0]?.n);
  if (loaded === staged.rows) return;
  throw new WarehouseError(`Redshift: COPY from ${staged.manifestUrl} loaded ${loaded} rows; rsetl staged ${staged.rows}`, 'transient', {
    hint: 'a staged file changed after rsetl wrote it (truncated, replaced or deleted in S3); the load was rolled back and is staged again on retry',
    context: { statement: sql.slice(0, 300) },
  });
}
