// Creating a bus's Redshift schema: all tables (from the model), the load ledger, and the bus
// user's grants, present and default (docs/dba.md#init-etl). Idempotent: reports what
// existed and what it created.
import { allTablesSql } from '../model/ddl.js';
import { CREATION_ORDER } from '../model/tables.js';
import { LEDGER_DDL, LEDGER_TABLE } from './ledger.js';
import type { WarehouseSession } from './session.js';
import { ident } from '../sql/quote.js';
import { createViews, type ViewsReport } from './views.js';

export interface SchemaReport {
  schema: string;
  schemaExisted: boolean;
  tablesCreated: string[];
  tablesExisting: string[];
  /** The bus user granted ALL on the schema, its tables and (default privileges) future tables. */
  grantedTo?: string;
  views: ViewsReport;
}

export interface CreateSchemaOptions {
  busUser?: string;
  /**
   * Runs inside the creating transaction, after the tables, only when the schema did not exist
   * (init-etl records rsetl's migrations as applied there: the schema is created current).
   */
  onNewSchema?: (s: WarehouseSession) => Promise<void>;
  /** The same for a schema that existed (init-etl adopting a schema made before rsetl). */
  onExistingSchema?: (s: WarehouseSession) => Promise<void>;
}

export async function existingTables(s: WarehouseSession, schema: string): Promise<Set<string>> {
  const r = await s.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1', [schema]);
  return new Set(r.rows.map((x) => x.tablename));
}

export async function schemaExists(s: WarehouseSession, schema: string): Promise<boolean> {
  const r = await s.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return (r.rowCount ?? 0) > 0;
}

export async function createWarehouseSchema(
  s: WarehouseSession,
  schema: string,
  opts: CreateSchemaOptions = {},
): Promise<SchemaReport> {
  const schemaExisted = await schemaExists(s, schema);
  const before = schemaExisted ? await existingTables(s, schema) : new Set<string>();
  await s.query('BEGIN');
  try {
    await s.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
    // The bus user owns nothing; without USAGE/CREATE on the schema it cannot even see it.
    if (opts.busUser) await s.query(`GRANT ALL ON SCHEMA ${ident(schema)} TO ${ident(opts.busUser)}`);
    await s.query(`SET search_path TO ${ident(schema)}`);
    for (const ddl of allTablesSql({ ifNotExists: true })) await s.query(ddl);
    await s.query(LEDGER_DDL);
    if (!schemaExisted && opts.onNewSchema) await opts.onNewSchema(s);
    if (schemaExisted && opts.onExistingSchema) await opts.onExistingSchema(s);
    if (opts.busUser) {
      await s.query(`GRANT ALL ON ALL TABLES IN SCHEMA ${ident(schema)} TO ${ident(opts.busUser)}`);
      // Tables this (owner) user creates later, e.g. by upgrade-schema, are covered too
      // (the old system left this to its CloudFormation stack; docs/dba.md#users).
      await s.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${ident(schema)} GRANT ALL ON TABLES TO ${ident(opts.busUser)}`);
    }
    await s.query('COMMIT');
  } catch (e) {
    await s.rollback();
    throw e;
  }
  // Views after the tables they read; as the owner, so the owner can REFRESH the MV later.
  const views = await createViews(s, schema, opts.busUser ? { busUser: opts.busUser } : {});
  const all = [...CREATION_ORDER, LEDGER_TABLE];
  return {
    schema,
    schemaExisted,
    tablesCreated: all.filter((t) => !before.has(t)),
    tablesExisting: all.filter((t) => before.has(t)),
    ...(opts.busUser ? { grantedTo: opts.busUser } : {}),
    views,
  };
}
