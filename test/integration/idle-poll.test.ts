// An idle `rsetl poll` (the cron case: 40 buses, none due) costs the source at most three queries,
// whatever the number of buses, also with --bus and with failing buses to report. Counted in the
// real binary: a preloaded module wraps pg's Client.query (every statement rsetl sends goes
// through it, including COPY) and writes each query's database and text at exit. A count is
// deterministic, so it is asserted; the time an idle poll takes is a bench figure, not a test.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusStore } from '../../src/source/bus-store.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const BUSES = 40;
let t: TestStack;
let dir: string;
let hook: string;
let sourceDb: string;

// Plain JS, loaded with `node --import` before bin/rsetl: pg resolved from the repository, so it
// is the module instance the CLI uses.
const HOOK = `
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
const pg = createRequire(${JSON.stringify(pathToFileURL(join(process.cwd(), 'package.json')).href)})('pg');
const queries = [];
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  const text = typeof config === 'string' ? config : (config && config.text) || '(no text)';
  queries.push({ database: this.database ?? this.connectionParameters?.database, text });
  return query.call(this, config, ...rest);
};
process.on('exit', () => writeFileSync(process.env.IDLE_POLL_QUERIES, JSON.stringify(queries)));
`;

async function poll(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string; source: string[]; all: number }> {
  const out = join(dir, `queries-${Math.random().toString(36).slice(2)}.json`);
  const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', pathToFileURL(hook).href, 'bin/rsetl', 'poll', '--config', t.stack.configPath, ...args],
      { env: { ...process.env, NO_COLOR: '1', IDLE_POLL_QUERIES: out }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const e = error as (Error & { code?: number }) | null;
        resolve({ status: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr });
      },
    );
  });
  const queries = JSON.parse(await readFile(out, 'utf8')) as Array<{ database: string; text: string }>;
  return { ...r, source: queries.filter((q) => q.database === sourceDb).map((q) => q.text.replace(/\s+/g, ' ').trim()), all: queries.length };
}

beforeAll(async () => {
  t = await startTestStack();
  sourceDb = new URL(t.config.source.url).pathname.slice(1);
  dir = await mkdtemp(join(tmpdir(), 'rsetl-idle-poll-'));
  hook = join(dir, 'count-queries.mjs');
  await writeFile(hook, HOOK);
  const store = new BusStore(t.source, t.config.source.controlSchema);
  await store.ensureSchema();
  for (let i = 1; i <= BUSES; i++) {
    await store.createBus({ rootId: String(i), schemaName: `idle_${i}`, state: 'Active', maxEvents: 10_000, since: '2025-01-01 00:00:00' });
  }
  // None due: scheduled in an hour (a bus just polled), and two of them failing (backed off).
  await t.source.query(`update rsetl.bus set scheduled = now() + interval '1 hour'`);
  await t.source.query(`update rsetl.bus set failure_count = 2, last_error = '{"message":"boom"}' where schema_name in ('idle_3', 'idle_4')`);
});

afterAll(async () => {
  await t?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`idle rsetl poll with ${BUSES} buses, none due`, () => {
  it('sends at most three queries to the source, each one statement, and none to Redshift', async () => {
    const r = await poll(['--json']);
    expect(r.stderr).not.toMatch(/error/i);
    // Exit 1: two buses are failing, and the poll says so (their backoff has not run out).
    expect(r.status).toBe(1);
    const summary = JSON.parse(r.stdout) as { buses: unknown[]; failing: Array<{ schema: string }> };
    expect(summary.buses).toEqual([]);
    expect(summary.failing.map((f) => f.schema)).toEqual(['idle_3', 'idle_4']);
    expect(r.source.length, r.source.join('\n')).toBeLessThanOrEqual(3);
    for (const q of r.source) expect(q.replace(/;\s*$/, '')).not.toContain(';');
    // Nothing is due: no Redshift session at all.
    expect(r.all).toBe(r.source.length);
  });

  it('also with --bus naming two of them', async () => {
    const r = await poll(['--bus', 'idle_7', '--bus', '12']);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/bus \d+ \(idle_7\): not due/);
    expect(r.stdout + r.stderr).toMatch(/bus 12 \(idle_12\): not due/);
    expect(r.source.length, r.source.join('\n')).toBeLessThanOrEqual(3);
  });

  it('a due bus is still found among them (the count above is not a poll that looked at nothing)', async () => {
    await t.source.query(`update rsetl.bus set state = 'Paused' where schema_name <> 'idle_9'`);
    await t.source.query(`update rsetl.bus set scheduled = now() - interval '1 minute' where schema_name = 'idle_9'`);
    const r = await poll(['--json']);
    const summary = JSON.parse(r.stdout) as { buses: Array<{ schema: string; status: string }> };
    // idle_9 has no Redshift schema, so its load fails; what matters is that it was picked.
    expect(summary.buses.map((b) => b.schema)).toEqual(['idle_9']);
    await t.source.query(`update rsetl.bus set state = 'Active', scheduled = now() + interval '1 hour', failure_count = 0, blocked = false`);
  });
});
