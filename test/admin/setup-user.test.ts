// setup-user's SQL on the Redshift stand-in through --admin-url (no AWS): the user and its database
// are created once, a second run finds both and leaves the password alone, --reset-password
// changes it (proved by logging in), the config file is 0600 and never silently replaced.
import { execFile } from 'node:child_process';
import { randomSuffix } from '../support/random-suffix.js';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordProblem } from '../../src/admin/password.js';
import { setupUser, type SetupUserResult } from '../../src/admin/setup-user.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { loadConfig, redshiftConnection } from '../../src/config/load.js';
import { PermissionError, UsageError } from '../../src/errors.js';
import { adminUrl } from '../support/databases.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let t: TestStack;
let dir: string;
const user = `dev_${randomSuffix()}`;
const created: string[] = [];

async function canLogin(name: string, password: string, database = `${name}db`): Promise<boolean> {
  const url = new URL(t.stack.redshiftUrl);
  const c = new pg.Client({ host: url.hostname, port: Number(url.port), user: name, password, database });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.end();
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === '28P01') return false;
    throw e;
  }
}

const status = (r: SetupUserResult) => Object.fromEntries(r.steps.map((s) => [s.step, s.status]));

beforeAll(async () => {
  t = await startTestStack();
  dir = await mkdtemp(join(tmpdir(), 'rsetl-setup-'));
});

afterAll(async () => {
  // Roles and databases are cluster-wide on the test PostgreSQL: leave nothing behind.
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  for (const name of [user, ...created]) {
    await admin.query(`DROP DATABASE IF EXISTS "${name}db" WITH (FORCE)`).catch(() => undefined);
    await admin.query(`DROP USER IF EXISTS "${name}"`).catch(() => undefined);
  }
  await admin.end();
  await rm(dir, { recursive: true, force: true });
  await t?.stop();
});

describe('setup-user --admin-url', () => {
  let firstPassword = '';

  it('creates the user with CREATEDB and its database, and writes a 0600 config that logs in', async () => {
    const configOut = join(dir, 'first.json');
    const r = await setupUser({ user, adminUrl: t.stack.redshiftUrl, configOut });
    expect(status(r)).toEqual({ user: 'done', database: 'done', login: 'done', config: 'done' });
    expect(r.generatedPassword).toBeDefined();
    firstPassword = r.generatedPassword!;
    expect(passwordProblem(firstPassword)).toBeUndefined();

    const [u] = await t.warehouse('SELECT usecreatedb FROM pg_user WHERE usename = $1', [user]);
    expect(u).toEqual({ usecreatedb: true });
    const [d] = await t.warehouse('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [`${user}db`]);
    expect(d).toEqual({ owner: user });

    expect((await stat(configOut)).mode & 0o777).toBe(0o600);
    const { config } = await loadConfig({ path: configOut, require: ['redshift'], env: { SOURCE_DB_PASSWORD: 'x' } });
    const conn = redshiftConnection(config);
    expect(conn).toMatchObject({ user, password: firstPassword, database: `${user}db`, port: Number(new URL(t.stack.redshiftUrl).port), ssl: false });
    expect(await canLogin(user, firstPassword)).toBe(true);
  });

  it('a second run finds user, database and config, and leaves the password alone', async () => {
    const configOut = join(dir, 'first.json');
    const before = await readFile(configOut, 'utf8');
    const r = await setupUser({ user, adminUrl: t.stack.redshiftUrl, configOut });
    expect(status(r)).toEqual({ user: 'already-done', password: 'skipped', database: 'already-done', login: 'skipped', config: 'already-done' });
    expect(r.generatedPassword).toBeUndefined();
    expect(await readFile(configOut, 'utf8')).toBe(before);
    expect(await canLogin(user, firstPassword)).toBe(true);
  });

  it('with the right --password for an existing user, checks the login and writes the config', async () => {
    const configOut = join(dir, 'known.json');
    const r = await setupUser({ user, adminUrl: t.stack.redshiftUrl, configOut, password: firstPassword });
    expect(status(r)).toMatchObject({ user: 'already-done', password: 'skipped', login: 'done', config: 'done' });
    await expect(setupUser({ user, adminUrl: t.stack.redshiftUrl, configOut: join(dir, 'wrong.json'), password: 'Wrong-Pass-123' })).rejects.toBeInstanceOf(PermissionError);
  });

  it('refuses to overwrite the config without --force before changing anything', async () => {
    const configOut = join(dir, 'first.json');
    const e = await setupUser({ user, adminUrl: t.stack.redshiftUrl, configOut, resetPassword: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect(exitCodeFor(e)).toBe(64);
    expect(await canLogin(user, firstPassword)).toBe(true);
  });

  it('--reset-password with --force sets a new password that logs in, and the old one no longer does', async () => {
    const configOut = join(dir, 'first.json');
    await writeFile(configOut, '{}', { mode: 0o644 });
    const r = await setupUser({ user, adminUrl: t.stack.redshiftUrl, configOut, resetPassword: true, force: true });
    expect(status(r)).toMatchObject({ user: 'already-done', password: 'done', database: 'already-done', login: 'done', config: 'done' });
    const next = r.generatedPassword!;
    expect(next).not.toBe(firstPassword);
    expect(await canLogin(user, next)).toBe(true);
    expect(await canLogin(user, firstPassword)).toBe(false);
    expect((await stat(configOut)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(configOut, 'utf8')).redshift.password).toBe(next);
  });

  it('--dry-run plans a new user without creating anything', async () => {
    const other = `dry_${randomSuffix()}`;
    const r = await setupUser({ user: other, adminUrl: t.stack.redshiftUrl, configOut: join(dir, 'dry.json'), dryRun: true });
    expect(status(r)).toEqual({ user: 'planned', database: 'planned', login: 'planned', config: 'planned' });
    expect(r.generatedPassword).toBeUndefined();
    expect(await t.warehouse('SELECT 1 FROM pg_user WHERE usename = $1', [other])).toEqual([]);
    await expect(stat(join(dir, 'dry.json'))).rejects.toThrow();
  });

  it('checks names and passwords before connecting', async () => {
    await expect(setupUser({ user: 'Bad-Name', adminUrl: t.stack.redshiftUrl })).rejects.toBeInstanceOf(UsageError);
    const e = await setupUser({ user: 'ok_name', adminUrl: t.stack.redshiftUrl, password: 'nodigits' }).catch((x: Error) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).not.toContain('nodigits');
    await expect(setupUser({ user: 'ok_name', adminUrl: t.stack.redshiftUrl, authorizeMyIp: true })).rejects.toThrow(/--authorize-my-ip needs --cluster/);
  });
});


function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, ['bin/rsetl', ...args], { env: { ...process.env, NO_COLOR: '1', RSETL_CONFIG: '' }, timeout: 60_000 }, (e, stdout, stderr) =>
      resolve({ status: e ? ((e as { code?: number }).code ?? null) : 0, stdout, stderr }),
    ),
  );
}

const occurrences = (text: string, secret: string) => text.split(secret).length - 1;

describe('rsetl setup-user (the CLI)', () => {
  const cliUser = `cli_${randomSuffix()}`;
  created.push(cliUser);
  let password = '';

  it('shows a generated password once, in --json only under "password", and never on stderr', async () => {
    const configOut = join(dir, 'cli.json');
    const r = await cli(['setup-user', '--user', cliUser, '--admin-url', t.stack.redshiftUrl, '--config-out', configOut, '--json']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!);
    password = result.password;
    expect(passwordProblem(password)).toBeUndefined();
    expect(result).toMatchObject({ user: cliUser, database: `${cliUser}db`, configPath: configOut });
    expect(result.steps.map((x: { status: string }) => x.status)).toEqual(['done', 'done', 'done', 'done']);
    expect(occurrences(r.stdout + r.stderr, password)).toBe(1);
    expect(r.stdout + r.stderr).not.toContain('rsetl-local'); // the admin URL's password
  });

  it('never shows it again: not on a second run, not in an error', async () => {
    const configOut = join(dir, 'cli.json');
    const again = await cli(['setup-user', '--user', cliUser, '--admin-url', t.stack.redshiftUrl, '--config-out', configOut, '--json']);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).password).toBeUndefined();
    expect(occurrences(again.stdout + again.stderr, password)).toBe(0);

    const given = 'Given-Pass-456';
    const refused = await cli(['setup-user', '--user', cliUser, '--admin-url', t.stack.redshiftUrl, '--config-out', configOut, '--reset-password', '--password', given]);
    expect(refused.status).toBe(64);
    expect(refused.stderr).toMatch(/already exists/);
    expect(refused.stdout + refused.stderr).not.toContain(given);
    expect(refused.stdout + refused.stderr).not.toContain(password);
    expect(await canLogin(cliUser, password)).toBe(true);
  });

  it('in human output prints the new password once, with the steps and the next steps', async () => {
    const configOut = join(dir, 'cli.json');
    const r = await cli(['setup-user', '--user', cliUser, '--admin-url', t.stack.redshiftUrl, '--config-out', configOut, '--reset-password', '--force', '--yes']);
    expect(r.status).toBe(0);
    const next = /Generated password for \S+ \(shown once; it is in [^)]*\): (\S+)/.exec(r.stdout)?.[1];
    expect(next).toBeDefined();
    expect(next).not.toBe(password);
    expect(occurrences(r.stdout + r.stderr, next!)).toBe(1);
    expect(r.stdout).toMatch(/^password\s+done\s+password of \S+ reset$/m);
    expect(r.stdout).toMatch(/rsetl doctor --config /);
    expect(r.stdout).toMatch(/rsetl init-etl <schema> --domain <root_id>/);
    expect(r.stdout).toMatch(/rsetl poll --config /);
    expect(await canLogin(cliUser, next!)).toBe(true);
  });

  it('without a terminal, a missing --user is a usage error (exit 64), never a prompt', async () => {
    const r = await cli(['setup-user', '--admin-url', t.stack.redshiftUrl, '--config-out', join(dir, 'none.json')]);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/--user NAME is required/);
  });

  it('has an example in --help', async () => {
    for (const cmd of ['setup-user', 'upgrade-schema', 'grant-readonly']) {
      const r = await cli([cmd, '--help']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Examples?:\\n  rsetl ${cmd} `));
    }
  });
});
