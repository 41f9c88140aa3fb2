// init-etl run twice: the second run reports everything as existing and changes nothing; the bus
// user gets ALL on the schema, its tables and (default privileges) tables the owner creates later;
// a new schema's migration history starts with rsetl's own migrations recorded as applied, an
// adopted one's with the baseline.
import { randomSuffix } from '../support/random-suffix.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEtl } from '../../src/admin/init-etl.js';
import { upgradeSchemas } from '../../src/admin/upgrade-schema.js';
import { checksumOf } from '../../src/warehouse/migrations.js';
import { readFile } from 'node:fs/promises';
import { adminUrl } from '../support/databases.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let t: TestStack;
const busUser = `bus_${randomSuffix()}`;
const busPassword = 'Bus-Pass-123';

/** A query run as the bus user, through the stand-in. */
async function asBusUser<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const u = new URL(t.stack.redshiftUrl);
  const c = new pg.Client({ host: u.hostname, port: Number(u.port), database: u.pathname.slice(1), user: busUser, password: busPassword });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE USER "${busUser}" PASSWORD '${busPassword}'`);
  await admin.end();
  t = await startTestStack((c) => {
    c.redshift.busUser = { user: busUser, password: busPassword };
  });
});

afterAll(async () => {
  await t?.warehouse(`DROP SCHEMA IF EXISTS twice CASCADE; DROP SCHEMA IF EXISTS adopted CASCADE; DROP OWNED BY "${busUser}"`).catch(() => undefined);
  await t?.stop();
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP USER IF EXISTS "${busUser}"`).catch(() => undefined);
  await admin.end();
});

describe('init-etl', () => {
  it('creates schema, tables, ledger, views, grants, history and bus', async () => {
    const r = await initEtl(t.conn, t.config, { schema: 'twice', rootId: '42' });
    expect(r.warehouse.schemaExisted).toBe(false);
    expect(r.warehouse.tablesCreated).toHaveLength(21);
    expect(r.warehouse.tablesCreated).toContain('rsetl_load');
    expect(r.warehouse.grantedTo).toBe(busUser);
    expect(r.migrationsRecorded).toEqual(['rsetl/001_baseline.sql']);
    expect(r.busCreated).toBe(true);
    const rows = await t.warehouse('SELECT name, checksum FROM twice.rsetl_migration');
    const baseline = await readFile(new URL('../../templates/migrations/001_baseline.sql', import.meta.url), 'utf8');
    expect(rows).toEqual([{ name: 'rsetl/001_baseline.sql', checksum: checksumOf(baseline) }]);
  });

  it('gives the bus user ALL on the schema and its tables, and on tables the owner creates later', async () => {
    const [p] = await asBusUser<Record<string, boolean>>(`SELECT
        has_schema_privilege('twice', 'USAGE') AS usage,
        has_schema_privilege('twice', 'CREATE') AS create,
        has_table_privilege('twice.attempt', 'INSERT') AS insert_attempt,
        has_table_privilege('twice.rsetl_load', 'DELETE') AS delete_ledger,
        has_table_privilege('twice.activesection', 'SELECT') AS select_view`);
    expect(p).toEqual({ usage: true, create: true, insert_attempt: true, delete_ledger: true, select_view: true });
    // The owner (the stand-in URL's user) adds a table, as upgrade-schema would.
    const owner = await t.conn.warehouse(undefined, { asOwner: true });
    await owner.query('CREATE TABLE twice.added_later (id INT8)');
    await owner.close();
    const [q] = await asBusUser<{ ok: boolean }>(`SELECT has_table_privilege('twice.added_later', 'INSERT') AS ok`);
    expect(q!.ok).toBe(true);
  });

  it('a second run reports schema, tables and bus as existing and changes nothing', async () => {
    const r = await initEtl(t.conn, t.config, { schema: 'twice', rootId: '42' });
    expect(r.warehouse.schemaExisted).toBe(true);
    expect(r.warehouse.tablesCreated).toEqual([]);
    expect(r.warehouse.tablesExisting).toHaveLength(21);
    expect(r.warehouse.views.materializedExisting).toEqual(['timespent']);
    expect(r.migrationsRecorded).toEqual([]);
    expect(r.busCreated).toBe(false);
    const { buses } = await t.conn.control();
    expect((await buses.listBuses()).filter((b) => b.schemaName === 'twice')).toHaveLength(1);
    expect(await t.warehouse('SELECT count(*)::int AS n FROM twice.rsetl_migration')).toEqual([{ n: 1 }]);
  });

  it('adopting a schema made before rsetl starts its history at the baseline, for upgrade-schema to continue', async () => {
    // The old system's schema: tables, but no ledger and no migration history.
    await t.warehouse('CREATE SCHEMA adopted; CREATE TABLE adopted.usr (id INT8 NOT NULL)');
    const r = await initEtl(t.conn, t.config, { schema: 'adopted', rootId: '43' });
    expect(r.warehouse.schemaExisted).toBe(true);
    expect(r.warehouse.tablesExisting).toEqual(['usr']);
    expect(r.migrationsRecorded).toEqual(['rsetl/001_baseline.sql']);
    expect(await t.warehouse('SELECT name FROM adopted.rsetl_migration')).toEqual([{ name: 'rsetl/001_baseline.sql' }]);
    // Run again, it finds the history and records nothing.
    expect((await initEtl(t.conn, t.config, { schema: 'adopted', rootId: '43' })).migrationsRecorded).toEqual([]);
  });

  it("so upgrade-schema finds rsetl's own migrations already applied", async () => {
    const r = await upgradeSchemas(t.conn, { selection: { kind: 'schemas', schemas: ['twice'] } });
    expect(r.schemas).toEqual([{ schema: 'twice', status: 'ok', applied: [], skipped: ['rsetl/001_baseline.sql'] }]);
  });
});
