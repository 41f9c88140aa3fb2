// The randomized convergence property (issue 4 "Done when"; docs/faults.md#convergence): the same event
// history, loaded by real `rsetl poll` processes that are killed at random crash points or after a
// random delay, with random window sizes, always ends — after one final clean poll — in Redshift
// tables identical to a single clean load of that history into another schema. Seeded: the seed is
// printed on failure, and RSETL_FAULT_SEED=<n> replays a run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoEvent } from '../../src/demo/generator.js';
import { pollOnce } from '../../src/pipeline/poller.js';
import { baseStream, expectOracle, expectSameTables, ledgerRows, settled, startFaultEnv, windowEnv, type Bus, type FaultEnv } from './harness.js';

const ROUNDS = 5;
const seed = Number(process.env.RSETL_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: small, seedable, good enough to pick faults. */
function prng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CRASH_POINTS = ['after-stage', 'after-copy', 'after-lanes', 'before-commit', 'after-commit', 'after-advance'] as const;
const WINDOWS = [30, 60, 120, 250, 5000];

/**
 * Keep events that share one `time` (the demo stream clamps many to its end time), so load
 * boundaries fall inside such groups: the watermark must remember the group's first part.
 */
const KEEP_TIES = true;

/**
 * Processes of one round use different window sizes, so a fast-forward can meet a committed load
 * larger than its own extract (whose snapshot days come from the ledger).
 */
const VARY_WINDOW_IN_ROUND = true;

let env: FaultEnv;
const stream = untie(baseStream(21, 12));

function untie(events: DemoEvent[]): DemoEvent[] {
  if (KEEP_TIES) return events;
  let last = 0;
  return events.map((e) => {
    const ms = Math.max(e.time.getTime(), last + 1);
    last = ms;
    const time = new Date(ms);
    return { ...e, time, datajson: { ...(e.datajson as object), time: time.toISOString() } };
  });
}
let reference: Bus;

beforeAll(async () => {
  env = await startFaultEnv({ stream });
  reference = await env.newBus('reference');
  // The reference runs every COPY in the load's own transaction; the rounds use COPY lanes (the
  // default), so the two ways of loading are held to identical tables too.
  const sequential = { ...env.t.config, poll: { ...env.t.config.poll, copyConcurrency: 1 } };
  const [clean] = (await pollOnce(env.t.conn, sequential, { buses: [reference.schema] })).buses;
  expect(clean!.status).toBe('caught-up');
  expect(clean!.loads.filter((l) => l.outcome === 'loaded')).toHaveLength(1);
}, 60_000);
afterAll(async () => {
  await env?.stop();
});

describe('convergence under random crashes and window sizes', () => {
  it(`${ROUNDS} rounds end in tables identical to one clean load (seed ${seed})`, async () => {
    const random = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const log: string[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const bus = await env.newBus(`round_${round}`);
        const children = 2 + Math.floor(random() * 3);
        const roundWindow = pick(WINDOWS);
        const windowSize = () => (VARY_WINDOW_IN_ROUND ? pick(WINDOWS) : roundWindow);
        for (let i = 0; i < children; i++) {
          const window = windowSize();
          const fault = random() < 0.65 ? { crashAt: pick(CRASH_POINTS) } : { killAfterMs: 150 + Math.floor(random() * 1200) };
          log.push(`round ${round} child ${i}: window ${window}, ${'crashAt' in fault ? `RSETL_CRASH_AT=${fault.crashAt}` : `SIGKILL after ${fault.killAfterMs} ms`}`);
          await env.pump(bus);
          const run = env.spawn(['poll', '--bus', bus.schema], {
            env: { ...windowEnv(window), ...('crashAt' in fault ? { RSETL_CRASH_AT: fault.crashAt } : {}) },
          });
          const timer = 'killAfterMs' in fault ? setTimeout(() => run.child.kill('SIGKILL'), fault.killAfterMs) : undefined;
          const r = await run.done;
          clearTimeout(timer);
          // Killed, or done before the kill came: never a failure.
          expect(r.signal === 'SIGKILL' || r.status === 0, `${log.at(-1)}: exit ${r.status}\n${r.stderr}`).toBe(true);
          log[log.length - 1] += ` → ${r.signal ?? `exit ${r.status}`}, ${await ledgerRows(env, bus)} loads committed so far`;
          await settled(env, bus);
        }
        const limit = windowSize();
        await env.pump(bus);
        const [final] = (await pollOnce(env.t.conn, env.t.config, { buses: [bus.schema], limit })).buses;
        log.push(`round ${round} final clean poll: window ${limit} → ${final!.status}, ${final!.loads.map((l) => l.outcome).join(' ')}`);
        expect(final!.status).toBe('caught-up');
        await expectSameTables(env, reference.schema, bus.schema);
        const stages = await env.t.warehouse(`select tablename from pg_tables where schemaname = '${bus.schema}' and tablename like 'rsetl\\_stage\\_%'`);
        expect(stages, 'COPY lane stage tables left behind').toEqual([]);
        await expectOracle(env, bus);
      }
    } catch (e) {
      const err = e as Error;
      err.message = `convergence failed with seed ${seed} (replay: RSETL_FAULT_SEED=${seed})\n${log.join('\n')}\n${err.message}`;
      throw err;
    }
  }, 120_000);
});
