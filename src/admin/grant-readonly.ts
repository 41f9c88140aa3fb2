// `rsetl grant-readonly`: the old system's "prod Redshift Permissions" grants (docs/dba.md#grant-readonly) for one schema
// or every bus schema: USAGE on the schema, SELECT on its tables and views, and default privileges
// so tables created later are readable too — to a group (default client_ro_group). `--revoke`
// undoes the three; `--check` reads the catalog and changes nothing.
//
// Default privileges belong to the user who creates the tables (docs/dba.md#default-privileges): the plain form
// covers tables created by the user rsetl runs as (the owner, who runs init-etl and
// upgrade-schema). Tables other users create need `FOR USER <creator>` (--for-user), which only a
// superuser may set for someone else. --check names the creators left uncovered.
import { UsageError, messageOf } from '../errors.js';
import type { Connections } from '../pipeline/connections.js';
import { schemaExists } from '../warehouse/schema.js';
import type { WarehouseSession } from '../warehouse/session.js';
import { assertSimpleName, ident } from '../sql/quote.js';
import { checkReadonly, type ReadonlyCheck } from './readonly-check.js';
import { resolveSchemas, type SchemaSelection } from './target-schemas.js';

export const DEFAULT_READONLY_GROUP = 'client_ro_group';

export type ReadonlyMode = 'grant' | 'revoke' | 'check';

export interface GrantReadonlyInput {
  selection: Extract<SchemaSelection, { kind: 'schemas' } | { kind: 'all' }>;
  group?: string;
  mode: ReadonlyMode;
  createGroup?: boolean;
  /** Also set default privileges for tables these users create (needs a superuser). */
  forUsers?: string[];
  dryRun?: boolean;
}

export interface SchemaReadonly {
  schema: string;
  /** grant/revoke: ok, planned (--dry-run) or failed; check: complete, incomplete or failed. */
  status: 'ok' | 'planned' | 'failed' | 'complete' | 'incomplete';
  /** The statements run (with --dry-run: that would run). */
  statements: string[];
  /** grant: 'granted' | 'already'; revoke: 'revoked' | 'absent'; check: 'yes' | 'no'. */
  usage?: string;
  /** Tables and views whose SELECT changed now, and those already in the wanted state. */
  tablesChanged?: number;
  tablesAlready?: number;
  /** Creators whose future tables became readable (grant) or stopped being (revoke). */
  defaultsChanged?: string[];
  check?: ReadonlyCheck;
  error?: string;
}

export interface GrantReadonlyResult {
  group: string;
  mode: ReadonlyMode;
  dryRun: boolean;
  groupExisted: boolean;
  groupCreated: boolean;
  schemas: SchemaReadonly[];
  /** Schemas that failed, or (--check) are not completely readable. */
  problemCount: number;
}

const nameOf = (what: string, v: string) => {
  try {
    return assertSimpleName(what, v);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
};

export function grantStatements(schema: string, group: string, forUsers: readonly string[] = []): string[] {
  const s = ident(schema);
  const g = `GROUP ${ident(group)}`;
  return [
    `GRANT USAGE ON SCHEMA ${s} TO ${g}`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${g}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${g}`,
    ...forUsers.map((u) => `ALTER DEFAULT PRIVILEGES FOR USER ${ident(u)} IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${g}`),
  ];
}

export function revokeStatements(schema: string, group: string, forUsers: readonly string[] = []): string[] {
  const s = ident(schema);
  const g = `GROUP ${ident(group)}`;
  return [
    ...forUsers.map((u) => `ALTER DEFAULT PRIVILEGES FOR USER ${ident(u)} IN SCHEMA ${s} REVOKE SELECT ON TABLES FROM ${g}`),
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} REVOKE SELECT ON TABLES FROM ${g}`,
    `REVOKE SELECT ON ALL TABLES IN SCHEMA ${s} FROM ${g}`,
    `REVOKE USAGE ON SCHEMA ${s} FROM ${g}`,
  ];
}

async function groupExists(s: WarehouseSession, group: string): Promise<boolean> {
  return ((await s.query('SELECT 1 FROM pg_group WHERE groname = $1', [group])).rowCount ?? 0) > 0;
}

function changes(mode: 'grant' | 'revoke', before: ReadonlyCheck, after: ReadonlyCheck): Partial<SchemaReadonly> {
  const was = new Map(before.relations.map((r) => [r.name, r.select]));
  if (mode === 'grant') {
    return {
      usage: before.usage ? 'already' : 'granted',
      tablesChanged: after.relations.filter((r) => r.select && !was.get(r.name)).length,
      tablesAlready: after.relations.filter((r) => was.get(r.name)).length,
      defaultsChanged: after.defaultsFor.filter((u) => !before.defaultsFor.includes(u)),
    };
  }
  return {
    usage: before.usage && !after.usage ? 'revoked' : 'absent',
    tablesChanged: after.relations.filter((r) => !r.select && was.get(r.name)).length,
    tablesAlready: after.relations.filter((r) => !r.select && !was.get(r.name)).length,
    defaultsChanged: before.defaultsFor.filter((u) => !after.defaultsFor.includes(u)),
  };
}

async function applyOne(s: WarehouseSession, schema: string, group: string, input: GrantReadonlyInput, groupThere: boolean): Promise<SchemaReadonly> {
  if (!(await schemaExists(s, schema))) return { schema, status: 'failed', statements: [], error: `schema ${schema} does not exist` };
  const before = await checkReadonly(s, schema, group);
  if (input.mode === 'check') {
    return { schema, status: before.complete ? 'complete' : 'incomplete', statements: [], usage: before.usage ? 'yes' : 'no', check: before };
  }
  const mode = input.mode;
  // Nothing to revoke from a group that does not exist (and REVOKE would fail on it).
  const statements = mode === 'revoke' && !groupThere ? [] : (mode === 'grant' ? grantStatements : revokeStatements)(schema, group, input.forUsers);
  if (input.dryRun) return { schema, status: 'planned', statements, check: before };
  if (statements.length) {
    await s.query('BEGIN');
    try {
      for (const st of statements) await s.query(st);
      await s.query('COMMIT');
    } catch (e) {
      await s.rollback();
      throw e;
    }
  }
  const after = await checkReadonly(s, schema, group);
  return { schema, status: 'ok', statements, ...changes(mode, before, after), check: after };
}

/** Grants, revokes or checks read-only access for every selected schema, each in its own transaction. */
export async function grantReadonly(conn: Connections, input: GrantReadonlyInput): Promise<GrantReadonlyResult> {
  const group = nameOf('group', input.group ?? DEFAULT_READONLY_GROUP);
  const forUsers = (input.forUsers ?? []).map((u) => nameOf('user', u));
  const dryRun = input.dryRun === true;
  const open = () => conn.warehouse(undefined, { asOwner: true });
  let s = await open();
  const results: SchemaReadonly[] = [];
  let groupCreated = false;
  try {
    const groupExisted = await groupExists(s, group);
    if (!groupExisted && input.mode === 'grant') {
      if (!input.createGroup) {
        throw new UsageError(`group ${group} does not exist`, { hint: `pass --create-group to create it, or --group NAME for another group` });
      }
      if (!dryRun) {
        await s.query(`CREATE GROUP ${ident(group)}`);
        groupCreated = true;
      }
    }
    const schemas = await resolveSchemas(input.selection, conn, s);
    for (const schema of schemas) {
      const r = await applyOne(s, schema, group, { ...input, forUsers }, groupExisted || groupCreated).catch(
        (e: unknown): SchemaReadonly => ({ schema, status: 'failed', statements: [], error: messageOf(e) }),
      );
      results.push(r);
      if (r.status === 'failed') {
        await s.close();
        s = await open();
      }
    }
    return {
      group,
      mode: input.mode,
      dryRun,
      groupExisted,
      groupCreated,
      schemas: results,
      problemCount: results.filter((r) => r.status === 'failed' || r.status === 'incomplete').length,
    };
  } finally {
    await s.close();
  }
}
