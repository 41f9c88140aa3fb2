// What a read-only group can read in a schema, from the catalog alone: USAGE on the schema
// (nspacl), SELECT on each table and view (relacl), and whether default privileges
// (pg_default_acl) make the future tables of each creator readable. A relation is readable only
// with USAGE on its schema as well.
import type { WarehouseSession } from '../warehouse/session.js';
import { groupHas } from './acl.js';

export interface RelationAccess {
  name: string;
  kind: 'table' | 'view';
  owner: string | null;
  select: boolean;
}

export interface ReadonlyCheck {
  schema: string;
  group: string;
  schemaExists: boolean;
  usage: boolean;
  relations: RelationAccess[];
  /** Users whose future tables in this schema the group will be able to SELECT. */
  defaultsFor: string[];
  /** Creators (owners of existing relations, and the user running rsetl) without such defaults. */
  defaultsMissingFor: string[];
  /**
   * Creators whose default privileges this user cannot see: pg_default_acl shows a user who is not
   * a superuser only its own entries, so for others it cannot say (run --check as a superuser).
   */
  defaultsUnknownFor: string[];
  /** USAGE, SELECT on every relation, and defaults for every creator. */
  complete: boolean;
}

const KINDS: Record<string, RelationAccess['kind']> = { r: 'table', v: 'view', m: 'view', p: 'table' };

async function userNames(s: WarehouseSession): Promise<Map<string, string>> {
  const r = await s.query<{ usesysid: string | number; usename: string }>('SELECT usesysid, usename FROM pg_user');
  return new Map(r.rows.map((x) => [String(x.usesysid), x.usename]));
}

/**
 * Default privileges that apply to tables created in `schema`: its own entries and the global
 * ones (namespace 0). The creator column is `defaclrole` on PostgreSQL and `defacluser` on
 * Redshift, so the row is read whole.
 */
async function defaultAcls(s: WarehouseSession, schema: string, users: Map<string, string>): Promise<Array<{ creator: string; acl: string | null }>> {
  const r = await s.query<Record<string, unknown>>(
    `SELECT d.* FROM pg_default_acl d
      WHERE d.defaclobjtype = 'r'
        AND (d.defaclnamespace = 0 OR d.defaclnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1))`,
    [schema],
  );
  return r.rows.map((row) => {
    const id = String(row.defaclrole ?? row.defacluser ?? '');
    return { creator: users.get(id) ?? id, acl: (row.defaclacl as string | null) ?? null };
  });
}

export async function checkReadonly(s: WarehouseSession, schema: string, group: string): Promise<ReadonlyCheck> {
  const ns = await s.query<{ nspacl: string | null }>('SELECT nspacl FROM pg_namespace WHERE nspname = $1', [schema]);
  if (!ns.rows[0]) {
    return { schema, group, schemaExists: false, usage: false, relations: [], defaultsFor: [], defaultsMissingFor: [], defaultsUnknownFor: [], complete: false };
  }
  const usage = groupHas(ns.rows[0].nspacl, group, 'U').granted;
  const users = await userNames(s);
  const rel = await s.query<{ relname: string; relkind: string; relacl: string | null; relowner: string | number }>(
    `SELECT c.relname, c.relkind, c.relacl, c.relowner
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'm', 'p')
        -- A materialized view's backing table (mv_tbl__<name>__0) is Redshift's, read through the MV.
        AND left(c.relname, 8) <> 'mv_tbl__'
        -- A load's COPY lane stage lives for seconds and is never read (docs/design.md#copy-lanes).
        AND left(c.relname, 12) <> 'rsetl_stage_'
      ORDER BY c.relname`,
    [schema],
  );
  const relations = rel.rows.map((r) => ({
    name: r.relname,
    kind: KINDS[r.relkind] ?? 'table',
    owner: users.get(String(r.relowner)) ?? null,
    select: groupHas(r.relacl, group, 'r').granted,
  }));
  const defaults = await defaultAcls(s, schema, users);
  const defaultsFor = [...new Set(defaults.filter((d) => groupHas(d.acl, group, 'r').granted).map((d) => d.creator))].sort();
  const who = (await s.query<{ u: string; superuser: boolean }>('SELECT current_user AS u, usesuper AS superuser FROM pg_user WHERE usename = current_user')).rows[0];
  const me = who?.u;
  const creators = new Set([...relations.map((r) => r.owner).filter((o): o is string => o !== null), ...(me ? [me] : [])]);
  const uncovered = [...creators].filter((c) => !defaultsFor.includes(c)).sort();
  // Without superuser rights only this user's own entries are visible: the others are unknown.
  const visible = (c: string) => who?.superuser === true || c === me;
  const defaultsMissingFor = uncovered.filter(visible);
  const defaultsUnknownFor = uncovered.filter((c) => !visible(c));
  return {
    schema,
    group,
    schemaExists: true,
    usage,
    relations,
    defaultsFor,
    defaultsMissingFor,
    defaultsUnknownFor,
    complete: usage && relations.every((r) => r.select) && defaultsMissingFor.length === 0,
  };
}

