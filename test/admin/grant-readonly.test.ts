// grant-readonly, --revoke and --check, asserted the way a client sees them: as a login user that
// is a member of the group, connected through the Redshift stand-in, asking
// has_schema_privilege / has_table_privilege — for existing tables, views and tables created later.
import { randomSuffix } from '../support/random-suffix.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantReadonly } from '../../src/admin/grant-readonly.js';
import { checkReadonly } from '../../src/admin/readonly-check.js';
import { WarehouseSession } from '../../src/warehouse/session.js';
import { initEtl } from '../../src/admin/init-etl.js';
import { UsageError } from '../../src/errors.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { adminUrl } from '../support/databases.js';

let t: TestStack;
const suffix = randomSuffix();
const group = `ro_${suffix}`;
const member = `reader_${suffix}`;
const memberPassword = 'Reader-Pass-1';

/** What the group member may do, asked as the member through the stand-in. */
async function asMember(schema: string, tables: string[]): Promise<Record<string, boolean>> {
  const u = new URL(t.stack.redshiftUrl);
  const c = new pg.Client({ host: u.hostname, port: Number(u.port), database: u.pathname.slice(1), user: member, password: memberPassword });
  await c.connect();
  try {
    const usage = await c.query(`SELECT has_schema_privilege($1, 'USAGE') AS usage`, [schema]);
    // By oid: a name would need USAGE on the schema just to be resolved.
    const r = await c.query<{ relname: string; select: boolean }>(
      `SELECT c.relname, has_table_privilege(c.oid, 'SELECT') AS select
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname IN (${tables.map((_, i) => `$${i + 2}`).join(', ')})`,
      [schema, ...tables],
    );
    expect(r.rows.map((x) => x.relname).sort()).toEqual([...tables].sort());
    return { usage: usage.rows[0].usage as boolean, ...Object.fromEntries(r.rows.map((x) => [x.relname, x.select])) };
  } finally {
    await c.end();
  }
}

const owner = async (sql: string) => {
  const s = await t.conn.warehouse(undefined, { asOwner: true });
  try {
    await s.query(sql);
  } finally {
    await s.close();
  }
};

const one = { kind: 'schemas' as const, schemas: ['gr_a'] };

beforeAll(async () => {
  t = await startTestStack();
  await initEtl(t.conn, t.config, { schema: 'gr_a', rootId: '1' });
  await initEtl(t.conn, t.config, { schema: 'gr_b', rootId: '2' });
  await t.warehouse(`CREATE USER "${member}" PASSWORD '${memberPassword}'`);
});

afterAll(async () => {
  // Roles are cluster-wide on the test PostgreSQL: drop their privileges here, then the roles.
  await t?.warehouse(`DROP OWNED BY "${member}"`).catch(() => undefined);
  await t?.warehouse(`DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${group}') THEN EXECUTE 'DROP OWNED BY "${group}"'; END IF; END $$`).catch(() => undefined);
  await t?.stop();
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS "${member}"`).catch(() => undefined);
  await admin.query(`DROP ROLE IF EXISTS "${group}"`).catch(() => undefined);
  await admin.end();
});

describe('grant-readonly', () => {
  it('refuses a group that does not exist unless asked to create it', async () => {
    await expect(grantReadonly(t.conn, { selection: one, group, mode: 'grant' })).rejects.toBeInstanceOf(UsageError);
  });

  it('--dry-run shows the statements and changes nothing', async () => {
    const r = await grantReadonly(t.conn, { selection: one, group, mode: 'grant', createGroup: true, dryRun: true });
    expect(r.groupCreated).toBe(false);
    expect(r.schemas[0]!.statements).toEqual([
      `GRANT USAGE ON SCHEMA "gr_a" TO GROUP "${group}"`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA "gr_a" TO GROUP "${group}"`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA "gr_a" GRANT SELECT ON TABLES TO GROUP "${group}"`,
    ]);
    expect(await t.warehouse('SELECT 1 FROM pg_group WHERE groname = $1', [group])).toEqual([]);
  });

  it('grants USAGE, SELECT on every table and view, and SELECT on tables created later', async () => {
    const r = await grantReadonly(t.conn, { selection: one, group, mode: 'grant', createGroup: true });
    expect(r.groupCreated).toBe(true);
    const s = r.schemas[0]!;
    expect(s).toMatchObject({ schema: 'gr_a', status: 'ok', usage: 'granted', tablesAlready: 0, defaultsChanged: ['postgres'] });
    expect(s.tablesChanged).toBe(s.check!.relations.length);
    expect(s.check!.complete).toBe(true);

    await t.warehouse(`ALTER GROUP "${group}" ADD USER "${member}"`);
    expect(await asMember('gr_a', ['attempt', 'rsetl_load', 'activesection', 'timespent'])).toEqual({
      usage: true,
      attempt: true,
      rsetl_load: true,
      activesection: true,
      timespent: true,
    });
    expect(await asMember('gr_b', ['attempt'])).toEqual({ usage: false, attempt: false });

    await owner('CREATE TABLE gr_a.added_later (id INT8)');
    expect(await asMember('gr_a', ['added_later'])).toEqual({ usage: true, added_later: true });
  });

  it('is idempotent: a second grant reports everything as already granted', async () => {
    const r = await grantReadonly(t.conn, { selection: one, group, mode: 'grant' });
    expect(r.schemas[0]).toMatchObject({ status: 'ok', usage: 'already', tablesChanged: 0, defaultsChanged: [] });
  });

  it('--check reports what the group can and cannot read without changing anything', async () => {
    await owner('CREATE TABLE gr_b.extra (id INT8)');
    const r = await grantReadonly(t.conn, { selection: { kind: 'schemas', schemas: ['gr_a', 'gr_b', 'missing'] }, group, mode: 'check' });
    const [a, b, m] = r.schemas;
    expect(a).toMatchObject({ schema: 'gr_a', status: 'complete', usage: 'yes' });
    expect(a!.check!.relations.every((x) => x.select)).toBe(true);
    expect(a!.check!.defaultsFor).toEqual(['postgres']);
    expect(b).toMatchObject({ schema: 'gr_b', status: 'incomplete', usage: 'no' });
    expect(b!.check!.relations.find((x) => x.name === 'extra')).toEqual({ name: 'extra', kind: 'table', owner: 'postgres', select: false });
    expect(b!.check!.defaultsMissingFor).toEqual(['postgres']);
    expect(m).toMatchObject({ schema: 'missing', status: 'failed', error: 'schema missing does not exist' });
    expect(r.problemCount).toBe(2);
    expect(await asMember('gr_b', ['extra'])).toEqual({ usage: false, extra: false });
  });

  it('--all covers every bus schema', async () => {
    const r = await grantReadonly(t.conn, { selection: { kind: 'all' }, group, mode: 'grant' });
    expect(r.schemas.map((x) => [x.schema, x.status])).toEqual([
      ['gr_a', 'ok'],
      ['gr_b', 'ok'],
    ]);
    expect(await asMember('gr_b', ['extra', 'usr'])).toEqual({ usage: true, extra: true, usr: true });
  });

  it('--revoke takes all three away, also for tables created later', async () => {
    const r = await grantReadonly(t.conn, { selection: one, group, mode: 'revoke' });
    expect(r.schemas[0]).toMatchObject({ status: 'ok', usage: 'revoked', tablesAlready: 0, defaultsChanged: ['postgres'] });
    expect(await asMember('gr_a', ['attempt', 'activesection', 'added_later'])).toEqual({ usage: false, attempt: false, activesection: false, added_later: false });
    await owner('CREATE TABLE gr_a.after_revoke (id INT8)');
    const check = await grantReadonly(t.conn, { selection: one, group, mode: 'check' });
    const c = check.schemas[0]!.check!;
    expect([c.usage, c.relations.some((x) => x.select), c.defaultsFor]).toEqual([false, false, []]);
    // gr_b keeps its grants.
    expect(await asMember('gr_b', ['usr'])).toEqual({ usage: true, usr: true });
  });
});

describe('--check as Redshift shows the catalog', () => {
  it("leaves out a materialized view's backing table, and calls other creators' defaults unknown to a user who is not a superuser", async () => {
    await owner('CREATE TABLE gr_a.mv_tbl__timespent__0 (id INT8)');
    const as = `gr_checker_${randomSuffix()}`;
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`CREATE ROLE ${as} LOGIN PASSWORD 'Checker-pw-1'`);
    try {
      const url = new URL(t.stack.redshiftUrl);
      url.username = as;
      url.password = 'Checker-pw-1';
      const s = await WarehouseSession.connect({ connectionString: url.toString() });
      try {
        const c = await checkReadonly(s, 'gr_a', group);
        expect(c.relations.map((r) => r.name)).not.toContain('mv_tbl__timespent__0');
        // pg_default_acl shows a non-superuser only its own entries on Redshift: postgres's are unknown, not missing.
        expect(c.defaultsUnknownFor).toEqual(['postgres']);
        expect(c.defaultsMissingFor).toEqual([as]);
      } finally {
        await s.close();
      }
    } finally {
      await admin.query(`DROP OWNED BY ${as}; DROP ROLE ${as}`).catch(() => undefined);
      await admin.end();
    }
  });
});
