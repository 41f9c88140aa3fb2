// upgrade-schema over three schemas where one fails: the others are upgraded, the failing one is
// rolled back, each result is reported, the exit code is 1; applied files are recorded with their
// checksum and a changed one is refused; a no-transaction file runs outside the transaction;
// --dry-run changes nothing; --all visits a schema shared by two buses once; TRUNCATE (which
// commits the transaction on Redshift) is refused inside the schema's transaction and runs outside one.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEtl } from '../../src/admin/init-etl.js';
import { checksumOf } from '../../src/warehouse/migrations.js';
import { upgradeSchemas, type SchemaUpgrade } from '../../src/admin/upgrade-schema.js';
import { UsageError } from '../../src/errors.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let t: TestStack;
let dir: string;
const ADD = 'CREATE TABLE note (id INT8, txt VARCHAR(10));\nINSERT INTO note VALUES (1, \'a;b\');\n';
const WIDEN = '-- rsetl:no-transaction\nALTER TABLE note ALTER COLUMN txt TYPE VARCHAR(20);\n';
const three = { kind: 'schemas' as const, schemas: ['up_a', 'up_b', 'up_c'] };

const bySchema = (rs: SchemaUpgrade[]) => Object.fromEntries(rs.map((r) => [r.schema, r]));

async function columnLength(schema: string): Promise<number | undefined> {
  const rows = await t.warehouse(
    `SELECT character_maximum_length AS n FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'note' AND column_name = 'txt'`,
    [schema],
  );
  return rows[0]?.n;
}

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, ['bin/rsetl', ...args, '--config', t.stack.configPath], { env: { ...process.env, NO_COLOR: '1' } }, (e, stdout, stderr) =>
      resolve({ status: e ? ((e as { code?: number }).code ?? null) : 0, stdout, stderr }),
    ),
  );
}

beforeAll(async () => {
  t = await startTestStack();
  dir = await mkdtemp(join(tmpdir(), 'rsetl-upgrade-'));
  await writeFile(join(dir, '001_add_note.sql'), ADD);
  await writeFile(join(dir, '002_widen_note.sql'), WIDEN);
  await initEtl(t.conn, t.config, { schema: 'up_a', rootId: '1' });
  // Two buses share up_b.
  await initEtl(t.conn, t.config, { schema: 'up_b', rootId: '2' });
  await initEtl(t.conn, t.config, { schema: 'up_b', rootId: '3' });
  // up_c is not a bus schema (no rsetl tables); up_b already has a table the migration creates.
  await t.warehouse('CREATE SCHEMA up_c; CREATE TABLE up_b.note (id INT8)');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await t?.stop();
});

describe('upgrade-schema', () => {
  it('--dry-run prints the plan and changes nothing', async () => {
    const r = await upgradeSchemas(t.conn, { selection: three, dir, dryRun: true });
    const s = bySchema(r.schemas);
    expect(s.up_a).toEqual({ schema: 'up_a', status: 'planned', applied: ['001_add_note.sql', '002_widen_note.sql'], skipped: ['rsetl/001_baseline.sql'] });
    // rsetl's own migrations apply only where rsetl's ledger is.
    expect(s.up_c).toEqual({ schema: 'up_c', status: 'planned', applied: ['001_add_note.sql', '002_widen_note.sql'], skipped: [] });
    expect(r.failedCount).toBe(0);
    expect(await t.warehouse(`SELECT 1 FROM pg_tables WHERE schemaname = 'up_c'`)).toEqual([]);
    expect(await t.warehouse(`SELECT count(*)::int AS n FROM up_a.rsetl_migration`)).toEqual([{ n: 1 }]);
  });

  it('upgrades each schema in its own transaction and goes on past the one that fails', async () => {
    const r = await upgradeSchemas(t.conn, { selection: three, dir });
    const s = bySchema(r.schemas);
    expect(r.failedCount).toBe(1);
    expect(s.up_a).toEqual({ schema: 'up_a', status: 'ok', applied: ['001_add_note.sql', '002_widen_note.sql'], skipped: ['rsetl/001_baseline.sql'] });
    expect(s.up_c).toEqual({ schema: 'up_c', status: 'ok', applied: ['001_add_note.sql', '002_widen_note.sql'], skipped: [] });
    expect(s.up_b).toMatchObject({ schema: 'up_b', status: 'failed', applied: [], failed: '001_add_note.sql' });
    expect(s.up_b!.error).toMatch(/001_add_note\.sql statement 1 of 2 \(line 1\): .*already exists/);
    // Checksums recorded; the no-transaction ALTER COLUMN ... TYPE ran (outside a transaction).
    expect(await t.warehouse(`SELECT name, checksum FROM up_a.rsetl_migration ORDER BY name`)).toEqual([
      { name: '001_add_note.sql', checksum: checksumOf(ADD) },
      { name: '002_widen_note.sql', checksum: checksumOf(WIDEN) },
      { name: 'rsetl/001_baseline.sql', checksum: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect(await columnLength('up_a')).toBe(20);
    expect(await t.warehouse(`SELECT txt FROM up_c.note`)).toEqual([{ txt: 'a;b' }]);
    // The failing schema was rolled back: nothing recorded, its table untouched.
    expect(await t.warehouse(`SELECT name FROM up_b.rsetl_migration`)).toEqual([{ name: 'rsetl/001_baseline.sql' }]);
    expect(await columnLength('up_b')).toBeUndefined();
  });

  it('applies nothing twice', async () => {
    const r = await upgradeSchemas(t.conn, { selection: { kind: 'schemas', schemas: ['up_a', 'up_c'] }, dir });
    expect(r.schemas.map((x) => [x.schema, x.status, x.applied.length, x.skipped.length])).toEqual([
      ['up_a', 'ok', 0, 3],
      ['up_c', 'ok', 0, 2],
    ]);
  });

  it('prints a per-schema table and exits 1 when a schema failed', async () => {
    const r = await cli(['upgrade-schema', '--schema', 'up_a', '--schema', 'up_b', '--schema', 'up_c', '--dir', dir]);
    expect(r.status).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('schema'))).toMatch(/^schema\s+status\s+applied\s+skipped\s+failed\s+error$/);
    expect(lines.find((l) => l.startsWith('up_b'))).toMatch(/^up_b\s+failed\s+-\s+1\s+001_add_note\.sql\s+001_add_note\.sql statement 1 of 2/);
    expect(lines.find((l) => l.startsWith('up_a'))).toMatch(/^up_a\s+ok\s+-\s+3\s+-/);
    expect(r.stderr).toMatch(/1 of 3 schema\(s\) failed/);
    const json = await cli(['upgrade-schema', '--schema', 'up_a', '--dir', dir, '--json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout).schemas[0]).toMatchObject({ schema: 'up_a', status: 'ok' });
  });

  it('refuses a schema whose applied migration file has changed since', async () => {
    const changed = join(dir, 'changed');
    await rm(changed, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(changed));
    await writeFile(join(changed, '001_add_note.sql'), ADD.replace('VARCHAR(10)', 'VARCHAR(12)'));
    await writeFile(join(changed, '003_more.sql'), 'CREATE TABLE more (id INT8);');
    const r = await upgradeSchemas(t.conn, { selection: { kind: 'schemas', schemas: ['up_a'] }, dir: changed });
    expect(r.schemas[0]).toMatchObject({ schema: 'up_a', status: 'failed', applied: [] });
    expect(r.schemas[0]!.error).toMatch(/001_add_note\.sql was applied on .* with checksum [0-9a-f]{12}…, but .* now has [0-9a-f]{12}…/);
    expect(await t.warehouse(`SELECT 1 FROM pg_tables WHERE schemaname = 'up_a' AND tablename = 'more'`)).toEqual([]);
    const plan = await upgradeSchemas(t.conn, { selection: { kind: 'schemas', schemas: ['up_a'] }, dir: changed, dryRun: true });
    expect(plan.schemas[0]!.status).toBe('failed');
  });

  it('runs ALTER COLUMN ... TYPE only outside a transaction (Redshift refuses it inside)', async () => {
    const sql = 'ALTER TABLE note ALTER COLUMN txt TYPE VARCHAR(30)';
    const inTx = await upgradeSchemas(t.conn, { selection: { kind: 'schemas', schemas: ['up_c'] }, sql });
    expect(inTx.schemas[0]).toMatchObject({ status: 'failed' });
    expect(inTx.schemas[0]!.error).toMatch(/cannot run inside a transaction block/);
    const outside = await upgradeSchemas(t.conn, { selection: { kind: 'schemas', schemas: ['up_c'] }, sql, noTransaction: true });
    expect(outside.schemas[0]).toMatchObject({ status: 'ok', applied: [expect.stringMatching(/^adhoc\/sql@[0-9a-f]{12}$/)] });
    expect(await columnLength('up_c')).toBe(30);
  });

  it('--all visits every bus schema once, even one shared by two buses; ad-hoc SQL is applied once', async () => {
    const sql = 'CREATE TABLE visited (n INT4);\nINSERT INTO visited VALUES (1)';
    const r = await upgradeSchemas(t.conn, { selection: { kind: 'all' }, sql });
    expect(r.schemas.map((x) => [x.schema, x.status, x.applied.length])).toEqual([
      ['up_a', 'ok', 1],
      ['up_b', 'ok', 1],
    ]);
    expect(await t.warehouse('SELECT count(*)::int AS n FROM up_b.visited')).toEqual([{ n: 1 }]);
    const again = await upgradeSchemas(t.conn, { selection: { kind: 'all' }, sql });
    expect(again.schemas.map((x) => [x.schema, x.applied.length, x.skipped.length])).toEqual([
      ['up_a', 0, 1],
      ['up_b', 0, 1],
    ]);
  });

  it('--all-schemas visits every user schema and no system one', async () => {
    const r = await upgradeSchemas(t.conn, { selection: { kind: 'all-schemas' }, sql: 'SELECT 1', dryRun: true });
    expect(r.schemas.map((x) => x.schema)).toEqual(['up_a', 'up_b', 'up_c']);
  });

  describe('TRUNCATE, which commits the transaction it runs in on Redshift', () => {
    const upC = { kind: 'schemas' as const, schemas: ['up_c'] };
    const scratch = async () => (await t.warehouse('SELECT n FROM up_c.scratch ORDER BY n')).map((r) => r.n);
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error('upgrade-schema accepted a TRUNCATE inside its transaction');
        },
        (e: unknown) => e as UsageError,
      );

    it('is refused inside the schema\'s transaction, naming the statement and the fix, before any schema is touched', async () => {
      await t.warehouse('CREATE TABLE up_c.scratch (n INT4); INSERT INTO up_c.scratch VALUES (1), (2)');
      const sql = 'INSERT INTO scratch VALUES (3);\nTRUNCATE scratch';
      for (const dryRun of [false, true]) {
        const e = await refusal(upgradeSchemas(t.conn, { selection: upC, sql, dryRun }));
        expect(e).toBeInstanceOf(UsageError);
        expect(e.message).toMatch(
          /^adhoc\/sql@[0-9a-f]{12} statement 2 of 2 \(line 2\): TRUNCATE commits the transaction it runs in on Redshift, so upgrade-schema cannot apply this migration atomically/,
        );
        expect(e.hint).toMatch(/--no-transaction/);
      }
      const folder = join(dir, 'truncating');
      await import('node:fs/promises').then((fs) => fs.mkdir(folder, { recursive: true }));
      await writeFile(join(folder, '010_reset.sql'), 'DELETE FROM scratch WHERE n = 1;\n\ntruncate table scratch;\n');
      const e = await refusal(upgradeSchemas(t.conn, { selection: upC, dir: folder }));
      expect(e.message).toMatch(/^010_reset\.sql statement 2 of 2 \(line 3\): TRUNCATE commits the transaction/);
      expect(e.hint).toContain('`-- rsetl:no-transaction` the first line of the file');
      const cliRun = await cli(['upgrade-schema', '--schema', 'up_c', '--dir', folder]);
      expect(cliRun.status).toBe(64);
      expect(cliRun.stderr).toContain('010_reset.sql statement 2 of 2 (line 3): TRUNCATE commits the transaction it runs in on Redshift');
      expect(await scratch()).toEqual([1, 2]);
      const refusedNames = ['010_reset.sql', `adhoc/sql@${checksumOf(sql).slice(0, 12)}`];
      expect(await t.warehouse(`SELECT name FROM up_c.rsetl_migration WHERE name = ANY($1)`, [refusedNames])).toEqual([]);
    });

    it('runs outside a transaction when asked: --no-transaction, or a file marked -- rsetl:no-transaction', async () => {
      const r = await upgradeSchemas(t.conn, { selection: upC, sql: 'INSERT INTO scratch VALUES (3);\nTRUNCATE scratch', noTransaction: true });
      expect(r.schemas[0]).toMatchObject({ schema: 'up_c', status: 'ok', applied: [expect.stringMatching(/^adhoc\/sql@/)] });
      expect(await scratch()).toEqual([]);
      await t.warehouse('INSERT INTO up_c.scratch VALUES (4)');
      const folder = join(dir, 'truncating_marked');
      await import('node:fs/promises').then((fs) => fs.mkdir(folder, { recursive: true }));
      await writeFile(join(folder, '011_reset.sql'), '-- rsetl:no-transaction\nTRUNCATE scratch;\nINSERT INTO scratch VALUES (5);\n');
      const marked = await upgradeSchemas(t.conn, { selection: upC, dir: folder });
      expect(marked.schemas[0]).toMatchObject({ schema: 'up_c', status: 'ok', applied: ['011_reset.sql'] });
      expect(await scratch()).toEqual([5]);
    });
  });

  it('a schema that does not exist fails alone', async () => {
    const r = await upgradeSchemas(t.conn, { selection: { kind: 'schemas', schemas: ['nope', 'up_a'] } });
    expect(r.schemas.map((x) => [x.schema, x.status, x.error])).toEqual([
      ['nope', 'failed', 'schema nope does not exist'],
      ['up_a', 'ok', undefined],
    ]);
  });
});
