// Scenarios 13 and 15 (docs/faults.md#scenario-13, #scenario-15; exit codes: docs/design.md#exit-codes): two `rsetl poll`
// processes at once, again and again — exactly one does the work, both exit 0 — and SIGTERM/SIGINT
// during a long poll: a stop at a safe point (the load in flight commits or rolls back), locks
// released, exit 143/130; a second signal forces the exit; the oracle holds after the next poll.
// Scenario 14 (lock holder killed) is in crash.test.ts. Then a poll racing the other writers of a
// bus schema: another bus's poll generating snapshot days or refreshing the materialized view in
// the same schema, and `rsetl upgrade-schema` — each ends as the same work done one after another.
// Everything runs twice, on a stand-in with Redshift's SERIALIZABLE isolation (provisioned
// clusters) and with its SNAPSHOT isolation (Serverless): rsetl's LOCK-first transactions must
// queue, never fail, under both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEtl } from '../../src/admin/init-etl.js';
import type { DemoEvent } from '../../src/demo/generator.js';
import type { RedshiftStandin, StandinIsolation } from '../../src/localstack/redshift-standin/index.js';
import { pollOnce } from '../../src/pipeline/poller.js';
import {
  baseStream, busLocked, busRow, expectNoSecrets, expectNothingLoaded, expectOracle, expectSameTables, ledgerLocked, ledgerRows, loadInRedshift, pageView, startFaultEnv,
  typeOf, waitFor, windowEnv, type Bus, type CliResult, type FaultEnv,
} from './harness.js';

const stream = baseStream(13);

interface Summary {
  buses: Array<{
    schema: string;
    status: string;
    loads: Array<{ outcome: string; events: number }>;
    after?: { mvRefreshed: boolean; snapshotDays: string[] };
  }>;
  failing: unknown[];
}

describe.each(['serializable', 'snapshot'] as const)('Redshift isolation %s', (isolation: StandinIsolation) => {
  let env: FaultEnv;
  let slow: RedshiftStandin;
  let slowConfig: string;

  beforeAll(async () => {
    env = await startFaultEnv({ stream, redshift: { isolation } });
    // Each COPY costs 150 ms on this stand-in: a load of 40 events takes a second or two.
    slow = await env.slowStandin({ copyMs: 150 });
    slowConfig = await env.configFor(slow, 'slow.json');
  });
  afterAll(async () => {
    await env?.stop();
  });

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
      // Each COPY of this stand-in takes 30 s: once the load is inside Redshift a COPY is running
      // (in a COPY lane, or in the load's transaction right after its LOCK), so the load cannot
      // commit, nor the process stop on its own after the first signal, for half a minute. An exit within seconds of the second signal is the forced one.
      const stalled = await env.slowStandin({ copyMs: 30_000 });
      const stalledConfig = await env.configFor(stalled, 'stalled.json');
      const bus = await env.newBus('two_signals');
      // Cut at 45 s (before the test's own timeout) should the second signal not force the exit.
      const run = env.spawn(['poll', '--bus', bus.schema, '--json'], { config: stalledConfig, env: windowEnv(40), timeoutMs: 45_000 });
      await waitFor('the load to be inside Redshift (a COPY lane or the load transaction)', () => loadInRedshift(env, bus), 30_000);
      // The second signal follows the moment the first is acknowledged: a signal before the
      // handler is installed, or after the work is done, would test something else.
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
      expect(r.signal, r.stderr).toBeNull();
      expect(r.status, r.stderr).toBe(143);
      // Forced, not waited out: the COPY in flight had most of its 30 s to go ...
      expect(Date.now() - second).toBeLessThan(10_000);
      // ... and it never finished: the load rolled back with the lost session, nothing of it applied.
      await waitFor('a forced stop to roll back', async () => !(await loadInRedshift(env, bus)), 20_000);
      await waitFor('the bus lock to be released', async () => !(await busLocked(env, bus)), 20_000);
      await expectNothingLoaded(env, bus);
      await env.pump(bus);
      await thenRecovers(bus);
      // Its own bounds (the waits above) sum past the default 60 s: a hang fails on the one that hung.
    }, 150_000);
  });

  describe('a poll racing the other writers of its schema', () => {
    let nextRoot = 900;

    /** A bus of its own domain in `schema`, which other buses may share (init-etl adopts the schema). */
    async function busIn(schema: string, events: DemoEvent[]): Promise<Bus> {
      const rootId = String(nextRoot++);
      const r = await initEtl(env.t.conn, env.t.config, { schema, rootId, since: '2000-01-01 00:00:00' });
      const bus = { schema, rootId, busId: r.bus.id };
      await env.insert(bus, events);
      return bus;
    }

    const loadsOf = async (bus: Bus) =>
      (await env.t.warehouse(`select count(*)::int as n from "${bus.schema}".rsetl_load where bus_id = $1`, [bus.busId]))[0]!.n as number;

    /** Two buses of the same events in one schema, polled one after the other: what a race must end as. */
    async function oneAfterTheOther(schema: string, events: DemoEvent[], prepare: (b: Bus) => Promise<void>): Promise<Bus[]> {
      const buses = [await busIn(schema, events), await busIn(schema, events)];
      for (const b of buses) await prepare(b);
      for (const b of buses) {
        const [r] = (await pollOnce(env.t.conn, env.t.config, { buses: [String(b.busId)] })).buses;
        expect(r!.status, JSON.stringify(r)).toBe('caught-up');
      }
      return buses;
    }

    /**
     * Two buses of the same events in one schema, polled at once by two processes: `loader` in
     * windows of 40 events on the slow stand-in, and, once the loader's first load committed,
     * `worker` loading everything at once and then doing its after-load work while the loader is
     * still loading the same tables.
     */
    async function race(schema: string, events: DemoEvent[], prepare: (b: Bus) => Promise<void>) {
      const [worker, loader] = [await busIn(schema, events), await busIn(schema, events)];
      for (const b of [worker, loader]) await prepare(b);
      const loading = env.spawn(['poll', '--bus', String(loader.busId), '--json'], { config: slowConfig, env: windowEnv(40) });
      await waitFor("the loader's first load", async () => (await loadsOf(loader)) > 0, 30_000);
      const worked = await env.cli(['poll', '--bus', String(worker.busId), '--json']);
      const overlapped = loading.child.exitCode === null && loading.child.signalCode === null;
      const loaded = await loading.done;
      expectSuccess(worked, 'the worker');
      expectSuccess(loaded, 'the loader');
      expect(overlapped, 'the loader was still loading when the worker had finished').toBe(true);
      const summary = (r: CliResult) => (JSON.parse(r.stdout) as Summary).buses[0]!;
      return { worker, loader, workerRun: summary(worked), loaderRun: summary(loaded) };
    }

    function expectSuccess(r: CliResult, who: string): void {
      expect(r.status, `${who} exited ${r.status}: ${r.stderr}\n${r.stdout}`).toBe(0);
    }

    async function expectHealthy(buses: Bus[]): Promise<void> {
      for (const b of buses) {
        const row = await busRow(env, b);
        expect(row.failure_count, `bus ${b.busId}: ${JSON.stringify(row.last_error)}`).toBe(0);
        expect(row.pending_snapshot_days, `bus ${b.busId}`).toEqual([]);
        expect(await loadsOf(b), `bus ${b.busId} loads`).toBeGreaterThan(0);
      }
      const [dupStates] = await env.t.warehouse(
        `select count(*)::int as n from (select bus_id, from_state from "${buses[0]!.schema}".rsetl_load group by 1, 2 having count(*) > 1) d`,
      );
      expect(dupStates!.n, 'a watermark loaded twice').toBe(0);
    }

    const markMvRefreshed = async (b: Bus) => {
      await env.t.source.query(`update rsetl.bus set last_mv_refresh = now() where id = $1`, [b.busId]);
    };

    it('poll vs snapshot days: one poll generates snapshot days while another loads the same schema', async () => {
      expect(stream.filter((e) => typeOf(e) === 'InstructorSnapshotDayCreateEvent1').length, 'the stream requests snapshot days').toBeGreaterThan(0);
      // Only the snapshot days are after-load work here: the materialized view counts as fresh.
      const reference = await oneAfterTheOther('days_ref', stream, markMvRefreshed);
      const r = await race('days_race', stream, markMvRefreshed);
      expect(r.workerRun.after?.snapshotDays.length, 'the worker generated snapshot days').toBeGreaterThan(0);
      expect(r.workerRun.after?.mvRefreshed).toBe(false);
      await expectHealthy([r.worker, r.loader]);
      await expectHealthy(reference);
      const [days] = await env.t.warehouse(`select count(*)::int as n from days_race.instructorsnapshotday`);
      expect(days!.n, 'instructorsnapshotday rows').toBeGreaterThan(0);
      await expectSameTables(env, 'days_ref', 'days_race');
      expectNoSecrets(env);
    }, 120_000);

    it('poll vs materialized view refresh: one poll refreshes timespent while another loads its base tables', async () => {
      // Only the refresh is after-load work here: no snapshot days are requested.
      const events = stream.filter((e) => typeOf(e) !== 'InstructorSnapshotDayCreateEvent1');
      expect(events.some((e) => typeOf(e) === 'TimeSpentEvent2'), 'the stream has time spent (the view\'s base)').toBe(true);
      const none = async () => undefined;
      const reference = await oneAfterTheOther('mv_ref', events, none);
      const r = await race('mv_race', events, none);
      expect(r.workerRun.after?.mvRefreshed, 'the worker refreshed the view').toBe(true);
      expect(r.loaderRun.after?.mvRefreshed, 'the loader refreshed it after its last load').toBe(true);
      await expectHealthy([r.worker, r.loader]);
      await expectHealthy(reference);
      await expectSameTables(env, 'mv_ref', 'mv_race');
      const [rows] = await env.t.warehouse(`select count(*)::int as n from mv_ref.timespent`);
      expect(rows!.n, 'timespent rows').toBeGreaterThan(0);
      const [diff] = await env.t.warehouse(
        `select count(*)::int as n from ((select * from mv_ref.timespent except all select * from mv_race.timespent)
           union all (select * from mv_race.timespent except all select * from mv_ref.timespent)) d`,
      );
      expect(diff!.n, 'timespent differs from the one-after-the-other refresh').toBe(0);
      expectNoSecrets(env);
    }, 120_000);

    it('poll vs upgrade-schema: a migration of the schema while a poll loads it; both finish, the migration once, every event once', async () => {
      const bus = await env.newBus('upgrade_race');
      const migration = "ALTER TABLE pagenavevent ADD COLUMN note VARCHAR(16);\nUPDATE section SET name = name WHERE id IS NOT NULL";
      const loading = env.spawn(['poll', '--bus', bus.schema, '--json'], { config: slowConfig, env: windowEnv(40) });
      await waitFor("the poll's first load", async () => (await ledgerRows(env, bus)) > 0, 30_000);
      const upgraded = await env.cli(['upgrade-schema', '--schema', bus.schema, '--sql', migration, '--json']);
      const overlapped = loading.child.exitCode === null && loading.child.signalCode === null;
      const loaded = await loading.done;
      expectSuccess(upgraded, 'upgrade-schema');
      expectSuccess(loaded, 'the poll');
      expect(overlapped, 'the poll was still loading when upgrade-schema had finished').toBe(true);
      expect(JSON.parse(upgraded.stdout).schemas).toEqual([
        expect.objectContaining({ schema: bus.schema, status: 'ok', applied: [expect.stringMatching(/^adhoc\/sql@/)] }),
      ]);
      const [column] = await env.t.warehouse(
        `select count(*)::int as n from information_schema.columns where table_schema = $1 and table_name = 'pagenavevent' and column_name = 'note'`,
        [bus.schema],
      );
      expect(column!.n).toBe(1);
      await expectOracle(env, bus);
    }, 120_000);
  });
});
