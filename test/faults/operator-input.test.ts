// What an operator types, read the way they meant it or refused before anything changes: times
// with their offsets, whole numbers in range, global options on either side of the command, and
// output to a pipe that closes early. Real `rsetl` processes against the local stack.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPgTimestamp } from '../../src/source/timestamps.js';
import { expectNoSecrets, startFaultEnv, type FaultEnv } from './harness.js';

let env: FaultEnv;
beforeAll(async () => {
  env = await startFaultEnv({ stream: [] });
});
afterAll(async () => {
  await env?.stop();
});

const busBySchema = async (schema: string) => (await env.t.source.query(`select id, window_time::text as wt, max_events from rsetl.bus where schema_name = $1`, [schema])).rows[0];
const schemaExists = async (schema: string) => (await env.t.warehouse(`select count(*)::int as n from pg_namespace where nspname = $1`, [schema]))[0]!.n === 1;

/** A time two days ago, written in a zone eight hours behind UTC: `2026-12-01T10:00:00-08:00`. */
function twoDaysAgoAt(offsetHours: number): { text: string; utc: string } {
  const utcMs = Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000;
  const local = new Date(utcMs + offsetHours * 3_600_000).toISOString().slice(0, 19);
  const sign = offsetHours < 0 ? '-' : '+';
  const hh = String(Math.abs(offsetHours)).padStart(2, '0');
  return { text: `${local}${sign}${hh}:00`, utc: formatPgTimestamp(utcMs * 1000).slice(0, 19) };
}

describe('timestamps a user types', () => {
  it('init-etl --since keeps the offset: -08:00 is eight hours later in UTC, not the same wall-clock time', async () => {
    const t = twoDaysAgoAt(-8);
    const r = await env.cli(['init-etl', 'since_offset', '--domain', '501', '--since', t.text]);
    expect(r.status, r.stderr).toBe(0);
    expect((await busBySchema('since_offset')).wt).toBe(t.utc);
    const plus = twoDaysAgoAt(5);
    expect((await env.cli(['init-etl', 'since_plus', '--domain', '502', '--since', plus.text])).status).toBe(0);
    expect((await busBySchema('since_plus')).wt).toBe(plus.utc);
  });

  it('a time without a zone is UTC, and the command says so', async () => {
    const t = twoDaysAgoAt(0);
    const bare = t.text.replace('+00:00', '');
    const r = await env.cli(['init-etl', 'since_bare', '--domain', '503', '--since', bare]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/no time zone: read as UTC/);
    expect((await busBySchema('since_bare')).wt).toBe(t.utc);
  });

  it('a time in the future is refused (64, nothing created) unless --allow-future', async () => {
    const future = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const r = await env.cli(['init-etl', 'since_future', '--domain', '504', '--since', future]);
    expect(r.status, r.stderr).toBe(64);
    expect(r.stderr).toMatch(/--since .* is in the future/);
    expect(await busBySchema('since_future')).toBeUndefined();
    expect(await schemaExists('since_future')).toBe(false);
    const allowed = await env.cli(['init-etl', 'since_future', '--domain', '504', '--since', future, '--allow-future']);
    expect(allowed.status, allowed.stderr).toBe(0);
  });

  it('refuses what is not a time: 64 naming the flag, nothing created', async () => {
    for (const bad of ['yesterday', '12/02/2026', '2026-02-30', '2026-12-02T25:00:00Z', '2026-12-02T10:00:00+15:00', '']) {
      const r = await env.cli(['init-etl', 'since_bad', '--domain', '505', '--since', bad]);
      expect(r.status, `${bad}: ${r.stderr}`).toBe(64);
      expect(r.stderr).toContain('--since');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await busBySchema('since_bad')).toBeUndefined();
  });
});

describe('numbers are whole, in range, or refused before anything changes', () => {
  const cases: Array<[string[], string]> = [
    [['init-etl', 'num_a', '--domain', '601', '--max-events', '1e3'], '--max-events'],
    [['init-etl', 'num_a', '--domain', '601', '--max-events', '0'], '--max-events'],
    [['init-etl', 'num_a', '--domain', '601', '--max-events', 'abc'], '--max-events'],
    [['init-etl', 'num_a', '--domain', '601', '--max-events', '2.5'], '--max-events'],
    [['init-etl', 'num_a', '--domain', '99999999999999999999'], '--domain'],
    [['init-etl', 'num_a', '--domain', '-1'], '--domain'],
    [['init-etl', 'num_a', '--domain', '0x10'], '--domain'],
    [['poll', '--max-seconds', '-5'], '--max-seconds'],
    [['poll', '--max-seconds', '0'], '--max-seconds'],
    [['demo', '--users', '-5'], '--users'],
    [['demo', '--sections', '1e9'], '--sections'],
    [['bus', 'set', 'num_a', '--interval', '2'], '--interval'],
  ];
  it.each(cases)('%j → 64 naming %s', async (args, flag) => {
    const r = await env.cli(args);
    expect(r.status, r.stderr).toBe(64);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await busBySchema('num_a')).toBeUndefined();
    expect(await schemaExists('num_a')).toBe(false);
  });

  it('a config value out of range is a configuration error (78) naming the key', async () => {
    const config = await env.writeConfig('bad-poll.json', (c) => (c.poll.maxEvents = '1e99'));
    const r = await env.cli(['status'], { config });
    expect(r.status, r.stderr).toBe(78);
    expect(r.stderr).toContain('poll.maxEvents');
    const byEnv = await env.cli(['status'], { env: { RSETL_POLL_INTERVALSECONDS: 'abc' } });
    expect(byEnv.status).toBe(78);
    expect(byEnv.stderr).toContain('poll.intervalSeconds');
  });
});

describe('global options, before or after the command', () => {
  it('--config and --json work on either side of the command name', async () => {
    for (const args of [
      ['--config', env.configPath, '--json', 'status'],
      ['status', '--config', env.configPath, '--json'],
      ['--json', 'status', '--config', env.configPath],
    ]) {
      const r = await env.cli(args, { config: null });
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(Array.isArray(JSON.parse(r.stdout).buses)).toBe(true);
    }
  });

  it('-q prints nothing on success; -v prints each statement with its time', async () => {
    const quiet = await env.cli(['-q', 'init-etl', 'opt_quiet', '--domain', '701']);
    expect(quiet.status, quiet.stderr).toBe(0);
    expect(quiet.stdout + quiet.stderr).toBe('');
    const verbose = await env.cli(['init-etl', 'opt_verbose', '--domain', '702', '-v']);
    expect(verbose.status, verbose.stderr).toBe(0);
    expect(verbose.stderr).toMatch(/^\s+\d+ ms {2}CREATE SCHEMA/m);
    expect(verbose.stderr).toMatch(/^\s+\d+ ms {2}CREATE TABLE/m);
    const both = await env.cli(['-q', '-v', 'status']);
    expect(both.status).toBe(64);
  });

  it('--help lists every exit code, 70 included', async () => {
    for (const args of [['--help'], ['poll', '--help'], ['bus', 'set', '--help']]) {
      const r = await env.cli(args, { config: null });
      expect(r.status).toBe(0);
      for (const code of ['0', '1', '64', '69', '70', '77', '78', '130', '143']) expect(r.stdout).toMatch(new RegExp(`^  ${code} `, 'm'));
    }
  });
  afterAll(() => expectNoSecrets(env));
});

describe('output to a pipe that closes early', () => {
  it('`rsetl doctor | head -1`: no crash, no stack trace, the exit code doctor would have had', async () => {
    const child = spawn(process.execPath, ['bin/rsetl', 'doctor', '--config', env.configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Read one line, then close our end of the pipe, as `head -1` does.
    await new Promise<void>((resolve) => createInterface({ input: child.stdout }).once('line', () => resolve()));
    child.stdout.destroy();
    const code = await exited;
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    const full = await env.cli(['doctor']);
    expect(code).toBe(full.status);
  });
});
