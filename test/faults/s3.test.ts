// Scenario 4 (docs/faults.md#scenario-4): the S3 upload fails in the middle of a load. The fault proxy
// sits in front of the S3 server (the stand-in reads S3 directly, so only rsetl's own requests
// cross it): the first staged file goes through, then every connection is reset. Nothing reaches
// Redshift, the bus is blocked with a retry time, and once S3 is back the next poll loads it once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, targetOf, type FaultProxy } from '../support/fault-proxy.js';
import { busRow, expectNoSecrets, expectNothingLoaded, expectOracle, startFaultEnv, type FaultEnv } from './harness.js';

let env: FaultEnv;
let proxy: FaultProxy;
let proxied: string;

beforeAll(async () => {
  env = await startFaultEnv();
  proxy = await startFaultProxy({ target: targetOf(env.t.stack.s3Endpoint) });
  proxied = await env.writeConfig('s3-proxied.json', (c) => (c.s3.endpoint = proxy.endpoint));
});
afterAll(async () => {
  await proxy?.close();
  await env?.stop();
});

describe('scenario 4: S3 fails in the middle of staging', () => {
  it('blocks the bus with a retry time and leaves Redshift untouched; loads once when S3 is back', async () => {
    const bus = await env.newBus('s3_fails');
    // The second object PUT (of the staged tables) and everything after it: RST.
    proxy.onClientData(/PUT \/rsetl-local\/redshift-transfer\//, () => proxy.reset({ persist: true }), { skip: 1, deliver: false });
    const r = await env.cli(['poll', '--bus', bus.schema, '--json'], { config: proxied });
    expect(r.status, r.stderr + r.stdout).toBe(1);
    expect(proxy.stats.triggered).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary.buses[0].status).toBe('failed');
    expect(summary.buses[0].error.message).toMatch(/upload of s3:\/\/[^ ]+ failed/);

    await expectNothingLoaded(env, bus);
    const b = await busRow(env, bus);
    expect(b.failure_count).toBe(1);
    expect(b.window_time).toEqual(new Date('2000-01-01T00:00:00Z'));
    expect(b.last_error).toMatchObject({ kind: 'stage' });
    expect(new Date(b.scheduled).getTime() - Date.now()).toBeGreaterThan(3000_000);
    const runs = await env.t.source.query(`select outcome from rsetl.run where bus_id = $1`, [bus.busId]);
    expect(runs.rows.map((x) => x.outcome)).toEqual(['failed']);

    // S3 comes back; the bus is retried (pumped here instead of waiting an hour).
    proxy.clearTriggers().passThrough();
    await env.pump(bus);
    const again = await env.cli(['poll', '--bus', bus.schema], { config: proxied });
    expect(again.status, again.stderr).toBe(0);
    await expectOracle(env, bus);
    expectNoSecrets(env);
  });
});
