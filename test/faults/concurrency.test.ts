// Scenarios 13 and 15 (reliability.md §5.2; exit codes as the spec decides them): two `rsetl poll`
// processes at once, again and again — exactly one does the work, both exit 0 — and SIGTERM/SIGINT
// during a long poll: a stop at a safe point (the load in flight commits or rolls back), locks
// released, exit 143/130; a second signal forces the exit; the oracle holds after the next poll.
// Scenario 14 (lock holder killed) is in crash.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedshiftStandin } from '../../src/localstack/redshift-standin/index.js';
import {
  baseStream, busLocked, busRow, expectOracle, ledgerLocked, ledgerRows, pageView, startFaultEnv, typeOf, waitFor, windowEnv, type Bus, type FaultEnv,
} from './harness.js';

let env: FaultEnv;
let slow: RedshiftStandin;
let slowConfig: string;
const stream = baseStream(13);

beforeAll(async () => {
  env = await startFaultEnv({ stream });
  // Each COPY costs 150 ms on this stand-in: a load of 40 events takes a second or two.
  slow = await env.slowStandin({ copyMs: 150 });
  slowConfig = await env.writeConfig('slow.json', (c) => {
    const u = new URL(c.redshift.url);
    u.port = String(slow.port);
    c.redshift.url = u.toString();
  });
});
afterAll(async () => {
  await env?.stop();
});

interface Summary {
  buses: Array<{ schema: string; status: string; loads: Array<{ outcome: string; events: number }> }>;
  failing: unknown[];
}

describe('scenario 13: two polls at once', () => {
  it('exactly one does the work and both exit 0, ten times over; nothing is applied twice', async () => {
    const bus = await env.newBus('two_polls');
    const template = stream.find((e) => typeOf(e) === 'PageNavEvent')!;
    let workers = 0;
    for (let round = 0; round < 10; round++) {
      if (round > 0) await env.insert(bus, [pageView(template, new Date(Date.now() - 3_000)), pageView(template, new Date(Date.now() - 2_000))]);
      await env.pump(bus);
      const [a, b] = await Promise.all([0, 1].map(() => env.cli(['poll', '--bus', bus.schema, '--json'])));
      for (const r of [a!, b!]) expect(r.status, `round ${round}: ${r.stderr}`).toBe(0);
      const statuses = [a!, b!].map((r) => (JSON.parse(r.stdout) as Summary).buses[0]!);
      const working = statuses.filter((s) => s.loads.some((l) => l.outcome === 'loaded'));
      expect(working, `round ${round}: ${JSON.stringify(statuses.map((s) => s.status))}`).toHaveLength(1);
      const idle = statuses.find((s) => s !== working[0])!;
      expect(['locked', 'not-due']).toContain(idle.status);
      expect(idle.loads).toEqual([]);
      workers++;
    }
    expect(workers).toBe(10);
    expect(await ledgerRows(env, bus)).toBe(10);
    await expectOracle(env, bus);
  }, 120_000);
});

describe('scenario 15: stopped by a signal during a long poll', () => {
  /** Starts a slow poll of a new bus with windows of 40 events and waits until its first load committed. */
  async function slowPoll(name: string) {
    const bus = await env.newBus(name);
    const run = env.spawn(['poll', '--bus', bus.schema, '--json'], { config: slowConfig, env: windowEnv(40) });
    await waitFor('the first load to commit', async () => (await ledgerRows(env, bus)) > 0, 30_000);
    return { bus, run };
  }

  async function expectCleanStop(bus: Bus, r: { status: number | null; signal: string | null; stdout: string; stderr: string }, code: number): Promise<void> {
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(code);
    // A safe point: no transaction left open, the bus lock released, nothing recorded as a failure.
    expect(await ledgerLocked(env, bus)).toBe(false);
    expect(await busLocked(env, bus)).toBe(false);
    const b = await busRow(env, bus);
    expect(b.failure_count).toBe(0);
    // Stopped early: events are still pending, and the bus is due again for the next poll.
    const loads = await ledgerRows(env, bus);
    expect(loads).toBeGreaterThan(0);
    expect(loads).toBeLessThan(Math.ceil(stream.length / 40));
    expect(new Date(b.scheduled).getTime()).toBeLessThanOrEqual(Date.now());
    const summary = JSON.parse(r.stdout) as Summary;
    expect(summary.buses[0]!.status).toBe('more-pending');
  }

  async function thenRecovers(bus: Bus): Promise<void> {
    const again = await env.cli(['poll', '--bus', bus.schema]);
    expect(again.status, again.stderr).toBe(0);
    await expectOracle(env, bus);
  }

  it('SIGTERM: the load in flight finishes, then exit 143; the next poll completes the work', async () => {
    const { bus, run } = await slowPoll('sigterm');
    const sent = Date.now();
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.stderr).toContain('SIGTERM received');
    expect(Date.now() - sent).toBeLessThan(15_000);
    await expectCleanStop(bus, r, 143);
    await thenRecovers(bus);
  });

  it('SIGINT: the same, exit 130', async () => {
    const { bus, run } = await slowPoll('sigint');
    run.child.kill('SIGINT');
    const r = await run.done;
    await expectCleanStop(bus, r, 130);
    await thenRecovers(bus);
  });

  it('a second signal forces the exit at once, even mid-load; nothing is half-applied', async () => {
    const { bus, run } = await slowPoll('two_signals');
    // The second signal follows the moment the first is acknowledged, so it lands mid-load: with
    // a fixed pause, a load ending inside the pause let the process exit on its own and the second
    // signal hit its teardown, where Node no longer handles signals.
    let stderr = '';
    const acknowledged = new Promise<void>((resolve) =>
      run.child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('SIGTERM received')) resolve();
      }),
    );
    run.child.kill('SIGTERM');
    await acknowledged;
    const second = Date.now();
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(Date.now() - second).toBeLessThan(1_000);
    expect(r.status).toBe(143);
    await waitFor('a forced stop to roll back', async () => !(await ledgerLocked(env, bus)), 10_000);
    await waitFor('the bus lock to be released', async () => !(await busLocked(env, bus)), 10_000);
    await env.pump(bus);
    await thenRecovers(bus);
  });
});
