// Check 2: the source PostgreSQL. Connects as configured; the outbox table is readable with the
// five columns rsetl reads and types it can handle (docs/design.md#outbox); the control schema exists and is
// usable, or the user may create it — found out from privileges, without creating anything; and
// the newest event's age, which says whether the application is writing to the outbox at all.
import type pg from 'pg';
import { connectSource } from '../pipeline/connections.js';
import { CONTROL_MIGRATIONS } from '../source/control-schema/migrations.js';
import { outboxTableName } from '../source/outbox.js';
import { UnreachableError } from '../errors.js';
import { ident } from '../sql/quote.js';
import { ageText, CheckFailure, guarded, pass, type CheckOutcome, type DoctorContext } from './check.js';

/** The outbox columns rsetl reads, with the types it handles (format_type spellings). */
const OUTBOX_COLUMNS: ReadonlyArray<{ name: string; expected: string; accepts: RegExp }> = [
  { name: 'id', expected: 'bigint', accepts: /^bigint$/ },
  { name: 'datajson', expected: 'jsonb', accepts: /^jsonb?$/ },
  { name: 'guid', expected: 'varchar', accepts: /^(character varying(\(\d+\))?|text|uuid)$/ },
  // Compared with UTC wall-clock watermarks: a timestamptz column would shift by the session zone.
  { name: 'time', expected: 'timestamp (without time zone)', accepts: /^timestamp(\(\d\))? without time zone$/ },
  { name: 'root_id', expected: 'bigint', accepts: /^bigint$/ },
];

/** host:port/database and user of a PostgreSQL URL, for messages (never the password). */
function describeUrl(url: string): { where: string; user: string } {
  try {
    const u = new URL(url);
    return { where: `${u.hostname}:${u.port || '5432'}${u.pathname}`, user: decodeURIComponent(u.username) || '(default user)' };
  } catch {
    return { where: '(unparseable source.url)', user: '?' };
  }
}

async function connect(url: string): Promise<pg.Client> {
  const { where, user } = describeUrl(url);
  try {
    return await connectSource(url, 'rsetl doctor');
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const message = (e as Error).message ?? String(e);
    if (e instanceof UnreachableError) {
      throw new CheckFailure(`cannot reach ${where}: ${message}`, 'nothing answers at that host and port (server down, wrong host or port, firewall)', 'source.url: check the host and port, and that this machine may connect to it');
    }
    if (err.code === '28P01' || err.code === '28000') {
      throw new CheckFailure(`${where} refused user ${user}: ${message}`, 'wrong user or password, or pg_hba.conf does not admit this host', 'source.url: fix the user and password (or set RSETL_SOURCE_URL); the DBA may need to allow this host in pg_hba.conf');
    }
    if (err.code === '3D000') {
      throw new CheckFailure(`${where}: ${message}`, 'the database named in the URL does not exist', 'source.url: fix the database name (the path after the host)');
    }
    if (/ssl|certificate/i.test(message)) {
      throw new CheckFailure(`${where}: ${message}`, 'the server and client disagree on TLS', 'source.url: set ?sslmode=require (or disable) to match the server');
    }
    throw new CheckFailure(`${where}: ${message}`, 'the source refused the connection', 'source.url: check the URL');
  }
}

async function checkOutbox(client: pg.Client, table: string, user: string): Promise<void> {
  const quoted = outboxTableName(table);
  const cols = await client.query<{ name: string; type: string }>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type from pg_attribute a
     where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped`,
    [quoted],
  );
  if (cols.rows.length === 0) {
    throw new CheckFailure(
      `outbox table ${table} not found`,
      'source.table names a table that does not exist in this database (or is not on the search_path)',
      'source.table: name the outbox table, schema-qualified if it is not in public (e.g. "lms.analyticfinder")',
    );
  }
  const types = new Map(cols.rows.map((r) => [r.name, r.type]));
  const wrong = OUTBOX_COLUMNS.flatMap((c) => {
    const t = types.get(c.name);
    if (t === undefined) return [`${c.name} missing (expected ${c.expected})`];
    return c.accepts.test(t) ? [] : [`${c.name} is ${t} (expected ${c.expected})`];
  });
  if (wrong.length > 0) {
    throw new CheckFailure(
      `outbox table ${table}: ${wrong.join(', ')}`,
      'source.table is not the application outbox (id bigint, datajson jsonb, guid varchar, time timestamp, root_id bigint)',
      'source.table: point it at the analyticfinder table of the LMS database',
    );
  }
  try {
    await client.query(`select id, datajson, guid, time, root_id from ${quoted} limit 0`);
  } catch (e) {
    throw new CheckFailure(
      `outbox table ${table} not readable by ${user}: ${(e as Error).message}`,
      'the source user lacks SELECT on the outbox (or USAGE on its schema)',
      `GRANT SELECT ON ${quoted} TO ${ident(user)} (and GRANT USAGE on its schema)`,
    );
  }
}

interface ControlState {
  state: 'current' | 'outdated' | 'absent';
  text: string;
}

async function checkControlSchema(client: pg.Client, schema: string, user: string, database: string): Promise<ControlState> {
  const q = ident(schema);
  const r = await client.query<{ present: boolean; usage: boolean | null; can_create: boolean }>(
    `select exists(select 1 from pg_namespace where nspname = $1) as present,
       case when exists(select 1 from pg_namespace where nspname = $1) then has_schema_privilege($1, 'USAGE') end as usage,
       has_database_privilege(current_database(), 'CREATE') as can_create`,
    [schema],
  );
  const row = r.rows[0]!;
  if (!row.present) {
    if (row.can_create) return { state: 'absent', text: `control schema ${schema} not created yet (${user} may create it; the first init-etl or poll does)` };
    throw new CheckFailure(
      `control schema ${schema} does not exist and ${user} may not create it`,
      `rsetl keeps its buses in the source database and creates ${schema} on first use; ${user} lacks CREATE on database ${database}`,
      `GRANT CREATE ON DATABASE ${ident(database)} TO ${ident(user)}; or have an admin run CREATE SCHEMA ${q} AUTHORIZATION ${ident(user)} (or set source.controlSchema)`,
    );
  }
  if (!row.usage) {
    throw new CheckFailure(
      `control schema ${schema} exists but ${user} lacks USAGE on it`,
      `${schema} was created by another user`,
      `ALTER SCHEMA ${q} OWNER TO ${ident(user)} (rsetl migrates it), or GRANT USAGE ON SCHEMA ${q} TO ${ident(user)}`,
    );
  }
  const tables = await client.query<{ name: string; ok: boolean }>(
    `select c.relname as name, has_table_privilege(c.oid, 'SELECT') and has_table_privilege(c.oid, 'INSERT') and has_table_privilege(c.oid, 'UPDATE') as ok
     from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname in ('bus', 'run', 'run_total', 'dead_letter', 'migration')`,
    [schema],
  );
  const denied = tables.rows.filter((t) => !t.ok).map((t) => t.name);
  if (denied.length > 0) {
    throw new CheckFailure(
      `${user} cannot write ${denied.map((t) => `${schema}.${t}`).join(', ')}`,
      'rsetl updates its bus rows and writes the run log in the control schema',
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${q} TO ${ident(user)}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${q} TO ${ident(user)}`,
    );
  }
  const latest = CONTROL_MIGRATIONS[CONTROL_MIGRATIONS.length - 1]!.version;
  let version = 0;
  try {
    version = Number((await client.query(`select coalesce(max(version), 0) as v from ${q}.migration`)).rows[0]?.v ?? 0);
  } catch {
    // No migration table: a schema of that name that rsetl did not create (reported below).
  }
  if (version === 0 && tables.rows.length === 0) {
    return { state: 'absent', text: `schema ${schema} exists without rsetl's tables; the first init-etl or poll creates them` };
  }
  if (version < latest) return { state: 'outdated', text: `control schema ${schema} at version ${version} of ${latest}; the next poll or init-etl upgrades it` };
  return { state: 'current', text: `control schema ${schema} ready` };
}

async function newestEvent(client: pg.Client, table: string): Promise<{ text: string; newest: string | null; ageSeconds: number | null }> {
  const r = await client.query<{ newest: string | null; age: number | null }>(
    `select max(time) as newest, extract(epoch from (now() at time zone 'UTC') - max(time))::float8 as age from ${outboxTableName(table)}`,
  );
  const row = r.rows[0];
  if (!row || row.newest === null || row.age === null) return { text: 'no events in the outbox yet', newest: null, ageSeconds: null };
  const age = Number(row.age);
  const text = age < 0 ? `newest event ${ageText(-age)} in the future (${row.newest}; clock skew?)` : `newest event ${ageText(age)} old (${row.newest} UTC)`;
  return { text, newest: row.newest, ageSeconds: Math.round(age) };
}

export function checkSource(ctx: DoctorContext): Promise<CheckOutcome> {
  return guarded(async () => {
    const { source } = ctx.config!;
    const client = await connect(source.url);
    ctx.source = client;
    const who = (await client.query<{ user: string; db: string }>('select current_user as user, current_database() as db')).rows[0]!;
    // The control schema first: the Redshift check needs its bus list even when the outbox is wrong.
    const control = await checkControlSchema(client, source.controlSchema, who.user, who.db);
    ctx.controlSchema = control.state;
    if (control.state !== 'absent') {
      const buses = await client.query<{ id: number; root_id: string; schema_name: string }>(
        `select id, root_id::text as root_id, schema_name from ${ident(source.controlSchema)}.bus order by id`,
      );
      ctx.busSchemas = buses.rows.map((b) => ({ busId: b.id, rootId: b.root_id, schema: b.schema_name }));
    } else {
      ctx.busSchemas = [];
    }
    await checkOutbox(client, source.table, who.user);
    ctx.outboxOk = true;
    const newest = await newestEvent(client, source.table);
    return pass(`${describeUrl(source.url).where} as ${who.user}; ${source.table} readable; ${control.text}; ${newest.text}`, {
      user: who.user,
      database: who.db,
      outbox: source.table,
      controlSchema: { name: source.controlSchema, state: control.state },
      newestEvent: newest.newest,
      newestEventAgeSeconds: newest.ageSeconds,
    });
  });
}
