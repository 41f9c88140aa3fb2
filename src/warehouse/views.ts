// Creating a bus schema's views, after its tables. Idempotent: plain views are CREATE OR REPLACE,
// which Redshift allows only with the same columns (names, order, types): a view that exists with
// other columns (a schema made by an older release or by hand, adopted by init-etl) is dropped and
// created again instead, in the same transaction. Redshift has no CREATE MATERIALIZED VIEW IF NOT EXISTS,
// so the `timespent` MV is created only when no relation of that name exists in the schema.
// The check reads pg_class/pg_namespace, which Redshift and PostgreSQL both have and which show
// a Redshift MV (a view over its internal table) and a PostgreSQL MV alike. An existing MV is left
// as it is: its data survives, and a changed definition needs an explicit DROP by an operator.
// Views bind to the tables they read when created, so they are created with search_path on the
// schema; the creating user owns them, and only that owner may REFRESH the MV.
import { createViewSql, VIEWS } from '../model/views.js';
import type { WarehouseSession } from './session.js';
import { ident } from '../sql/quote.js';

export interface ViewsReport {
  schema: string;
  /** Plain views created or replaced. */
  views: string[];
  materializedCreated: string[];
  materializedExisting: string[];
  /** Views that existed with other columns: dropped and created again (their grants go with them). */
  replacedWithNewColumns?: string[];
  grantedTo?: string;
}

type ColumnShape = { attname: string; atttypid: string | number; atttypmod: string | number };

/** The columns of a view in the schema (name, type, type modifier), or undefined when there is none. */
async function viewColumns(s: WarehouseSession, schema: string, name: string): Promise<string | undefined> {
  const r = await s.query<ColumnShape>(
    `SELECT a.attname, a.atttypid, a.atttypmod FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'v' AND a.attnum > 0 ORDER BY a.attnum`,
    [schema, name],
  );
  return r.rows.length === 0 ? undefined : JSON.stringify(r.rows.map((x) => [x.attname, String(x.atttypid), String(x.atttypmod)]));
}

/**
 * Whether the view exists with columns other than its definition gives. The definition's columns
 * are read off a probe view created (and dropped) in the caller's transaction: types follow the
 * tables, so they cannot be known from the model alone.
 */
async function columnsDiffer(s: WarehouseSession, schema: string, v: (typeof VIEWS)[number]): Promise<boolean> {
  const current = await viewColumns(s, schema, v.name);
  if (current === undefined) return false;
  const probe = `rsetl_probe_${v.name}`.slice(0, 127);
  await s.query(`CREATE VIEW ${ident(probe)} AS\n${v.select}`);
  const wanted = await viewColumns(s, schema, probe);
  await s.query(`DROP VIEW ${ident(probe)}`);
  return wanted !== current;
}

/**
 * The statements that create every view, in the reference's order. Materialized views named in
 * `existing` are skipped (their CREATE cannot be re-run). Run with search_path on the bus schema.
 */
export function createViewsSql(existing: ReadonlySet<string> = new Set()): string[] {
  return VIEWS.filter((v) => !(v.materialized && existing.has(v.name))).map(createViewSql);
}

/** Which of the materialized views' names already name a relation in the schema. */
export async function existingMaterializedViews(s: WarehouseSession, schema: string): Promise<Set<string>> {
  const found = new Set<string>();
  for (const v of VIEWS.filter((x) => x.materialized)) {
    const r = await s.query(
      `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
      [schema, v.name],
    );
    if ((r.rowCount ?? 0) > 0) found.add(v.name);
  }
  return found;
}

/**
 * Creates or replaces every view of the schema in one transaction, as the session's user (who
 * becomes the owner: use the main user, the one that will REFRESH the MV). With `busUser`, grants
 * it SELECT on them (GRANT ... ON ALL TABLES run before the views existed does not cover them).
 */
export async function createViews(
  s: WarehouseSession,
  schema: string,
  opts: { busUser?: string } = {},
): Promise<ViewsReport> {
  const existing = await existingMaterializedViews(s, schema);
  const replaced: string[] = [];
  await s.query('BEGIN');
  try {
    await s.query(`SET search_path TO ${ident(schema)}`);
    for (const v of VIEWS) {
      if (v.materialized && existing.has(v.name)) continue;
      if (!v.materialized && (await columnsDiffer(s, schema, v))) {
        await s.query(`DROP VIEW ${ident(v.name)}`);
        replaced.push(v.name);
      }
      await s.query(createViewSql(v));
    }
    if (opts.busUser) {
      await s.query(`GRANT SELECT ON ${VIEWS.map((v) => ident(v.name)).join(', ')} TO ${ident(opts.busUser)}`);
    }
    await s.query('COMMIT');
  } catch (e) {
    await s.rollback();
    throw e;
  } finally {
    // SET outlives the transaction; give the session back its own schema.
    if (s.schema && s.schema !== schema) await s.query(`SET search_path TO ${ident(s.schema)}`).catch(() => undefined);
  }
  const mvs = VIEWS.filter((v) => v.materialized).map((v) => v.name);
  return {
    schema,
    views: VIEWS.filter((v) => !v.materialized).map((v) => v.name),
    materializedCreated: mvs.filter((n) => !existing.has(n)),
    materializedExisting: mvs.filter((n) => existing.has(n)),
    ...(replaced.length > 0 && { replacedWithNewColumns: replaced }),
    ...(opts.busUser ? { grantedTo: opts.busUser } : {}),
  };
}
