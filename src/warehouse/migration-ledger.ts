// The record of applied migrations, one table per schema (node-pg-migrate's per-schema history;
// docs/dba.md#upgrade-schema): a schema carries its own history wherever it is copied, and
// `--all` can never apply a migration to one schema because another already has it.
import { formatTimestamp } from '../sql/timestamp.js';
import type { WarehouseSession } from './session.js';
import { qualified } from '../sql/quote.js';
import type { Migration } from './migrations.js';

export const MIGRATION_TABLE = 'rsetl_migration';

export function migrationTableDdl(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, MIGRATION_TABLE)} (
  "name" VARCHAR(512) NOT NULL,
  "checksum" CHAR(64) NOT NULL,
  "applied_at" TIMESTAMP NOT NULL,
  PRIMARY KEY ("name")
)`;
}

export interface AppliedMigration {
  name: string;
  checksum: string;
  appliedAt: string;
}

export async function tableExists(s: WarehouseSession, schema: string, table: string): Promise<boolean> {
  const r = await s.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [schema, table]);
  return (r.rowCount ?? 0) > 0;
}

/** The schema's applied migrations by name; empty when it has no migration table yet. */
export async function appliedMigrations(s: WarehouseSession, schema: string): Promise<Map<string, AppliedMigration>> {
  if (!(await tableExists(s, schema, MIGRATION_TABLE))) return new Map();
  const r = await s.query<{ name: string; checksum: string; applied_at: string }>(
    `SELECT "name", "checksum", "applied_at" FROM ${qualified(schema, MIGRATION_TABLE)} ORDER BY "applied_at", "name"`,
  );
  return new Map(r.rows.map((x) => [x.name, { name: x.name, checksum: x.checksum.trim(), appliedAt: x.applied_at }]));
}

/** UTC timestamp text for a TIMESTAMP column (sessions run with timezone UTC). */
export function utcNow(): string {
  return formatTimestamp(Date.now());
}

export async function recordMigration(s: WarehouseSession, schema: string, m: Pick<Migration, 'name' | 'checksum'>, at = utcNow()): Promise<void> {
  await s.query(`INSERT INTO ${qualified(schema, MIGRATION_TABLE)} ("name", "checksum", "applied_at") VALUES ($1, $2, $3)`, [m.name, m.checksum, at]);
}

/**
 * Marks migrations as applied without running them: init-etl creates the current schema, so on
 * a schema it has just created every rsetl migration is already in effect. Run in its transaction.
 */
export async function recordAsApplied(s: WarehouseSession, schema: string, migrations: readonly Migration[]): Promise<string[]> {
  await s.query(migrationTableDdl(schema));
  const applied = await appliedMigrations(s, schema);
  const fresh = migrations.filter((m) => !applied.has(m.name));
  const at = utcNow();
  for (const m of fresh) await recordMigration(s, schema, m, at);
  return fresh.map((m) => m.name);
}
