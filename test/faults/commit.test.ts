// Scenarios 3, 6, 7 and 8 (docs/faults.md#scenario-3, #scenario-6, #scenario-7, #scenario-8): the Redshift connection lost during COMMIT (both
// outcomes: COMMIT ran, or never arrived), reset in the middle of the load transaction, a server
// that stops answering (the statement deadline), and the serializable isolation error 1023 (and a
// deadlock). Faults come from the stand-in
// (`injectFault`) and from the TCP fault proxy between rsetl and the stand-in. These scenarios are
// about the load's own transaction, so its COPYs run in it (poll.copyConcurrency 1); the same
// faults in a COPY lane (docs/design.md#copy-lanes) are the last block.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, targetOf, type FaultProxy } from '../support/fault-proxy.js';
import { busRow, expectOracle, ledgerRows, settled, startFaultEnv, waitFor, windowEnv, type Bus, type CliResult, type FaultEnv } from './harness.js';

let env: FaultEnv;
let proxy: FaultProxy;
let proxied: string;
let lanes: string;
let lanesProxied: string;

/** The simple-query message of COMMIT, as pg sends it: 'Q', int32 length, the text, NUL. */
const COMMIT = /Q[\s\S]{4}COMMIT\x00/;

beforeAll(async () => {
  env = await startFaultEnv({ poll: { copyConcurrency: 1 } });
  proxy = await startFaultProxy({ target: targetOf(env.t.stack.redshiftUrl) });
  proxied = await env.writeConfig('proxied.json', (c) => (c.redshift.url = proxy.url(c.redshift.url)));
  lanes = await env.writeConfig('lanes.json', (c) => (c.poll.copyConcurrency = 4));
  lanesProxied = await env.writeConfig('lanes-proxied.json', (c) => {
    c.redshift.url = proxy.url(c.redshift.url);
    c.poll.copyConcurrency = 4;
  });
});
afterEach(() => {
  env.t.stack.standin.clearFaults();
  proxy.clearTriggers().passThrough();
});
afterAll(async () => {
  await proxy?.close();
  await env?.stop();
});

interface Summary {
  buses: Array<{ status: string; loads: Array<{ outcome: string }>; error?: { message: string; failureClass?: string } }>;
}
const summaryOf = (r: CliResult) => JSON.parse(r.stdout) as Summary;
const poll = (bus: Bus, config?: string, extra: Record<string, string> = {}) =>
  env.cli(['poll', '--bus', bus.schema, '--json'], { ...(config ? { config } : {}), env: { ...windowEnv(400), ...extra } });

/** The window committed although the client never heard: rsetl asks the ledger and goes on. */
async function expectResolvedAsCommitted(bus: Bus, r: CliResult): Promise<void> {
  expect(r.status, r.stderr + r.stdout).toBe(0);
  const s = summaryOf(r);
  expect(s.buses[0]!.status).toBe('caught-up');
  expect(s.buses[0]!.loads.map((l) => l.outcome)).not.toContain('already-loaded');
  await expectOracle(env, bus);
}

/** The window did not commit: the bus fails with a retry time, nothing is in Redshift; the next poll loads it once. */
async function expectFailedThenRecovers(bus: Bus, r: CliResult, failureClass: string | RegExp): Promise<Record<string, any>> {
  expect(r.status, r.stderr + r.stdout).toBe(1);
  const s = summaryOf(r);
  expect(s.buses[0]!.status, r.stdout).toBe('failed');
  await settled(env, bus);
  expect(await ledgerRows(env, bus), 'ledger rows after the failed poll').toBe(0);
  expect((await env.t.warehouse(`select count(*)::int as n from "${bus.schema}".pagenavevent`))[0]!.n, 'rows after the failed poll').toBe(0);
  const b = await busRow(env, bus);
  const row = JSON.stringify(b);
  expect(b.failure_count, row).toBe(1);
  expect(b.last_error.failureClass, row).toMatch(failureClass);
  // Retried later: interval (3600 s here) × 2^0, with jitter.
  expect(new Date(b.scheduled).getTime() - Date.now(), row).toBeGreaterThan(3000_000);
  await env.pump(bus);
  const again = await poll(bus);
  expect(again.status, again.stderr + again.stdout).toBe(0);
  await expectOracle(env, bus);
  return b;
}

describe('scenario 3: the connection is lost during COMMIT', () => {
  it('stand-in drops it AFTER running COMMIT: rsetl reads the ledger, counts the load as done, loads nothing twice', async () => {
    const bus = await env.newBus('commit_after');
    env.t.stack.standin.injectFault({ match: /^COMMIT/i, dropConnection: 'after' });
    await expectResolvedAsCommitted(bus, await poll(bus));
  });

  it('stand-in drops it BEFORE COMMIT reaches the server: the ledger says no, the bus retries later, then loads once', async () => {
    const bus = await env.newBus('commit_before');
    env.t.stack.standin.injectFault({ match: /^COMMIT/i, dropConnection: 'before' });
    const b = await expectFailedThenRecovers(bus, await poll(bus), /^transient$/);
    expect(b.last_error.message).toMatch(/did not commit/);
  });

  it('proxy resets the client right after COMMIT was sent (the server commits): resolved as committed', async () => {
    const bus = await env.newBus('proxy_commit_sent');
    proxy.onClientData(COMMIT, 'reset', { deliver: true });
    const r = await poll(bus, proxied);
    expect(proxy.stats.triggered).toBeGreaterThan(0);
    await expectResolvedAsCommitted(bus, r);
  });

  it('proxy resets the client instead of delivering COMMIT: rolled back, retried later, loaded once', async () => {
    const bus = await env.newBus('proxy_commit_lost');
    proxy.onClientData(COMMIT, 'reset', { deliver: false });
    await expectFailedThenRecovers(bus, await poll(bus, proxied), /^transient$/);
  });

  it('proxy blackholes the connection after COMMIT (a hang), then resets it: resolved as committed', async () => {
    const bus = await env.newBus('proxy_commit_hang');
    const before = proxy.stats.triggered;
    proxy.onClientData(COMMIT, 'blackhole', { deliver: true });
    const run = env.spawn(['poll', '--bus', bus.schema, '--json'], { config: proxied, env: windowEnv(400) });
    await proxy.fired(before + 1);
    // The server ran the COMMIT (its ledger row is there) and its answer went into the hole:
    // rsetl is still waiting for it.
    await waitFor('the blackholed COMMIT to commit on the server', async () => (await ledgerRows(env, bus)) > 0);
    expect(run.child.exitCode).toBeNull();
    proxy.reset();
    await expectResolvedAsCommitted(bus, await run.done);
  });
});

describe('scenario 7: Redshift stops answering', () => {
  /** rsetl through the proxy, waiting at most 2 s for any statement. */
  const deadline = () =>
    env.writeConfig('proxied-deadline.json', (c) => {
      c.redshift.url = proxy.url(c.redshift.url);
      c.redshift.statementTimeoutSeconds = 2;
    });

  it('hang during a COPY: the statement deadline fires, the connection is dropped (its locks with it), the bus retries later and loads once', async () => {
    const bus = await env.newBus('hang_copy');
    proxy.onClientData(/COPY "?pagenavevent/, 'blackhole', { deliver: true });
    const r = await poll(bus, await deadline());
    expect(proxy.stats.triggered).toBeGreaterThan(0);
    expect(r.ms).toBeLessThan(20_000);
    expect(summaryOf(r).buses[0]!.error?.message).toMatch(/Query read timeout/);
    // The retry's LOCK of the same tables would wait forever if the hung session still held them.
    await expectFailedThenRecovers(bus, r, 'transient');
  });

  it('hang after COMMIT was sent (the server committed): the deadline fires, the ledger says committed, nothing loads twice', async () => {
    const bus = await env.newBus('hang_commit');
    proxy.onClientData(COMMIT, 'blackhole', { deliver: true });
    const r = await poll(bus, await deadline());
    expect(proxy.stats.triggered).toBeGreaterThan(0);
    await expectResolvedAsCommitted(bus, r);
  });
});

describe('scenario 6: the Redshift connection is reset in the middle of the load transaction', () => {
  it('reset during a COPY: rolled back, no partial rows, classified transient, loaded once later', async () => {
    const bus = await env.newBus('reset_copy');
    proxy.onClientData(/COPY "?pagenavevent/, 'reset', { deliver: true });
    await expectFailedThenRecovers(bus, await poll(bus, proxied), 'transient');
  });

  it('closed after a few hundred bytes once the LOCK was sent (limit_data): rolled back, loaded once later', async () => {
    const bus = await env.newBus('limit_data');
    proxy.onClientData(/LOCK /, () => proxy.closeAfterBytes(300, { reset: true }));
    const r = await poll(bus, proxied);
    proxy.passThrough();
    await expectFailedThenRecovers(bus, r, 'transient');
  });
});

describe('scenario 8: serializable isolation violation (1023) and deadlock', () => {
  const e1023 = { code: 'XX000', message: '1023 Serializable isolation violation on table - 156789, transactions forming the cycle are: 7654, 7655 (pid:23410)' };

  it('1023 on a COPY: classified transient (by its message: SQLSTATE XX000 is generic), retried later, succeeds', async () => {
    const bus = await env.newBus('iso_copy');
    env.t.stack.standin.injectFault({ match: /^COPY/, error: e1023 });
    const r = await poll(bus);
    expect(r.stdout).toContain('1023');
    await expectFailedThenRecovers(bus, r, 'transient');
  });

  it('1023 at COMMIT: the same', async () => {
    const bus = await env.newBus('iso_commit');
    env.t.stack.standin.injectFault({ match: /^COMMIT/i, error: e1023 });
    await expectFailedThenRecovers(bus, await poll(bus), 'transient');
  });

  it('deadlock (40P01) on the LOCK: transient, retried later, succeeds', async () => {
    const bus = await env.newBus('deadlock');
    // The load's LOCK travels in its opening batch, `BEGIN;\nLOCK …` (src/warehouse/load.ts).
    env.t.stack.standin.injectFault({ match: /^BEGIN;\s*LOCK /, error: { code: '40P01', message: 'deadlock detected' } });
    await expectFailedThenRecovers(bus, await poll(bus), 'transient');
  });
});

describe('the same faults in a COPY lane', () => {
  const laneStages = async (bus: Bus) =>
    (await env.t.warehouse(`select count(*)::int as n from pg_tables where schemaname = $1 and tablename like 'rsetl\\_stage\\_%'`, [bus.schema]))[0]!.n as number;

  /** A lane failed: the load never began its transaction, every stage table is gone, the next poll loads once. */
  async function expectLaneFailure(bus: Bus, r: CliResult, failureClass: string | RegExp, statement: RegExp): Promise<void> {
    expect(summaryOf(r).buses[0]!.error?.message, r.stdout).toBeDefined();
    expect(JSON.stringify(summaryOf(r).buses[0]!.error), r.stdout).toMatch(statement);
    expect(await laneStages(bus), 'stage tables after the failed poll').toBe(0);
    await expectFailedThenRecovers(bus, r, failureClass);
    expect(await laneStages(bus), 'stage tables after the next poll').toBe(0);
  }

  it("a lane's connection dropped after its COMMIT ran (its stages committed): transient, nothing applied, the stages dropped, loaded once later", async () => {
    const bus = await env.newBus('lane_commit_after');
    // The first COMMIT of a load with lanes is a lane's: the load's own comes after every lane's.
    env.t.stack.standin.injectFault({ match: /^COMMIT/i, dropConnection: 'after' });
    await expectLaneFailure(bus, await poll(bus, lanes), 'transient', /"statement":"COMMIT"/);
  });

  it("reset during a lane's COPY: transient, nothing applied, no stage left, loaded once later", async () => {
    const bus = await env.newBus('lane_reset_copy');
    proxy.onClientData(/COPY "?rsetl_stage_b\d+_pagenavevent/, 'reset', { deliver: true });
    const r = await poll(bus, lanesProxied);
    expect(proxy.stats.triggered).toBeGreaterThan(0);
    await expectLaneFailure(bus, r, 'transient', /COPY/);
  });

  it("1023 on a lane's COPY: transient, the other lanes' stages dropped, loaded once later", async () => {
    const bus = await env.newBus('lane_iso_copy');
    env.t.stack.standin.injectFault({ match: /^COPY "?rsetl_stage_b\d+_pagenavevent/, error: { code: 'XX000', message: '1023 Serializable isolation violation on table - 156789' } });
    const r = await poll(bus, lanes);
    expect(r.stdout).toContain('1023');
    await expectLaneFailure(bus, r, 'transient', /COPY/);
  });
});
