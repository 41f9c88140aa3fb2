// The load transaction (spec §1 step 5, §4, §6): everything that changes Redshift for one load
// happens between BEGIN and COMMIT, the ledger row included, with one COPY per staged file set.
import { TABLE_DEFS, type TableDef } from '../model/tables.js';
import { sqlType } from '../model/columns.js';
import type { StagedTable } from '../stage/staged-load.js';
import { copySql } from './copy.js';
import { findByStart, insertEntry, LEDGER_TABLE, watermarkHash, type LedgerEntry } from './ledger.js';
import { copiesDirect, ruleStatements } from './rules/index.js';
import { obfuscate } from './rules/obfuscate.js';
import type { WarehouseSession } from './session.js';
import { ident } from './sql.js';
import { crashPoint } from '../crash-points.js';

export interface StagedTableWork {
  table: TableDef;
  rows?: StagedTable;
  deletes?: StagedTable;
  deleteKey?: readonly string[];
  /** usr ids whose personal columns are nulled after the upsert (GDPR obfuscation). */
  obfuscations?: StagedTable;
}

export type LoadResult =
  | { outcome: 'loaded' }
  | { outcome: 'already-loaded'; loadId: string; windowTo: string; windowToIds: string[]; events: number; snapshotDays: string[] };

export interface CopySettings {
  iamRole: string;
  region?: string;
}

/** Names of the extra stages of a table (in S3 and as temp tables). */
export const deleteStageName = (table: string) => `${table}__delete`;
export const obfuscateStageName = (table: string) => `${table}__obfuscate`;

export async function applyLoad(
  s: WarehouseSession,
  entry: LedgerEntry,
  work: StagedTableWork[],
  copy: CopySettings,
): Promise<LoadResult> {
  // Walk tables in the reference's order of operations (model/tables.ts).
  const byName = new Map(work.map((w) => [w.table.name, w]));
  const ordered = TABLE_DEFS.map((t) => byName.get(t.name)).filter((w): w is StagedTableWork => w !== undefined);
  const temps: string[] = [];
  await s.query('BEGIN');
  try {
    // Locking the ledger first, then the targets in one fixed order, makes concurrent writers to
    // this schema queue instead of failing with serializable isolation error 1023 (spec §6).
    await s.query(`LOCK ${[LEDGER_TABLE, ...ordered.map((w) => w.table.name)].map(ident).join(', ')}`);
    const done = await findByStart(s, entry.busId, watermarkHash(entry.busId, entry.windowFrom, entry.windowFromIds));
    if (done) {
      await s.rollback();
      return { outcome: 'already-loaded', ...done };
    }
    for (const w of ordered) {
      const t = w.table;
      let stage: string | undefined;
      let deleteStage: string | undefined;
      if (w.rows && copiesDirect(t)) {
        await s.query(copySql({ table: t.name, manifestUrl: w.rows.manifestUrl, ...copy }));
      } else if (w.rows) {
        stage = `rsetl_stage_${t.name}`;
        await s.query(`CREATE TEMP TABLE ${ident(stage)} (LIKE ${ident(t.name)})`);
        temps.push(stage);
        await s.query(copySql({ table: stage, manifestUrl: w.rows.manifestUrl, ...copy }));
      }
      if (w.deletes && w.deleteKey) {
        deleteStage = `rsetl_stage_${deleteStageName(t.name)}`;
        const cols = w.deleteKey.map((k) => `${ident(k)} ${sqlType(t.columns[k]!)}`).join(', ');
        await s.query(`CREATE TEMP TABLE ${ident(deleteStage)} (${cols})`);
        temps.push(deleteStage);
        await s.query(copySql({ table: deleteStage, manifestUrl: w.deletes.manifestUrl, ...copy }));
      }
      const ctx = { table: t, ...(stage ? { stage } : {}), ...(deleteStage ? { deleteStage } : {}) };
      for (const sql of ruleStatements(ctx)) await s.query(sql);
      if (w.obfuscations) {
        const key = t.primaryKey ?? ['id'];
        const obf = `rsetl_stage_${obfuscateStageName(t.name)}`;
        await s.query(`CREATE TEMP TABLE ${ident(obf)} (${key.map((k) => `${ident(k)} ${sqlType(t.columns[k]!)}`).join(', ')})`);
        temps.push(obf);
        await s.query(copySql({ table: obf, manifestUrl: w.obfuscations.manifestUrl, ...copy }));
        for (const sql of obfuscate(t, obf, key)) await s.query(sql);
      }
      crashPoint('after-copy');
    }
    await insertEntry(s, entry);
    if (temps.length) await s.query(`DROP TABLE ${temps.map(ident).join(', ')}`);
  } catch (e) {
    await s.rollback();
    throw e;
  }
  crashPoint('before-commit');
  await s.query('COMMIT', undefined, { duringCommit: true });
  return { outcome: 'loaded' };
}
