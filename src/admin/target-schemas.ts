// Which schemas an admin command works on: named ones, every bus schema (`--all`, each once even
// when several buses share it — the old system upgraded a shared schema twice,
// docs/dba.md#upgrade-schema), or every non-system schema of the database (`--all-schemas`).
import { UsageError } from '../errors.js';
import type { Connections } from '../pipeline/connections.js';
import type { WarehouseSession } from '../warehouse/session.js';

export type SchemaSelection = { kind: 'schemas'; schemas: string[] } | { kind: 'all' } | { kind: 'all-schemas' };

/** Schemas that belong to Redshift, PostgreSQL or the local stand-in, never to a user. */
export function isSystemSchema(name: string): boolean {
  return name.startsWith('pg_') || name === 'information_schema' || name === 'catalog_history' || name === 'rsetl_standin';
}

/** One of --schema / --all / --all-schemas, exactly. */
export function selectionFrom(opts: { schema?: string[]; all?: boolean; allSchemas?: boolean }, allowAllSchemas = true): SchemaSelection {
  const given = [opts.schema?.length ? '--schema' : '', opts.all ? '--all' : '', opts.allSchemas ? '--all-schemas' : ''].filter(Boolean);
  const choices = allowAllSchemas ? '--schema S, --all or --all-schemas' : '--schema S or --all';
  if (given.length !== 1) throw new UsageError(given.length ? `give one of ${choices}, not ${given.join(' and ')}` : `give ${choices}`);
  if (opts.all) return { kind: 'all' };
  if (opts.allSchemas) return { kind: 'all-schemas' };
  const schemas = [...new Set(opts.schema!)];
  for (const s of schemas) if (s === '' || s.length > 127 || s.includes('\0')) throw new UsageError(`--schema ${JSON.stringify(s)} is not a schema name`);
  return { kind: 'schemas', schemas };
}

/** Every bus's schema from the control schema, each once, in name order. */
export async function busSchemas(conn: Connections): Promise<string[]> {
  const { buses } = await conn.control();
  return [...new Set((await buses.listBuses()).map((b) => b.schemaName))].sort();
}

/**
 * Every schema a user owns: the reference's `nspowner != 1` (Redshift's rdsdb owns the system
 * schemas and public; docs/dba.md#upgrade-schema), owners that are login users (PostgreSQL 15+ gives
 * `public` to the non-login pg_database_owner), minus system names.
 */
export async function userSchemas(s: WarehouseSession): Promise<string[]> {
  const r = await s.query<{ nspname: string }>(
    'SELECT nspname FROM pg_namespace WHERE nspowner > 1 AND nspowner IN (SELECT usesysid FROM pg_user) ORDER BY nspname',
  );
  return r.rows.map((x) => x.nspname).filter((n) => !isSystemSchema(n));
}

export async function resolveSchemas(selection: SchemaSelection, conn: Connections, s: WarehouseSession): Promise<string[]> {
  if (selection.kind === 'schemas') return selection.schemas;
  if (selection.kind === 'all') return busSchemas(conn);
  return userSchemas(s);
}
