// Scenarios 1, 2 and 14 (docs/faults.md#scenario-1, #scenario-2, #scenario-14): a real `rsetl poll` killed with SIGKILL at each named
// crash point, and from outside during a slow COPY while it holds the bus lock. After the next
// clean poll the oracle holds: every event exactly once, state tables as the model, the ledger
// consistent, no secret in any output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  busLocked, busRow, expectOracle, windowEnv, loadInRedshift, ledgerRows, settled, startFaultEnv, waitFor, type Bus, type FaultEnv,
} from './harness.js';

let env: FaultEnv;

beforeAll(async () => {
  env = await startFaultEnv();
});
afterAll(async () => {
  await env?.stop();
});

const rowsIn = async (bus: Bus, table: string) => (await env.t.warehouse(`select count(*)::int as n from "${bus.schema}".${table}`))[0]!.n as number;
/** COPY lane stage tables (docs/design.md#copy-lanes) in the bus's schema. */
const laneStages = async (bus: Bus) =>
  (await env.t.warehouse(`select count(*)::int as n from pg_tables where schemaname = '${bus.schema}' and tablename like 'rsetl\\_stage\\_%'`))[0]!.n as number;
const staged = async (bus: Bus) => (await env.t.conn.objectStore().list(`redshift-transfer/${bus.schema}/`)).length;

/** The next clean poll: exit 0, and the oracle. */
async function recover(bus: Bus): Promise<string[]> {
  await env.pump(bus);
  const r = await env.cli(['poll', '--bus', bus.schema, '--json']);
  expect(r.status, r.stderr + r.stdout).toBe(0);
  const summary = JSON.parse(r.stdout) as { buses: Array<{ status: string; loads: Array<{ outcome: string }> }> };
  expect(summary.buses[0]!.status).toBe('caught-up');
  await expectOracle(env, bus);
  expect(await laneStages(bus), 'stage tables left behind').toBe(0);
  return summary.buses[0]!.loads.map((l) => l.outcome);
}

describe('scenario 1: killed inside the load transaction (after COPY, before COMMIT)', () => {
  for (const point of ['after-copy', 'after-lanes', 'before-commit'] as const) {
    it(`RSETL_CRASH_AT=${point}: the transaction rolls back; the next poll loads the window once`, async () => {
      const bus = await env.newBus(point.replace('-', '_'));
      const watermark = (await busRow(env, bus)).window_time;
      const killed = await env.cli(['poll', '--bus', bus.schema], { env: { RSETL_CRASH_AT: point, ...windowEnv(400) } });
      expect(killed.signal, JSON.stringify(killed)).toBe('SIGKILL');
      await settled(env, bus);
      expect(await ledgerRows(env, bus)).toBe(0);
      for (const table of ['section', 'usr', 'asset', 'pagenavevent', 'sessionevent']) expect(await rowsIn(bus, table), table).toBe(0);
      expect((await busRow(env, bus)).window_time).toEqual(watermark);
      // Killed between the lanes' commits and the load's own transaction: their stages are left
      // over (and nothing else); the next load of the bus drops them.
      if (point === 'after-lanes') expect(await laneStages(bus)).toBeGreaterThan(0);
      expect(await recover(bus)).toContain('loaded');
    });
  }

  it('SIGKILL from outside during a slow COPY (scenario 1), while it holds the bus lock: the next poll proceeds at once (scenario 14)', async () => {
    const bus = await env.newBus('slow_copy');
    const slow = await env.slowStandin({ copyMs: 5_000 });
    const slowConfig = await env.configFor(slow, 'slow.json');
    const run = env.spawn(['poll', '--bus', bus.schema], { config: slowConfig });
    await waitFor('the load to be inside Redshift (a COPY lane or the load transaction)', () => loadInRedshift(env, bus));
    expect(await busLocked(env, bus)).toBe(true);
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal, JSON.stringify(killed)).toBe('SIGKILL');
    // The session lock dies with the session; the Redshift transaction with its connection.
    await waitFor('the advisory lock to be released', async () => !(await busLocked(env, bus)), 5_000);
    await settled(env, bus);
    expect(await ledgerRows(env, bus)).toBe(0);
    expect(await rowsIn(bus, 'pagenavevent')).toBe(0);
    const t0 = Date.now();
    expect(await recover(bus)).toContain('loaded');
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});

describe('scenario 2 and neighbours: killed outside the load transaction', () => {
  it('after-stage: nothing reached Redshift; the staged files are orphans; the next poll loads once', async () => {
    const bus = await env.newBus('after_stage');
    const killed = await env.cli(['poll', '--bus', bus.schema], { env: { RSETL_CRASH_AT: 'after-stage' } });
    expect(killed.signal, JSON.stringify(killed)).toBe('SIGKILL');
    expect(await ledgerRows(env, bus)).toBe(0);
    expect(await staged(bus)).toBeGreaterThan(0);
    expect(await recover(bus)).toEqual(['loaded']);
  });

  it('after-commit: Redshift has the load, the source does not know; the next poll fast-forwards instead of loading again', async () => {
    const bus = await env.newBus('after_commit');
    const watermark = (await busRow(env, bus)).window_time;
    const killed = await env.cli(['poll', '--bus', bus.schema], { env: { RSETL_CRASH_AT: 'after-commit', ...windowEnv(300) } });
    expect(killed.signal, JSON.stringify(killed)).toBe('SIGKILL');
    expect(await ledgerRows(env, bus)).toBe(1);
    expect(await rowsIn(bus, 'pagenavevent')).toBeGreaterThan(0);
    expect((await busRow(env, bus)).window_time).toEqual(watermark);
    const outcomes = await recover(bus);
    expect(outcomes[0]).toBe('already-loaded');
    expect(outcomes).toContain('loaded');
    const runs = await env.t.source.query(`select outcome from rsetl.run where bus_id = $1 order by id`, [bus.busId]);
    expect(runs.rows[0].outcome).toBe('already-loaded');
  });

  // Regression: a fast-forward once recorded the snapshot days of its own (shorter) extract
  // instead of the committed load's; the ledger now carries them.
  it('after-commit, then smaller windows: the snapshot day the committed load requested is still generated', async () => {
    const bus = await env.newBus('after_commit_days');
    const killed = await env.cli(['poll', '--bus', bus.schema], { env: { RSETL_CRASH_AT: 'after-commit' } });
    expect(killed.signal, JSON.stringify(killed)).toBe('SIGKILL');
    await env.pump(bus);
    const r = await env.cli(['poll', '--bus', bus.schema], { env: windowEnv(20) });
    expect(r.status, r.stderr).toBe(0);
    await expectOracle(env, bus);
  });

  it('after-advance: loaded and recorded, only the staged files are left (for the retention sweep)', async () => {
    const bus = await env.newBus('after_advance');
    const killed = await env.cli(['poll', '--bus', bus.schema], { env: { RSETL_CRASH_AT: 'after-advance', ...windowEnv(300) } });
    expect(killed.signal, JSON.stringify(killed)).toBe('SIGKILL');
    expect(await ledgerRows(env, bus)).toBe(1);
    expect((await busRow(env, bus)).window_time).not.toEqual(new Date('2000-01-01T00:00:00Z'));
    expect(await staged(bus)).toBeGreaterThan(0);
    const outcomes = await recover(bus);
    expect(outcomes).not.toContain('already-loaded');
  });
});
