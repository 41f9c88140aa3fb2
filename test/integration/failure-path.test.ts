// A failing load: everything rolls back, the bus records the failure and backs off, the staged
// files stay for diagnosis, and the next successful poll clears it.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEtl } from '../../src/admin/init-etl.js';
import { generateDemoEvents } from '../../src/demo/generator.js';
import { insertOutboxEvents } from '../../src/demo/outbox.js';
import { pollOnce } from '../../src/pipeline/poller.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let t: TestStack;
let busId: number;

function cliStatus(args: string[]): Promise<number | null> {
  return new Promise((resolve) =>
    execFile(process.execPath, ['bin/rsetl', ...args], (e) => resolve(e ? ((e as { code?: number }).code ?? null) : 0)),
  );
}

beforeAll(async () => {
  // A long interval keeps the failed bus not-due while the CLI checks run.
  t = await startTestStack((c) => (c.poll.intervalSeconds = 600));
  busId = (await initEtl(t.conn, t.config, { schema: 'failing', rootId: '1', since: '2000-01-01 00:00:00' })).bus.id;
  const end = new Date(Date.now() - 10 * 60_000);
  await insertOutboxEvents(t.source, generateDemoEvents({ start: new Date(end.getTime() - 3600_000), end, users: 20, sections: 2 }), {});
});
afterAll(async () => {
  await t?.stop();
});

describe('a load that fails in Redshift', () => {
  it('rolls back completely, keeps the staged files, and blocks the bus (a data error waits for a person)', async () => {
    t.stack.standin.injectFault({ match: /^COPY "(?:rsetl_stage_b\d+_)?pagenavevent"/, error: { code: 'XX000', message: 'Load into table \'pagenavevent\' failed.  Check \'stl_load_errors\' system table for details.' } });
    const summary = await pollOnce(t.conn, t.config);
    const outcome = summary.buses[0]!;
    expect(outcome.status).toBe('failed');
    expect(summary.failing).toEqual([expect.objectContaining({ busId, schema: 'failing', failureCount: 1, blocked: true })]);

    // Nothing of the load is in Redshift: not the tables loaded before the failing COPY, not the ledger.
    for (const table of ['section', 'usr', 'enrollment', 'rsetl_load']) {
      expect((await t.warehouse(`select count(*)::int as n from failing.${table}`))[0]!.n).toBe(0);
    }
    const bus = (await (await t.conn.control()).buses.getBus(busId))!;
    expect(bus.failureCount).toBe(1);
    expect(bus.windowTime).toBe('2000-01-01 00:00:00');
    expect(bus.lastError).toMatchObject({ kind: 'warehouse', failureClass: 'data' });
    const staged = String((bus.lastError!.context as Record<string, unknown>).stagedPrefix);
    expect(staged).toMatch(/^redshift-transfer\/failing\/.+\/$/);
    const kept = await t.conn.objectStore().list(staged);
    expect(kept.map((o) => o.key)).toEqual(expect.arrayContaining([`${staged}pagenavevent.manifest`]));
    // A rejected row fails the same way on every retry: no backoff schedule, the bus waits for
    // `rsetl unblock` (transient failures back off: test/faults/commit.test.ts, concurrency.test.ts).
    expect(bus.blocked).toBe(true);
    expect(outcome.status === 'failed' && outcome.retryInSeconds).toBeNull();

    const runs = await t.source.query(`select outcome, started_at, finished_at from rsetl.run where bus_id = $1`, [busId]);
    expect(runs.rows.map((r) => r.outcome)).toEqual(['failed']);
    // The failed attempt's real span: it staged files and ran a transaction before failing.
    expect(runs.rows[0].finished_at.getTime()).toBeGreaterThan(runs.rows[0].started_at.getTime());
  });

  it('makes `rsetl poll` and `rsetl status` exit 1 while the bus is failing', async () => {
    expect(await cliStatus(['poll', '--config', t.stack.configPath])).toBe(1);
    expect(await cliStatus(['status', '--config', t.stack.configPath])).toBe(1);
  });

  it('loads everything once the cause is gone, and clears the failure', async () => {
    const { buses } = await t.conn.control();
    await buses.setState(busId, 'Active', { scheduleNow: true });
    const summary = await pollOnce(t.conn, t.config);
    expect(summary.buses[0]!.status).toBe('caught-up');
    expect(summary.failing).toEqual([]);
    expect((await buses.getBus(busId))!.failureCount).toBe(0);
    expect((await t.warehouse(`select count(*)::int as n from failing.rsetl_load`))[0]!.n).toBe(1);
    expect(await cliStatus(['status', '--config', t.stack.configPath])).toBe(0);
  });
});

describe('poll.maxFailures', () => {
  it('pauses a bus after that many consecutive failures instead of retrying forever', async () => {
    const { buses } = await t.conn.control();
    const more = new Date(Date.now() - 5 * 60_000);
    await insertOutboxEvents(t.source, generateDemoEvents({ start: new Date(more.getTime() - 60_000), end: more, users: 5, sections: 1, seed: 3 }), { firstId: 90_000_000 });
    await buses.setState(busId, 'Active', { scheduleNow: true });
    t.stack.standin.injectFault({ match: /^COPY/, error: { code: 'XX000', message: 'Load into table failed (injected)' }, times: 2 });
    // One COPY at a time (no lanes), so each poll meets exactly one of the two injected failures.
    const strict = { ...t.config, poll: { ...t.config.poll, maxFailures: 2, copyConcurrency: 1 } };
    const first = await pollOnce(t.conn, strict, { ignoreSchedule: true });
    expect(first.buses[0]).toMatchObject({ status: 'failed', paused: false });
    const second = await pollOnce(t.conn, strict, { buses: ['failing'], ignoreSchedule: true });
    expect(second.buses[0]).toMatchObject({ status: 'failed', paused: true });
    expect((await buses.getBus(busId))!.state).toBe('Paused');
    // A paused bus is not polled until a person resumes it.
    expect((await pollOnce(t.conn, strict)).buses).toEqual([]);
    t.stack.standin.clearFaults();
    await buses.setState(busId, 'Active', { resetFailures: true, scheduleNow: true });
    expect((await pollOnce(t.conn, strict)).buses[0]!.status).toBe('caught-up');
  });
});
