// Scenario 24 (docs/faults.md#scenario-24): windows that were already applied come round again because an
// operator reset the bus's watermark to where it started (a restore of the source database from
// a backup does the same). Each load's ledger row records the watermark it started from, so every
// one of them is recognised and fast-forwarded: no second apply, no duplicate in append tables,
// and the run rows say so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busRow, expectNoSecrets, expectOracle, ledgerRows, startFaultEnv, windowEnv, type FaultEnv } from './harness.js';

let env: FaultEnv;

beforeAll(async () => {
  env = await startFaultEnv();
});
afterAll(async () => {
  await env?.stop();
});

describe('scenario 24: replay of windows already applied', () => {
  it('fast-forwards over every committed load after the watermark is reset, applying nothing twice', async () => {
    const bus = await env.newBus('replayed');
    const start = await busRow(env, bus);
    const first = await env.cli(['poll', '--bus', bus.schema], { env: windowEnv(150) });
    expect(first.status, first.stderr).toBe(0);
    const loads = await ledgerRows(env, bus);
    expect(loads).toBeGreaterThan(1);
    await expectOracle(env, bus);
    const loaded = await env.t.source.query(`select count(*)::int as n from rsetl.run where bus_id = $1 and outcome = 'loaded'`, [bus.busId]);
    expect(loaded.rows[0].n).toBe(loads);
    const end = await busRow(env, bus);

    // The operator's reset: the bus back at its first watermark, due now.
    await env.t.source.query(`update rsetl.bus set window_time = $2, window_ids = $3, scheduled = now() where id = $1`, [
      bus.busId,
      start.window_time,
      start.window_ids,
    ]);
    // Even with other load sizes the loads start where the committed ones did: the ledger knows each start.
    const again = await env.cli(['poll', '--bus', bus.schema], { env: windowEnv(150) });
    expect(again.status, again.stderr).toBe(0);
    expect(await ledgerRows(env, bus)).toBe(loads);
    const runs = await env.t.source.query(`select outcome from rsetl.run where bus_id = $1 order by id`, [bus.busId]);
    const replayed = runs.rows.slice(loads).map((r) => r.outcome);
    expect(replayed).toEqual(Array.from({ length: loads }, () => 'already-loaded'));
    // Back at (or, after the caught-up read's lookback moved on with the clock, past) where it was.
    const after = await busRow(env, bus);
    expect(after.window_time.getTime()).toBeGreaterThanOrEqual(end.window_time.getTime());
    await expectOracle(env, bus);
    expectNoSecrets(env);
  });
});
