// Scenarios 22 and 25 (docs/faults.md#scenario-22, #scenario-25; exit codes: docs/design.md#exit-codes): an unwritable or
// full output folder for `run-window --dry-run` fails cleanly and changes no state, and loads need
// no local temp files at all (they stream to S3); hostile names are refused before any SQL, an
// insecure config file gets the chmod warning, and no secret is ever echoed.
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/localstack/free-port.js';
import { startFaultProxy, targetOf, type FaultProxy } from '../support/fault-proxy.js';
import { busRow, expectNoSecrets, expectOracle, startFaultEnv, type Bus, type CliResult, type FaultEnv } from './harness.js';

let env: FaultEnv;
let scratch: string;

beforeAll(async () => {
  env = await startFaultEnv();
  scratch = await mkdtemp(join(tmpdir(), 'rsetl-faults-io-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  await env?.stop();
});

/** No stack trace, no "unhandled" crash text: an operator's message. */
function expectCleanFailure(r: CliResult, mentions: RegExp): void {
  expect(r.signal).toBeNull();
  expect(r.status).not.toBe(0);
  expect(r.status, 'an I/O failure is not an internal error (70)').not.toBe(70);
  const text = r.stdout + r.stderr;
  expect(text).not.toMatch(/Unhandled 'error' event|node:events|\n\s+at .+:\d+:\d+/);
  expect(text).not.toMatch(/bug in rsetl/);
  expect(text).toMatch(mentions);
}

describe('scenario 22: disk full, unwritable output', () => {
  let bus: Bus;
  let before: Record<string, any>;

  beforeAll(async () => {
    bus = await env.newBus('io');
    before = await busRow(env, bus);
  });

  async function expectNoStateChange(): Promise<void> {
    const after = await busRow(env, bus);
    expect(after.window_time).toEqual(before.window_time);
    expect(after.failure_count).toBe(before.failure_count);
    const runs = await env.t.source.query(`select count(*)::int as n from rsetl.run where bus_id = $1`, [bus.busId]);
    expect(runs.rows[0].n).toBe(0);
  }

  it('--out that cannot be created (a path under a regular file): a clear message, no state change', async () => {
    await writeFile(join(scratch, 'a-file'), 'x');
    const out = join(scratch, 'a-file', 'window');
    const r = await env.cli(['run-window', '--bus', bus.schema, '--dry-run', '--out', out]);
    await expectNoStateChange();
    expectCleanFailure(r, /a-file\/window|not a directory/i);
  });

  it('--out on a full disk (/dev/full): a clear message (also as JSON), no state change', async () => {
    const out = join(scratch, 'full');
    await mkdir(out);
    await symlink('/dev/full', join(out, 'pagenavevent.ndjson'));
    const r = await env.cli(['run-window', '--bus', bus.schema, '--dry-run', '--out', out, '--json']);
    await expectNoStateChange();
    expectCleanFailure(r, /no space left on device|ENOSPC/i);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { message: expect.stringMatching(/pagenavevent|ENOSPC|no space/i) } });
  });

  it('a load keeps no local temp files: with TMPDIR unusable it still loads (it streams to S3)', async () => {
    const unusable = '/dev/full/nowhere';
    const r = await env.cli(['poll', '--bus', bus.schema], { env: { TMPDIR: unusable, TMP: unusable, TEMP: unusable } });
    expect(r.status, r.stderr).toBe(0);
    await expectOracle(env, bus);
    // And the dry run into a good folder leaves exactly one file per table, nothing else.
    const good = join(scratch, 'good');
    await env.pump(bus);
    const dry = await env.cli(['run-window', '--bus', bus.schema, '--dry-run', '--out', good]);
    expect(dry.status, dry.stderr).toBe(0);
    for (const f of await readdir(good)) expect(f).toMatch(/^[a-z_]+\.ndjson$/);
  });
});

describe('scenario 25: hostile names, insecure config, secrets', () => {
  const hostile = 'x"; drop table t; --';
  let source: FaultProxy;
  let redshift: FaultProxy;
  let spied: string;

  beforeAll(async () => {
    // Both databases behind proxies that count connections: "before any SQL" means none at all.
    source = await startFaultProxy({ target: targetOf(env.t.stack.sourceUrl) });
    redshift = await startFaultProxy({ target: targetOf(env.t.stack.redshiftUrl) });
    spied = await env.writeConfig('spied.json', (c) => {
      c.source.url = source.url(c.source.url);
      c.redshift.url = redshift.url(c.redshift.url);
    });
  });
  afterAll(async () => {
    await source?.close();
    await redshift?.close();
  });

  it('init-etl refuses a hostile schema name with exit 64 before connecting anywhere', async () => {
    const r = await env.cli(['init-etl', hostile, '--domain', '1'], { config: spied });
    expect(r.status, r.stderr).toBe(64);
    expect(r.stderr).toMatch(/schema/);
    expect(source.stats.accepted).toBe(0);
    expect(redshift.stats.accepted).toBe(0);
    const [schemas] = await env.t.warehouse(`select count(*)::int as n from pg_namespace where nspname like 'x%'`);
    expect(schemas!.n).toBe(0);
    // A hostile domain too.
    const d = await env.cli(['init-etl', 'fine', '--domain', '1; drop table t'], { config: spied });
    expect(d.status).toBe(64);
    expect(source.stats.accepted + redshift.stats.accepted).toBe(0);
  });

  it('a hostile --bus is just an unknown bus (64) for poll, run-window, bus and unblock; nothing is dropped', async () => {
    await env.t.warehouse(`create table if not exists public.t (n int)`);
    for (const args of [['poll', '--bus', hostile], ['run-window', '--bus', hostile], ['bus', 'pause', hostile], ['unblock', '--bus', hostile, '--retry']]) {
      const r = await env.cli(args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(64);
    }
    const [t] = await env.t.warehouse(`select count(*)::int as n from pg_tables where schemaname = 'public' and tablename = 't'`);
    expect(t!.n).toBe(1);
  });

  it('a config file with a secret and mode 0644 gets the chmod 600 warning, which echoes no secret', async () => {
    const loose = await env.writeConfig('loose.json', () => undefined, 0o644);
    const r = await env.cli(['status']);
    expect(r.stderr).not.toMatch(/chmod 600/);
    const w = await env.cli(['status'], { config: loose });
    expect(w.stderr).toMatch(/readable by group or others: chmod 600/);
    expect(w.stderr).toContain(loose);
    expectNoSecrets(env);
  });

  /** A config whose Redshift (or source) URL carries `password`, or points at a closed port. */
  async function variant(name: string, patch: (u: URL) => void, section: 'redshift' | 'source' = 'redshift'): Promise<string> {
    return env.writeConfig(name, (c) => {
      const u = new URL(c[section].url);
      patch(u);
      c[section].url = u.toString();
    });
  }
  const wrong = `Wrong-${Date.now().toString(36)}-pw`;

  it('wrong passwords and unreachable servers are reported (77 for the source, 69) without echoing any secret', async () => {
    const badSource = await variant('bad-source.json', (u) => (u.password = wrong), 'source');
    const denied = await env.cli(['status'], { config: badSource });
    expect(denied.status, denied.stderr).toBe(77);
    const badRedshift = await variant('bad-redshift.json', (u) => (u.password = wrong));
    const deniedRs = await env.cli(['init-etl', 'denied', '--domain', '77'], { config: badRedshift });
    expect(deniedRs.status).not.toBe(0);
    const port = await freePort();
    const down = await env.cli(['init-etl', 'down', '--domain', '78'], { config: await variant('unreachable.json', (u) => (u.port = String(port))) });
    expect(down.status, down.stderr).toBe(69);
    for (const r of [denied, deniedRs, down]) {
      expect(r.stdout + r.stderr).not.toContain(wrong);
      expect(r.stderr.length).toBeGreaterThan(0);
    }
    expectNoSecrets(env);
  });

  it('a wrong Redshift password exits 77 (permission denied), like a wrong source password', async () => {
    const r = await env.cli(['init-etl', 'denied', '--domain', '77'], { config: await variant('bad-redshift-2.json', (u) => (u.password = wrong)) });
    expect(r.status, r.stderr).toBe(77);
  });
});
