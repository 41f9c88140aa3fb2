// `rsetl dev up` as a developer uses it: one JSON line with the stack's URLs, psql-compatible
// servers behind them, the local AWS API (and Data API) serving the stand-in, a ready config file,
// and a clean stop on SIGTERM; a restart on the same data folder keeps its data and its ports (so
// the config file stays valid), and a folder that cannot be used is refused at once.
import { DescribeClustersCommand, GetClusterCredentialsCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { ExecuteStatementCommand, GetStatementResultCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chown, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

interface DevUp {
  child: ChildProcess;
  info: Record<string, string>;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

const dirs: string[] = [];
const running = new Set<ChildProcess>();
afterEach(async () => {
  // A failed assertion must not leave a stack (and its postmaster) behind: SIGTERM stops both.
  for (const child of running) child.kill('SIGTERM');
  await Promise.all([...running].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  running.clear();
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rsetl-test-devup-'));
  dirs.push(dir);
  return dir;
}

/** Starts `rsetl dev up --json --data-dir dir` and waits for its JSON line. */
async function devUp(dir: string, options: SpawnOptions = {}): Promise<DevUp> {
  const child = spawn(process.execPath, ['bin/rsetl', 'dev', 'up', '--json', '--data-dir', dir], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', () => reject(new Error(`dev up exited before printing: ${stderr}`)));
  });
  return { child, info: JSON.parse(line), stderr: () => stderr, exited };
}

/** Runs `rsetl <args>` to its end (for the runs that are refused before the stack starts). */
async function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['bin/rsetl', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  running.delete(child);
  return { code, stderr };
}

async function stopDevUp(d: DevUp): Promise<{ code: number | null; signal: string | null }> {
  d.child.kill('SIGTERM');
  return d.exited;
}


const portOf = (url: string) => Number(new URL(url).port);

async function query(url: string, sql: string): Promise<Record<string, any>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function hold(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

/** `rsetl <args>` to completion. */
function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, ['bin/rsetl', ...args], { timeout: 60_000 }, (e, stdout, stderr) =>
      resolve({ status: e ? ((e as { code?: number }).code ?? null) : 0, stdout, stderr }),
    ),
  );
}

describe('rsetl dev up', () => {
  it('prints one JSON line, serves the source and Redshift URLs, and stops cleanly on SIGTERM', async () => {
    const dir = await tempDir();
    const up = await devUp(dir);
    const { info } = up;
    expect(Object.keys(info).sort()).toEqual(['awsEndpoint', 'bucket', 'config', 'dataApiEndpoint', 'redshiftUrl', 's3Endpoint', 'sourceUrl']);
    expect((await stat(info.config!)).mode & 0o777).toBe(0o600);
    // The passwords are in the config file only; the printed URLs mask them.
    const config = JSON.parse(await readFile(info.config!, 'utf8'));
    for (const [printed, real] of [[info.sourceUrl, config.source.url], [info.redshiftUrl, config.redshift.url]]) {
      const password = new URL(real).password;
      expect(password.length).toBeGreaterThan(0);
      expect(printed).not.toContain(password);
      expect(printed).toBe(real.replace(`:${password}@`, ':***@'));
    }

    const outbox = await query(config.source.url, `select count(*)::int as n from information_schema.columns where table_name = 'analyticfinder'`);
    expect(outbox[0]!.n).toBe(5);

    const redshift = new pg.Client({ connectionString: config.redshift.url });
    await redshift.connect();
    await redshift.query('create table t (id int8 not null, e varchar(32) distkey) sortkey(id)');
    await expect(redshift.query('insert into t values (1, $1) on conflict do nothing', ['x'])).rejects.toThrow(/ON CONFLICT/i);
    await redshift.end();

    // The AWS API at awsEndpoint lists the stand-in as cluster rsetl-local, and its temporary
    // password opens it as the admin, as GetClusterCredentials does on Redshift.
    const aws = new RedshiftClient({ endpoint: info.awsEndpoint!, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const cluster = (await aws.send(new DescribeClustersCommand({ ClusterIdentifier: 'rsetl-local' }))).Clusters![0]!;
      expect(cluster.Endpoint).toEqual({ Address: '127.0.0.1', Port: portOf(config.redshift.url) });
      const admin = decodeURIComponent(new URL(config.redshift.url).username);
      const creds = await aws.send(new GetClusterCredentialsCommand({ ClusterIdentifier: 'rsetl-local', DbUser: admin }));
      const iam = new pg.Client({ host: '127.0.0.1', port: cluster.Endpoint!.Port, database: cluster.DBName, user: creds.DbUser, password: creds.DbPassword });
      await iam.connect();
      expect((await iam.query('select current_user as u')).rows).toEqual([{ u: admin }]);
      await iam.end();
      // The Data API at dataApiEndpoint runs SQL on the same stand-in, logged in the same way.
      const data = new RedshiftDataClient({ endpoint: info.dataApiEndpoint!, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      try {
        const run = await data.send(
          new ExecuteStatementCommand({ ClusterIdentifier: 'rsetl-local', Database: cluster.DBName, DbUser: admin, Sql: 'select count(*) as n from t', WaitTimeSeconds: 20 }),
        );
        expect(run.Status).toBe('FINISHED');
        expect((await data.send(new GetStatementResultCommand({ Id: run.Id }))).Records).toEqual([[{ longValue: 0 }]]);
      } finally {
        data.destroy();
      }
    } finally {
      aws.destroy();
    }
    // Beside the config file, the same stack as production logs in: no database password at all.
    const iamConfig = join(dir, 'rsetl.iam.config.json');
    const iamText = await readFile(iamConfig, 'utf8');
    expect(JSON.stringify(JSON.parse(iamText).redshift)).not.toMatch(/password|"url"/i);
    const init = await runCli(['init-etl', 'dev_iam', '--domain', '1', '--config', iamConfig]);
    expect(init.status, init.stderr).toBe(0);
    expect(await stopDevUp(up)).toEqual({ code: 143, signal: null });
  });

  // As root PostgreSQL runs as another OS user, which needs its way into the data folder without
  // the folder itself being opened to others; `nobody` covers an ordinary user too.
  const users: [string, SpawnOptions][] = [['as this process’s user', {}]];
  if (process.getuid?.() === 0) users.push(['as an ordinary user (nobody)', { uid: 65534, gid: 65534, env: { ...process.env, HOME: tmpdir() } }]);

  it.each(users)('restarts on its own data folder %s, with its data and on the same ports', async (_who, options) => {
    const dir = await tempDir();
    if (options.uid !== undefined) await chown(dir, options.uid, options.gid!);
    const first = await devUp(dir, options);
    const configText = await readFile(first.info.config!, 'utf8');
    const config = JSON.parse(configText);
    await query(config.source.url, 'create table kept (id int primary key); insert into kept values (7)');
    await query(config.redshift.url, 'create table kept_rs (id int8)');
    expect(await stopDevUp(first)).toEqual({ code: 143, signal: null });
    expect((await stat(join(dir, 'pg'))).mode & 0o777).toBe(0o700);

    const second = await devUp(dir, options);
    expect(second.info).toEqual(first.info);
    expect(second.stderr()).not.toMatch(/warning/);
    // Same ports, same passwords: the config file written by the first run still works.
    expect(await readFile(second.info.config!, 'utf8')).toBe(configText);
    expect(await query(config.source.url, 'select id from kept')).toEqual([{ id: 7 }]);
    expect(await query(config.redshift.url, 'select count(*)::int as n from kept_rs')).toEqual([{ n: 0 }]);
    expect(await stopDevUp(second)).toEqual({ code: 143, signal: null });
  });

  it('moves off a remembered port another process holds now, and says which', async () => {
    const dir = await tempDir();
    const first = await devUp(dir);
    expect(await stopDevUp(first)).toEqual({ code: 143, signal: null });
    const held = portOf(first.info.redshiftUrl!);
    const blocker = await hold(held);
    try {
      const second = await devUp(dir);
      const moved = portOf(second.info.redshiftUrl!);
      expect(moved).not.toBe(held);
      expect(second.stderr()).toMatch(new RegExp(`warning: .*Redshift stand-in.*\\b${held}\\b.*\\b${moved}\\b`));
      expect(second.stderr().match(/warning/g)).toHaveLength(1);
      expect(portOf(second.info.sourceUrl!)).toBe(portOf(first.info.sourceUrl!));
      expect(second.info.s3Endpoint).toBe(first.info.s3Endpoint);
      // The config file follows the stack, and the next start keeps the new port.
      const config = JSON.parse(await readFile(second.info.config!, 'utf8'));
      expect(portOf(config.redshift.url)).toBe(moved);
      expect(await query(config.redshift.url, 'select 1 as one')).toEqual([{ one: 1 }]);
      expect(JSON.parse(await readFile(join(dir, 'ports.json'), 'utf8')).redshift).toBe(moved);
      expect(await stopDevUp(second)).toEqual({ code: 143, signal: null });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('stops cleanly on a SIGTERM that comes while the stack is still starting, leaving no PostgreSQL behind', async () => {
    const dir = await tempDir();
    const child = spawn(process.execPath, ['bin/rsetl', 'dev', 'up', '--json', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const pidFile = join(dir, 'pg', 'postmaster.pid');
    // initdb runs single-user backends first, which write the same file with their pid negated and
    // remove it again; the server the SIGTERM must stop is the postmaster, whose pid is positive.
    const postmaster = async () => Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]) > 0;
    for (let i = 0; i < 600 && !(await postmaster()); i++) await sleep(20);
    expect(await postmaster()).toBe(true);
    child.kill('SIGTERM');
    const outcome = await exited;
    running.delete(child);
    const leftBehind = await readFile(pidFile, 'utf8').catch(() => undefined);
    if (leftBehind) {
      // So that a failure does not leak a server (the file may also be a dead server's leftover).
      try {
        process.kill(Number(leftBehind.split('\n')[0]), 'SIGINT');
      } catch {
        /* gone already */
      }
    }
    expect(outcome).toEqual({ code: 143, signal: null });
    expect(leftBehind).toBeUndefined();
  });

  it('refuses a second dev up on a data folder in use, and leaves the first one serving', async () => {
    const dir = await tempDir();
    const first = await devUp(dir);
    const ports = await readFile(join(dir, 'ports.json'), 'utf8');
    const second = await run(['dev', 'up', '--data-dir', dir]);
    expect(second.code, second.stderr).toBe(64);
    expect(second.stderr).toMatch(/error: the data folder \S+ is in use by a running PostgreSQL \(pid \d+\)/);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(join(dir, 'ports.json'), 'utf8')).toBe(ports);
    const config = JSON.parse(await readFile(first.info.config!, 'utf8'));
    expect(await query(config.source.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    expect(await stopDevUp(first)).toEqual({ code: 143, signal: null });
  });

  it('refuses a data folder that cannot be used, at once and without a stack trace', async () => {
    const dir = await tempDir();
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    for (const [dataDir, reason] of [
      [join(file, 'stack'), /a part of the path is a file/],
      [file, /exists and is not a folder/],
      ['/proc/rsetl-x', /cannot be used/],
    ] as const) {
      const started = Date.now();
      const { code, stderr } = await run(['dev', 'up', '--data-dir', dataDir]);
      expect(code, stderr).toBe(64);
      expect(stderr).toContain(`error: data folder ${dataDir} cannot be used`);
      expect(stderr).toMatch(reason);
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(Date.now() - started).toBeLessThan(15_000);
    }
  });
});
