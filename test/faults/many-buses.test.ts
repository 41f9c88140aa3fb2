// Many buses in one `rsetl poll` (poll.concurrency / --concurrency): due buses load side by side,
// each under its own lock and sessions, oldest lag first. Every bus still loads exactly once (the
// oracle, per bus); no more loads are in flight than the limit (read from the run log's
// started_at/finished_at); a failing bus leaves the others alone; --max-seconds and SIGTERM start
// no new bus and let the loads in flight finish; a bad --concurrency is a usage error.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoEvents } from '../../src/demo/generator.js';
import type { RedshiftStandin } from '../../src/localstack/redshift-standin/index.js';
import type { LoadProgress } from '../../src/pipeline/load-progress.js';
import { pollOnce } from '../../src/pipeline/poller.js';
import { WINDOW_PAGE_SIZE } from '../../src/source/outbox.js';
import {
  baseStream, busLocked, busRow, expectNoSecrets, expectOracle, ledgerLocked, ledgerRows, pageView, startFaultEnv, typeOf, waitFor, windowEnv,
  type Bus, type CliResult, type FaultEnv,
} from './harness.js';

const stream = baseStream(16, 6);

interface Summary {
  buses: Array<{ busId: number; schema: string; status: string; loads: Array<{ outcome: string; events: number }>; blocked?: boolean }>;
}

let env: FaultEnv;
let slow: RedshiftStandin;
let slowConfig: string;

beforeAll(async () => {
  env = await startFaultEnv({ stream, redshift: { isolation: 'serializable' } });
  // Each COPY costs 100 ms on this stand-in: a bus's loads take seconds, so buses overlap.
  slow = await env.slowStandin({ copyMs: 100 });
  slowConfig = await env.configFor(slow, 'slow.json');
});
afterAll(async () => {
  await env?.stop();
});

/** New buses `prefix0…`; bus i's watermark is `lagOrder[i]` days after 2000-01-01 (smaller: older, more lag). */
async function busesWithLag(prefix: string, lagOrder: number[]): Promise<Bus[]> {
  const buses: Bus[] = [];
  for (const [i, day] of lagOrder.entries()) {
    const bus = await env.newBus(`${prefix}${i}`);
    await env.t.source.query(`update rsetl.bus set window_time = timestamp '2000-01-01' + make_interval(days => $2) where id = $1`, [bus.busId, day]);
    buses.push(bus);
  }
  return buses;
}

/** The buses by watermark, oldest first: the order a poll starts them in. */
const byLag = (buses: Bus[], lagOrder: number[]) => buses.map((b, i) => ({ b, day: lagOrder[i]! })).sort((x, y) => x.day - y.day).map((x) => x.b);

interface RunRow {
  bus_id: number;
  started_at: Date;
  finished_at: Date;
  outcome: string;
}

async function runRows(buses: Bus[]): Promise<RunRow[]> {
  const r = await env.t.source.query<RunRow>(
    `select bus_id, started_at, finished_at, outcome from rsetl.run where bus_id = any($1::int[]) order by started_at`,
    [buses.map((b) => b.busId)],
  );
  return r.rows;
}

/** The most run-log intervals open at one instant. */
function maxInFlight(rows: RunRow[]): number {
  const edges = rows.flatMap((r) => [
    { t: r.started_at.getTime(), d: 1 },
    { t: r.finished_at.getTime(), d: -1 },
  ]);
  // At equal times an end comes before a start: back-to-back loads of one bus do not overlap.
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (open += e.d));
  return max;
}

const summaryOf = (r: CliResult) => JSON.parse(r.stdout) as Summary;
const refs = (buses: Bus[]) => ['--bus', ...buses.map((b) => b.schema)];

describe('a poll with --concurrency', () => {
  it('6 buses at concurrency 3: each loads exactly once, at most 3 loads at a time, oldest lag first', async () => {
    const lag = [4, 2, 6, 1, 5, 3];
    const buses = await busesWithLag('six_', lag);
    const order = byLag(buses, lag);
    const r = await env.cli(['poll', ...refs(buses), '--concurrency', '3', '--json'], { config: slowConfig, env: windowEnv(100) });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const summary = summaryOf(r);
    // Outcomes in start order, which is the lag order.
    expect(summary.buses.map((b) => b.schema)).toEqual(order.map((b) => b.schema));
    for (const b of summary.buses) expect(b.status, b.schema).toBe('caught-up');
    for (const b of buses) await expectOracle(env, b);

    const rows = (await runRows(buses)).filter((x) => x.outcome !== 'failed');
    for (const b of buses) expect(rows.filter((x) => x.bus_id === b.busId).length, b.schema).toBeGreaterThan(1);
    const inFlight = maxInFlight(rows);
    expect(inFlight).toBeLessThanOrEqual(3);
    expect(inFlight, 'buses loaded side by side').toBeGreaterThanOrEqual(2);
    // The three oldest-lag buses started first (together), and the other three only once one of them was done.
    const first = (b: Bus) => Math.min(...rows.filter((x) => x.bus_id === b.busId).map((x) => x.started_at.getTime()));
    const last = (b: Bus) => Math.max(...rows.filter((x) => x.bus_id === b.busId).map((x) => x.finished_at.getTime()));
    const startedFirst = [...buses].sort((x, y) => first(x) - first(y)).slice(0, 3);
    expect(startedFirst.map((b) => b.schema).sort()).toEqual(order.slice(0, 3).map((b) => b.schema).sort());
    const firstDone = Math.min(...order.slice(0, 3).map(last));
    for (const b of order.slice(3)) expect(first(b), b.schema).toBeGreaterThanOrEqual(firstDone);
  }, 180_000);

  it('--max-seconds: no bus starts after the budget is spent; the two in flight stop after their load', async () => {
    const lag = [3, 1, 4, 2];
    const buses = await busesWithLag('budget_', lag);
    const order = byLag(buses, lag);
    const r = await env.cli(['poll', ...refs(buses), '--concurrency', '2', '--max-seconds', '1', '--json'], { config: slowConfig, env: windowEnv(40) });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const summary = summaryOf(r);
    expect(summary.buses.map((b) => b.schema)).toEqual(order.slice(0, 2).map((b) => b.schema));
    for (const b of summary.buses) expect(b.status).toBe('more-pending');
    for (const b of order.slice(2)) {
      expect(await ledgerRows(env, b), `${b.schema} never started`).toBe(0);
      expect(await runRows([b])).toEqual([]);
    }
    // The next polls finish the work.
    for (let i = 0; i < 10; i++) {
      const again = await env.cli(['poll', ...refs(buses), '--concurrency', '4', '--json'], { env: windowEnv(40) });
      expect(again.status, again.stderr).toBe(0);
      if (summaryOf(again).buses.every((b) => b.status === 'caught-up' || b.status === 'not-due')) break;
    }
    for (const b of buses) await expectOracle(env, b);
  }, 180_000);

  it('SIGTERM during a concurrent poll: the loads in flight finish, no bus starts, exit 143, nothing half-applied', async () => {
    const lag = [1, 2, 3, 4];
    const buses = await busesWithLag('sigterm_', lag);
    const run = env.spawn(['poll', ...refs(buses), '--concurrency', '3', '--json'], { config: slowConfig, env: windowEnv(40) });
    // Three buses in flight: each has committed a load.
    await waitFor('three buses to commit a load', async () => {
      for (const b of buses.slice(0, 3)) if ((await ledgerRows(env, b)) === 0) return false;
      return true;
    }, 60_000);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(143);
    expect(r.stderr).toContain('SIGTERM received');
    const summary = summaryOf(r);
    expect(summary.buses.map((b) => b.schema)).toEqual(buses.slice(0, 3).map((b) => b.schema));
    for (const b of summary.buses) expect(['more-pending', 'caught-up']).toContain(b.status);
    expect(await ledgerRows(env, buses[3]!), 'the fourth bus never started').toBe(0);
    for (const b of buses) {
      expect(await ledgerLocked(env, b), b.schema).toBe(false);
      expect(await busLocked(env, b), b.schema).toBe(false);
      expect((await busRow(env, b)).failure_count, b.schema).toBe(0);
    }
    // Every committed load is whole (the ledger's events are in the tables); the next poll completes them all.
    const again = await env.cli(['poll', ...refs(buses), '--concurrency', '4']);
    expect(again.status, again.stderr).toBe(0);
    for (const b of buses) await expectOracle(env, b);
  }, 180_000);

  // Last: a blocked bus makes every later poll exit 1 (poll reports every failing bus).
  it('a failing bus among them does not stop the others', async () => {
    const lag = [1, 2, 3, 4];
    const buses = await busesWithLag('mixed_', lag);
    // The second bus to start meets an event without its required url halfway through its stream.
    const poisoned = buses[1]!;
    const middle = new Date((stream[0]!.time.getTime() + stream.at(-1)!.time.getTime()) / 2);
    const noUrl = pageView(stream.find((e) => typeOf(e) === 'PageNavEvent')!, middle);
    delete (noUrl.datajson as Record<string, unknown>).url;
    await env.insert(poisoned, [noUrl]);
    const r = await env.cli(['poll', ...refs(buses), '--concurrency', '3', '--json'], { config: slowConfig, env: windowEnv(100) });
    expect(r.status, r.stderr + r.stdout).toBe(1);
    const summary = summaryOf(r);
    expect(summary.buses.map((b) => b.schema)).toEqual(buses.map((b) => b.schema));
    expect(Object.fromEntries(summary.buses.map((b) => [b.schema, b.status]))).toEqual({
      mixed_0: 'caught-up', mixed_1: 'failed', mixed_2: 'caught-up', mixed_3: 'caught-up',
    });
    expect(summary.buses[1]!.blocked).toBe(true);
    for (const b of buses) if (b !== poisoned) await expectOracle(env, b);
    const row = await busRow(env, poisoned);
    expect(row.blocked).toBe(true);
    expect(String(row.last_error.message)).toContain(noUrl.guid);
    expect(await ledgerLocked(env, poisoned)).toBe(false);
    expect(await busLocked(env, poisoned)).toBe(false);
    // What it loaded before the poison committed whole; the rest waits behind it.
    const [loadedEvents] = await env.t.warehouse(`select coalesce(sum(events), 0)::int as n from "${poisoned.schema}".rsetl_load`);
    expect(loadedEvents!.n).toBeGreaterThan(0);
    expect(loadedEvents!.n).toBeLessThan(stream.length);
  }, 180_000);

  it('the schedule is fixed-rate: the next load is due an interval after this one began, not after it ended', async () => {
    const [bus] = await busesWithLag('fixed_rate', [0]);
    // (Its exit status also reports the bus an earlier test left blocked: the run row is what counts.)
    const r = await env.cli(['poll', '--bus', bus!.schema], { config: slowConfig });
    const [run] = await runRows([bus!]);
    expect(run?.outcome, r.stderr).toBe('loaded');
    const row = await busRow(env, bus!);
    const interval = 1000 * Number(row.interval_seconds ?? JSON.parse(readFileSync(slowConfig, 'utf8')).poll?.intervalSeconds ?? 240);
    const took = run!.finished_at.getTime() - run!.started_at.getTime();
    // Slow COPYs make the load long enough to tell the two rules apart.
    expect(took).toBeGreaterThan(1000);
    const due = (row.scheduled as Date).getTime();
    expect(Math.abs(due - (run!.started_at.getTime() + interval))).toBeLessThan(500);
    expect(due).toBeLessThan(run!.finished_at.getTime() + interval - took / 2);
  }, 60_000);

  it('windows longer than a page are read one bus at a time; the others wait with one page read', async () => {
    // Three source pages per bus (WINDOW_PAGE_SIZE 5,000): each load's reading beyond its first
    // page must not interleave with another's (pipeline/read-turns.ts), while their loads overlap.
    const end = new Date(Date.now() - 10 * 60_000);
    const big = [...generateDemoEvents({ start: new Date(end.getTime() - 2 * 3600_000), end, users: 250, sections: 2, seed: 7 })];
    expect(big.length).toBeGreaterThan(2 * WINDOW_PAGE_SIZE);
    const buses = [await env.newBus('turns_a', big), await env.newBus('turns_b', big)];
    const seen: LoadProgress[] = [];
    const summary = await pollOnce(env.t.conn, env.t.config, {
      buses: buses.map((b) => b.schema),
      concurrency: 2,
      onProgress: (p) => seen.push({ ...p }),
    });
    for (const b of summary.buses) expect(b.status, JSON.stringify(b)).toBe('caught-up');
    // Progress past a first page, in the order reported: one bus's run, then the other's.
    const beyond = seen.filter((p) => (p.stage === 'reading' || p.stage === 'staging') && p.events > WINDOW_PAGE_SIZE).map((p) => p.busId);
    const runs = beyond.filter((id, i) => i === 0 || beyond[i - 1] !== id);
    expect(runs, JSON.stringify(seen.map((p) => [p.busId, p.stage, p.events]))).toHaveLength(2);
    // The second bus said it was waiting, after its first page.
    const waited = seen.filter((p) => p.stage === 'waiting');
    expect(waited.map((p) => [p.busId, p.events])).toEqual([[runs[1], WINDOW_PAGE_SIZE]]);
    // Both loads were in flight at once: the turn is only for reading.
    expect(maxInFlight(await runRows(buses))).toBe(2);
    for (const b of buses) await expectOracle(env, b);
  }, 120_000);

  it('a stop while buses wait for their read turn: the reading bus commits, the waiting ones give their load up', async () => {
    const end = new Date(Date.now() - 10 * 60_000);
    const big = [...generateDemoEvents({ start: new Date(end.getTime() - 2 * 3600_000), end, users: 250, sections: 2, seed: 8 })];
    const buses = [await env.newBus('giveup_a', big), await env.newBus('giveup_b', big), await env.newBus('giveup_c', big)];
    // The stop comes the moment a bus starts waiting (what SIGTERM does through the CLI's shouldStop).
    let stop = false;
    const first = await pollOnce(env.t.conn, env.t.config, {
      buses: buses.map((b) => b.schema),
      concurrency: 3,
      shouldStop: () => stop,
      onProgress: (p) => {
        if (p.stage === 'waiting') stop = true;
      },
    });
    expect(stop).toBe(true);
    const byStatus = (status: string) => first.buses.filter((b) => b.status === status);
    // One bus held the turn: its load finishes and commits, as loads in flight do on a stop.
    expect(byStatus('caught-up'), JSON.stringify(first.buses)).toHaveLength(1);
    const reader = buses.find((b) => b.busId === byStatus('caught-up')[0]!.busId)!;
    expect(await ledgerRows(env, reader)).toBe(1);
    await expectOracle(env, reader);
    // The others had read one page: no load, no run row, nothing in Redshift or S3, and due again at once.
    const waiting = buses.filter((b) => b !== reader);
    expect(byStatus('more-pending').map((b) => b.busId).sort()).toEqual(waiting.map((b) => b.busId).sort());
    for (const b of byStatus('more-pending')) expect(b.loads).toEqual([]);
    expect(await runRows(waiting)).toEqual([]);
    for (const b of waiting) {
      expect(await ledgerRows(env, b)).toBe(0);
      // Their staged files were aborted, not left for the retention sweep.
      expect(await env.t.conn.objectStore().list(`redshift-transfer/${b.schema}/`)).toEqual([]);
      expect(((await busRow(env, b)).scheduled as Date).getTime()).toBeLessThanOrEqual(Date.now());
    }
    // The next poll loads them, exactly once.
    const next = await pollOnce(env.t.conn, env.t.config, { buses: waiting.map((b) => b.schema), concurrency: 3 });
    for (const b of next.buses) expect(b.status, JSON.stringify(b)).toBe('caught-up');
    for (const b of buses) await expectOracle(env, b);
  }, 120_000);

  it('--concurrency 0, 65 or abc is a usage error (64) that changes nothing', async () => {
    for (const value of ['0', '65', 'abc', '2.5']) {
      const r = await env.cli(['poll', '--concurrency', value]);
      expect(r.status, `${value}: ${r.stderr}`).toBe(64);
      expect(r.stderr).toContain('--concurrency');
    }
    expectNoSecrets(env);
  });
});
