// One bus schema as the ETL user sees it: the schema exists, the user has USAGE and CREATE on it,
// every table of the model and the load ledger are there, the user may read and write them
// (a load INSERTs, MERGEs — UPDATE and DELETE — and reads the ledger), and the schema has had
// rsetl's own migrations. Found out with
// has_schema_privilege / has_table_privilege, which Redshift and PostgreSQL both answer.
import type { RsetlConfig } from '../config/schema.js';
import { missingMigrations, upgradeCommand } from '../warehouse/schema-current.js';
import { CREATION_ORDER } from '../model/tables.js';
import { LEDGER_TABLE } from '../warehouse/ledger.js';
import type { WarehouseSession } from '../warehouse/session.js';
import { ident } from '../sql/quote.js';

export const EXPECTED_TABLES: readonly string[] = [...CREATION_ORDER, LEDGER_TABLE];

const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

export interface SchemaProblems {
  schema: string;
  /** What is wrong, one phrase each: `rsetl_bus lacks INSERT on all 21 tables`. */
  issues: string[];
  /** The statements or commands that fix them. */
  fixes: string[];
}

/** `asset, usr, section and 18 more`. */
function someOf(names: readonly string[], total: number): string {
  if (names.length === total && total > 1) return `all ${total} tables`;
  const shown = names.slice(0, 4).join(', ');
  return names.length > 4 ? `${names.length} tables (${shown} and ${names.length - 4} more)` : names.length === 1 ? `table ${shown}` : `tables ${shown}`;
}

export async function schemaProblems(s: WarehouseSession, config: RsetlConfig, schema: string, user: string, rootId: string): Promise<SchemaProblems> {
  const out: SchemaProblems = { schema, issues: [], fixes: [] };
  const initEtl = `rsetl init-etl ${schema} --domain ${rootId}`;
  const exists = await s.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if ((exists.rowCount ?? 0) === 0) {
    out.issues.push('does not exist in Redshift');
    out.fixes.push(`${initEtl} (creates the schema, its tables and the ledger)`);
    return out;
  }
  const sp = (
    await s.query<{ can_usage: boolean; can_create: boolean }>(
      `SELECT has_schema_privilege($1, $2, 'USAGE') AS can_usage, has_schema_privilege($1, $2, 'CREATE') AS can_create`,
      [user, schema],
    )
  ).rows[0]!;
  const missingOnSchema = [!sp.can_usage && 'USAGE', !sp.can_create && 'CREATE'].filter((x): x is string => Boolean(x));
  if (missingOnSchema.length > 0) {
    out.issues.push(`${user} lacks ${missingOnSchema.join(' and ')} on the schema`);
    out.fixes.push(`GRANT ${missingOnSchema.join(', ')} ON SCHEMA ${ident(schema)} TO ${ident(user)}`);
  }
  // Aliases avoid reserved words: Redshift's older grammar is stricter about them than PostgreSQL's.
  const tables = await s.query<{ tablename: string; can_select: boolean; can_insert: boolean; can_update: boolean; can_delete: boolean }>(
    `SELECT tablename,
       has_table_privilege($1, quote_ident(schemaname) || '.' || quote_ident(tablename), 'SELECT') AS can_select,
       has_table_privilege($1, quote_ident(schemaname) || '.' || quote_ident(tablename), 'INSERT') AS can_insert,
       has_table_privilege($1, quote_ident(schemaname) || '.' || quote_ident(tablename), 'UPDATE') AS can_update,
       has_table_privilege($1, quote_ident(schemaname) || '.' || quote_ident(tablename), 'DELETE') AS can_delete
     FROM pg_tables WHERE schemaname = $2`,
    [user, schema],
  );
  const present = new Map(tables.rows.map((r) => [r.tablename, r]));
  if (!present.has(LEDGER_TABLE)) {
    out.issues.push(`ledger table ${schema}.${LEDGER_TABLE} missing`);
  }
  const missingTables = CREATION_ORDER.filter((t) => !present.has(t));
  if (missingTables.length > 0) out.issues.push(`${someOf(missingTables, CREATION_ORDER.length)} missing`);
  if (!present.has(LEDGER_TABLE) || missingTables.length > 0) out.fixes.push(`${initEtl} (creates what is missing, as the owner)`);

  // Group the denied privileges by the set of tables they are denied on: usually one line.
  const expected = EXPECTED_TABLES.filter((t) => present.has(t));
  const byTables = new Map<string, { privileges: string[]; tables: string[] }>();
  for (const privilege of TABLE_PRIVILEGES) {
    const denied = expected.filter((t) => !present.get(t)![`can_${privilege.toLowerCase()}` as 'can_select']);
    if (denied.length === 0) continue;
    const key = denied.join(',');
    const entry = byTables.get(key) ?? { privileges: [], tables: denied };
    entry.privileges.push(privilege);
    byTables.set(key, entry);
  }
  for (const { privileges, tables: denied } of byTables.values()) {
    out.issues.push(`${user} lacks ${privileges.join(', ')} on ${someOf(denied, expected.length)}`);
  }
  if (byTables.size > 0) {
    out.fixes.push(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${ident(schema)} TO ${ident(user)} (as the schema owner${config.redshift.busUser ? `; or ${initEtl}, which grants redshift.busUser ALL` : ''})`);
  }
  // rsetl poll refuses a schema behind on rsetl's own migrations (warehouse/schema-current.ts).
  if (present.has(LEDGER_TABLE)) {
    const missing = await missingMigrations(s, schema);
    if (missing && missing.length > 0) {
      out.issues.push(`lacks rsetl migration${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`);
      out.fixes.push(`${upgradeCommand(schema)} (as the schema owner)`);
    }
  }
  return out;
}
