// Paths a user gives, checked before any connection: real `rsetl` processes with a bad --out
// (run-window --dry-run), --dir and --file (upgrade-schema) and --config-out (setup-user) exit 64
// within seconds, naming the flag and the reason, open no connection (both databases sit behind
// proxies that count them) and change nothing. `--out /proc/x` used to spin at full CPU forever.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, targetOf, type FaultProxy } from '../support/fault-proxy.js';
import { adminUrl } from '../support/databases.js';
import { busRow, expectNoSecrets, startFaultEnv, type Bus, type CliResult, type FaultEnv } from './harness.js';

let env: FaultEnv;
let scratch: string;
let aFile: string;
let source: FaultProxy;
let redshift: FaultProxy;
/** A config whose source and Redshift are reached through the counting proxies. */
let spied: string;
let bus: Bus;

beforeAll(async () => {
  env = await startFaultEnv();
  scratch = await mkdtemp(join(tmpdir(), 'rsetl-faults-paths-'));
  aFile = join(scratch, 'a-file');
  await writeFile(aFile, 'x\n');
  source = await startFaultProxy({ target: targetOf(env.t.stack.sourceUrl) });
  redshift = await startFaultProxy({ target: targetOf(env.t.stack.redshiftUrl) });
  spied = await env.writeConfig('spied.json', (c) => {
    c.source.url = source.url(c.source.url);
    c.redshift.url = redshift.url(c.redshift.url);
  });
  bus = await env.newBus('paths');
});
afterAll(async () => {
  await source?.close();
  await redshift?.close();
  await rm(scratch, { recursive: true, force: true });
  await env?.stop();
});

/** Runs rsetl with the spied config; a hang is cut at 20 s and fails the status check. */
const run = (args: string[]) => env.cli(args, { config: spied, timeoutMs: 20_000 });

/** Exit 64 within seconds, the flag and the reason named, no stack trace, no connection opened. */
function expectRefused(r: CliResult, flag: string, path: string, why: RegExp): void {
  const text = r.stdout + r.stderr;
  expect(r.status, `${flag} ${path}: ${text}`).toBe(64);
  expect(r.ms, 'a usage error comes at once').toBeLessThan(10_000);
  expect(r.stderr).toContain(`${flag} ${path}: `);
  expect(r.stderr).toMatch(why);
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(source.stats.accepted + redshift.stats.accepted, 'connections opened').toBe(0);
}

describe('run-window --dry-run --out', () => {
  it.each([
    ['/proc/x', /cannot be created: \/proc takes no new folders/],
    ['/proc/x/window', /cannot be created: \/proc takes no new folders/],
    ['/proc/self', /a file cannot be written there/],
    ['<file>/window', /a-file is not a folder \(ENOTDIR\)/],
    ['<file>', /a-file is not a folder \(EEXIST\)/],
  ])('%s: exit 64 naming --out, no state change', async (given, why) => {
    const out = given.replace('<file>', aFile);
    const before = await busRow(env, bus);
    const r = await run(['run-window', '--bus', bus.schema, '--dry-run', '--out', out]);
    expectRefused(r, '--out', out, why);
    const after = await busRow(env, bus);
    expect(after.window_time).toEqual(before.window_time);
    expect(after.failure_count).toBe(before.failure_count);
    expect(await readdir(scratch)).toEqual(['a-file']);
  });

  it('a folder that can be made still gets the dry run', async () => {
    const out = join(scratch, 'made', 'window');
    const r = await env.cli(['run-window', '--bus', bus.schema, '--dry-run', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect((await readdir(out)).length).toBeGreaterThan(0);
    await rm(join(scratch, 'made'), { recursive: true });
  });
});

describe('upgrade-schema --dir and --file', () => {
  const migrations = async () => (await env.t.warehouse(`select name from "${bus.schema}".rsetl_migration order by name`)).map((r) => r.name as string);

  it.each([
    ['--dir', '/proc/x', /does not exist \(ENOENT/],
    ['--dir', '<scratch>/missing', /does not exist \(ENOENT/],
    ['--dir', '<file>', /is a file, not a folder/],
    ['--dir', '<file>/migrations', /a part of the path is a file, not a folder \(ENOTDIR/],
    ['--file', '/proc/x', /does not exist \(ENOENT/],
    ['--file', '<scratch>/missing.sql', /does not exist \(ENOENT/],
    ['--file', '<scratch>', /is a folder, not a file/],
    ['--file', '<file>/fix.sql', /a part of the path is a file, not a folder \(ENOTDIR/],
    // A device is never a SQL file: read to its end, /dev/zero would never end.
    ['--file', '/dev/zero', /is not a regular file/],
  ])('%s %s: exit 64 naming the flag, nothing applied', async (flag, given, why) => {
    const path = given.replace('<file>', aFile).replace('<scratch>', scratch);
    const before = await migrations();
    const r = await run(['upgrade-schema', '--schema', bus.schema, flag, path]);
    expectRefused(r, flag, path, why);
    expect(await migrations()).toEqual(before);
  });
});

describe('setup-user --config-out', () => {
  const user = 'paths_check_user';
  const exists = async () => (await env.t.warehouse(`select count(*)::int as n from pg_user where usename = $1`, [user]))[0]!.n > 0;

  afterAll(async () => {
    // Users are cluster-wide on the test PostgreSQL: leave none behind, also when a check failed.
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${user}db" WITH (FORCE)`).catch(() => undefined);
    await admin.query(`DROP USER IF EXISTS "${user}"`).catch(() => undefined);
    await admin.end();
  });

  it.each([
    ['/proc/x/rsetl.json', /its folder \/proc\/x does not exist/],
    ['/proc/rsetl.json', /a file in \/proc cannot be written/],
    ['<file>/rsetl.json', /a-file is a file, not a folder/],
    ['<scratch>', /is a folder, not a file/],
    ['<scratch>/missing/rsetl.json', /missing does not exist/],
  ])('%s: exit 64 naming --config-out; the user is not created (its password would be lost)', async (given, why) => {
    const path = given.replace('<file>', aFile).replace('<scratch>', scratch);
    const adminOverProxy = redshift.url(env.rawConfig().redshift.url as string);
    const r = await run(['setup-user', '--user', user, '--admin-url', adminOverProxy, '--config-out', path, '--yes']);
    expectRefused(r, '--config-out', path, why);
    expect(await exists()).toBe(false);
    expect(await readdir(scratch)).toEqual(['a-file']);
    expectNoSecrets(env);
  });
});
