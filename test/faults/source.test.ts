// Scenarios 16, 17 and 18 (docs/faults.md#scenario-16, #scenario-17, #scenario-18): on the source side, an outbox transaction that
// commits late (its rows' time is older than rows already delivered, within the lookback) is loaded
// by the next poll, not skipped; transactions left open for long (here or in another database of
// the cluster) hold nothing back; rolled-back transactions leave holes in the ids and nothing
// waits on them.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOutboxEvents } from '../../src/demo/outbox.js';
import { pollOnce } from '../../src/pipeline/poller.js';
import { adminUrl } from '../support/databases.js';
import { baseStream, busRow, expectOracle, pageView, startFaultEnv, typeOf, windowEnv, type FaultEnv } from './harness.js';

let env: FaultEnv;
const stream = baseStream(16);
const template = stream.find((e) => typeOf(e) === 'PageNavEvent')!;

beforeAll(async () => {
  env = await startFaultEnv({ stream });
});
afterAll(async () => {
  await env?.stop();
});

async function session(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: env.t.stack.sourceUrl });
  await c.connect();
  return c;
}

const loaded = async (schema: string, guids: string[]) =>
  (await env.t.warehouse(`select id from "${schema}".pagenavevent where id = any($1) order by id`, [guids])).map((r) => r.id as string);

describe('scenario 16: a late-committing outbox transaction', () => {
  it('is loaded by the next poll although newer rows were delivered meanwhile; nothing is loaded twice', async () => {
    const bus = await env.newBus('late_commit');
    expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);

    // Session 1 writes an event 60 s old and keeps its transaction open.
    const slow = await session();
    const late = pageView(template, new Date(Date.now() - 60_000));
    await slow.query('BEGIN');
    await insertOutboxEvents(slow, [{ ...late, rootId: bus.rootId }], { firstId: 900_000_000 });
    // Session 2 writes newer events and commits; a poll delivers them.
    const early = [pageView(template, new Date(Date.now() - 30_000)), pageView(template, new Date(Date.now() - 20_000))];
    await env.insert(bus, early);
    await env.pump(bus);
    expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
    expect(await loaded(bus.schema, [late.guid, ...early.map((e) => e.guid)])).toEqual(early.map((e) => e.guid).sort());
    const watermark = (await busRow(env, bus)).window_time as Date;
    expect(watermark.getTime()).toBeLessThanOrEqual(late.time.getTime()); // the lookback keeps the late row reachable

    // Session 1 commits; the next poll picks its row up, and only it.
    await slow.query('COMMIT');
    await slow.end();
    await env.pump(bus);
    const r = await env.cli(['poll', '--bus', bus.schema, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).buses[0].loads.reduce((a: number, l: { events: number }) => a + l.events, 0)).toBe(1);
    expect(await loaded(bus.schema, [late.guid, ...early.map((e) => e.guid)])).toEqual([late.guid, ...early.map((e) => e.guid)].sort());
    await expectOracle(env, bus);
  });
});

describe('scenario 16, continued: the watermark never forgets a delivered event', () => {
  // Regression: the backlog branch of the watermark once kept only the load's own ids at its last
  // time, dropping earlier delivered ids at or after it, which were then loaded again.
  it('a late row, then a quiet spell longer than the lookback: the rows delivered before are not loaded again', async () => {
    const bus = await env.newBus('late_then_quiet');
    // In process, with a 3 s lookback instead of 300 s: the same algorithm, without waiting 5 minutes.
    const config = { ...env.t.config, poll: { ...env.t.config.poll, lookbackSeconds: 3 } };
    const poll = async () => {
      await env.pump(bus);
      const [b] = (await pollOnce(env.t.conn, config, { buses: [bus.schema] })).buses;
      expect(b!.status).toBe('caught-up');
    };
    await poll();
    const slow = await session();
    const late = pageView(template, new Date(Date.now() - 600));
    await slow.query('BEGIN');
    await insertOutboxEvents(slow, [{ ...late, rootId: bus.rootId }], { firstId: 910_000_000 });
    const x = pageView(template, new Date(Date.now() - 300));
    await env.insert(bus, [x]);
    await poll();
    await slow.query('COMMIT');
    await slow.end();
    // Nothing else happens for longer than the lookback (a quiet night, with the usual 300 s):
    // the poll that picks up the late row comes after it.
    await new Promise((r) => setTimeout(r, 3_500));
    await poll();
    await poll();
    const [n] = await env.t.warehouse(`select count(*)::int as n, count(distinct id)::int as d from "${bus.schema}".pagenavevent where id = any($1)`, [[late.guid, x.guid]]);
    expect(n).toEqual({ n: 2, d: 2 });
    await expectOracle(env, bus);
  });

  it('more events share one time than a load takes: the next poll does not load the first part again', async () => {
    const bus = await env.newBus('ties', []);
    const t0 = new Date(Date.now() - 20 * 60_000);
    const tied = Array.from({ length: 30 }, () => pageView(template, t0));
    await env.insert(bus, tied);
    expect((await env.cli(['poll', '--bus', bus.schema], { env: windowEnv(20), timeoutMs: 20_000 })).status).toBe(0);
    await env.pump(bus);
    expect((await env.cli(['poll', '--bus', bus.schema], { env: windowEnv(20), timeoutMs: 20_000 })).status).toBe(0);
    const [n] = await env.t.warehouse(`select count(*)::int as n, count(distinct id)::int as d from "${bus.schema}".pagenavevent`);
    expect(n).toEqual({ n: 30, d: 30 });
  });
});

describe('scenario 17: long-open transactions on the source cluster', () => {
  it("hold nothing back: committed events load at once; the open transaction's own event loads once it commits", async () => {
    const bus = await env.newBus('open_xact');
    // Idle in transaction with a transaction id, a snapshot and a lock on the outbox, in the
    // source database and in another database of the same cluster.
    const idle = await session();
    await idle.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await idle.query('select pg_current_xact_id()');
    await idle.query('select count(*) from analyticfinder');
    const elsewhere = new pg.Client({ connectionString: adminUrl() });
    await elsewhere.connect();
    await elsewhere.query('BEGIN');
    await elsewhere.query('select pg_current_xact_id()');
    try {
      const r = await env.cli(['poll', '--bus', bus.schema]);
      expect(r.status, r.stderr).toBe(0);
      await expectOracle(env, bus);

      // The open transaction writes an event (30 s old) and commits only after that poll.
      const own = pageView(template, new Date(Date.now() - 30_000));
      await insertOutboxEvents(idle, [{ ...own, rootId: bus.rootId }], { firstId: 700_000_000 });
      await env.pump(bus);
      expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
      expect(await loaded(bus.schema, [own.guid])).toEqual([]);
      await idle.query('COMMIT');
      await env.pump(bus);
      expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
      expect(await loaded(bus.schema, [own.guid])).toEqual([own.guid]);
      await expectOracle(env, bus);
    } finally {
      await idle.end();
      await elsewhere.query('ROLLBACK').catch(() => undefined);
      await elsewhere.end();
    }
  });
});

describe('scenario 18: rolled-back outbox transactions', () => {
  it('leave holes in the ids; windows advance over them and every committed event is loaded', async () => {
    const bus = await env.newBus('holes');
    let id = 800_000_000;
    const committed = [];
    for (let i = 0; i < 6; i++) {
      const c = await session();
      await c.query('BEGIN');
      await insertOutboxEvents(c, [0, 1, 2].map(() => ({ ...pageView(template, new Date(Date.now() - 50_000 + i * 1000)), rootId: bus.rootId })), { firstId: id });
      id += 100;
      if (i === 3) {
        // A poll while this transaction is still open, then it rolls back.
        await env.pump(bus);
        expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
      }
      await c.query('ROLLBACK');
      await c.end();
      const e = pageView(template, new Date(Date.now() - 50_000 + i * 1000 + 500));
      await insertOutboxEvents(env.t.source, [{ ...e, rootId: bus.rootId }], { firstId: id });
      id += 100;
      committed.push(e.guid);
    }
    await env.pump(bus);
    const r = await env.cli(['poll', '--bus', bus.schema]);
    expect(r.status, r.stderr).toBe(0);
    expect(await loaded(bus.schema, committed)).toEqual([...committed].sort());
    const status = JSON.parse((await env.cli(['status', '--json'])).stdout).buses.find((b: { schema: string }) => b.schema === bus.schema);
    expect(status.pendingEvents).toBe(0);
    await expectOracle(env, bus);
  });
});
