// One complete load cycle through the real local stack: embedded PostgreSQL source, fauxqs S3,
// the Redshift stand-in over PostgreSQL. Expectations are computed from the events themselves.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEtl } from '../../src/admin/init-etl.js';
import { generateDemoEvents, type DemoEvent } from '../../src/demo/generator.js';
import { insertOutboxEvents } from '../../src/demo/outbox.js';
import { pollOnce } from '../../src/pipeline/poller.js';
import { busStatuses } from '../../src/pipeline/status.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const SCHEMA = 'lms';
let t: TestStack;
let busId: number;
let nextId = 9_000_000_000;

const type = (e: DemoEvent) => (e.datajson as { eventType: string }).eventType;
const data = (e: DemoEvent) => e.datajson as Record<string, any>;

async function insert(events: DemoEvent[]): Promise<void> {
  await insertOutboxEvents(t.source, events, { firstId: nextId });
  nextId += events.length * 2 + 10;
}

async function count(table: string): Promise<number> {
  const rows = await t.warehouse(`select count(*)::int as n from ${SCHEMA}.${table}`);
  return rows[0]!.n;
}

/** A copy of a generated page view with a new identity and time (for late-commit tests). */
function pageView(template: DemoEvent, time: Date, guid: string): DemoEvent {
  return { ...template, guid, time, datajson: { ...data(template), id: guid, time: time.toISOString() } };
}

/** Runs the real binary. Asynchronously: the stand-in it talks to runs in this test process. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/rsetl', ...args], { env: { ...process.env, NO_COLOR: '1', RSETL_TEST_HOOKS: '1', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number; signal?: string }) | null;
      resolve({ status: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

let stream: DemoEvent[];

beforeAll(async () => {
  t = await startTestStack();
  const end = new Date(Date.now() - 10 * 60_000);
  stream = [...generateDemoEvents({ start: new Date(end.getTime() - 3 * 3600_000), end, users: 60, sections: 3, seed: 7 })];
});

afterAll(async () => {
  await t?.stop();
});

describe('init-etl', () => {
  it('creates the schema, every table, the ledger and the bus; a second run changes nothing', async () => {
    const first = await initEtl(t.conn, t.config, { schema: SCHEMA, rootId: '1', since: '2000-01-01 00:00:00' });
    expect(first.busCreated).toBe(true);
    expect(first.warehouse.schemaExisted).toBe(false);
    expect(first.warehouse.tablesCreated).toEqual(expect.arrayContaining(['section', 'pagenavevent', 'rsetl_load']));
    expect(first.warehouse.tablesCreated).toHaveLength(21);
    busId = first.bus.id;

    const second = await initEtl(t.conn, t.config, { schema: SCHEMA, rootId: '1' });
    expect(second.busCreated).toBe(false);
    expect(second.bus.id).toBe(busId);
    expect(second.warehouse.schemaExisted).toBe(true);
    expect(second.warehouse.tablesCreated).toEqual([]);
    const buses = await t.source.query('select count(*)::int as n from rsetl.bus');
    expect(buses.rows[0].n).toBe(1);
  });
});

describe('a load', () => {
  it('loads a realistic stream with table contents matching the events', async () => {
    await insert(stream);
    const summary = await pollOnce(t.conn, t.config);
    expect(summary.buses).toHaveLength(1);
    expect(summary.buses[0]!.status).toBe('caught-up');
    expect(summary.failing).toEqual([]);

    const n = (ty: string) => stream.filter((e) => type(e) === ty).length;
    expect(await count('pagenavevent')).toBe(n('PageNavEvent'));
    expect(await count('sessionevent')).toBe(n('SessionEvent'));
    expect(await count('sectionentry')).toBe(n('SectionEntryEvent1'));

    // State tables: replay the events one by one, independently of rsetl's combine step.
    const sections = new Map<number, boolean>();
    const enrollments = new Map<number, boolean>();
    const users = new Set<number>();
    const sessions = new Set<number>();
    const contents = new Map<number, Set<string>>();
    for (const e of stream) {
      const d = data(e);
      switch (type(e)) {
        case 'SectionCreateEvent2':
          contents.set(d.section.id, new Set((d.contents ?? []).map((c: { edgePath: string }) => c.edgePath)));
          sections.set(d.section.id, true);
          break;
        case 'SectionUpdateEvent2':
          sections.set(d.section.id, true);
          break;
        case 'SectionDeleteEvent1':
          sections.set(d.sectionId, false);
          break;
        case 'EnrollmentCreateEvent2':
        case 'EnrollmentUpdateEvent2':
          enrollments.set(d.enrollmentId, true);
          users.add(d.user.id);
          break;
        case 'EnrollmentDeleteEvent1':
          enrollments.set(d.enrollmentId, false);
          break;
        case 'SectionEntryEvent1':
          users.add(d.user.id);
          break;
        case 'SessionEvent':
          if (d.actionType === 'start' && d.sessionId != null) sessions.add(d.sessionId);
          break;
      }
    }
    const live = (m: Map<number, boolean>) => [...m.values()].filter(Boolean).length;
    expect(await count('section')).toBe(live(sections));
    expect(await count('enrollment')).toBe(live(enrollments));
    expect(await count('usr')).toBe(users.size);
    expect(await count('session')).toBe(sessions.size);
    expect(await count('sectioncontent')).toBe([...contents.values()].reduce((a, s) => a + s.size, 0));
    expect(sections.size).toBeGreaterThan(live(sections)); // the stream does delete a section

    // The ledger holds the load, and the staged objects are gone after the commit.
    const ledger = await t.warehouse(`select events from ${SCHEMA}.rsetl_load`);
    expect(ledger.map((r) => Number(r.events)).reduce((a, b) => a + b, 0)).toBe(stream.length);
    expect(await t.conn.objectStore().list(`redshift-transfer/${SCHEMA}/`)).toEqual([]);

    const [status] = await busStatuses(t.conn, t.config);
    expect(status!.pendingEvents).toBe(0);
    expect(status!.failureCount).toBe(0);
  });

  it('cuts strings to their column length in bytes, on a character boundary', async () => {
    const [row] = await t.warehouse(`select max(octet_length(url))::int as bytes from ${SCHEMA}.pagenavevent`);
    expect(row!.bytes).toBeLessThanOrEqual(1024);
    expect(row!.bytes).toBeGreaterThan(1000);
    const bad = await t.warehouse(`select count(*)::int as n from ${SCHEMA}.pagenavevent where url like '%' || chr(65533) || '%'`);
    expect(bad[0]!.n).toBe(0);
  });

  it('records the load in the run log with statements, round trips and one COPY per touched table', async () => {
    const runs = await t.source.query(`select outcome, events, statements, round_trips, copies, tables from rsetl.run where bus_id = $1`, [busId]);
    expect(runs.rows.map((r) => r.outcome)).toEqual(['loaded']);
    // Keys to delete and users to obfuscate ride in their table's file: no COPY of their own.
    const tables = Object.keys(runs.rows[0].tables);
    expect(tables.some((n) => n.endsWith('__delete'))).toBe(true);
    expect(runs.rows[0].copies).toBe(new Set(tables.map((n) => n.replace(/__.*$/, ''))).size);
    expect(runs.rows[0].statements).toBeGreaterThan(runs.rows[0].copies);
    // Batched (warehouse/load.ts): the transaction's opening, each COPY, each staged table's rule,
    // the ledger row with the DROP, and COMMIT — at most 2.5 requests per touched table.
    const { round_trips: trips, copies } = runs.rows[0];
    expect(trips).toBeLessThan(runs.rows[0].statements);
    expect(trips).toBeLessThanOrEqual(2.5 * copies);
    expect(trips).toBeGreaterThanOrEqual(copies + 3);
  });
});

describe('the window algorithm', () => {
  it('picks up an event that commits late with a time inside the lookback, without reloading others', async () => {
    const template = stream.find((e) => type(e) === 'PageNavEvent')!;
    const now = Date.now();
    const before = await count('pagenavevent');
    await insert([
      pageView(template, new Date(now - 60_000), '00000000-0000-4000-8000-000000000001'),
      pageView(template, new Date(now - 30_000), '00000000-0000-4000-8000-000000000002'),
    ]);
    await t.conn.control().then(({ buses }) => buses.setState(busId, 'Active', { scheduleNow: true }));
    await pollOnce(t.conn, t.config);
    expect(await count('pagenavevent')).toBe(before + 2);

    // A transaction that started earlier commits now: its event's time is older than the
    // events already delivered, but inside the 5-minute lookback.
    await insert([pageView(template, new Date(now - 120_000), '00000000-0000-4000-8000-000000000003')]);
    await t.conn.control().then(({ buses }) => buses.setState(busId, 'Active', { scheduleNow: true }));
    await pollOnce(t.conn, t.config);
    expect(await count('pagenavevent')).toBe(before + 3);
    const ids = await t.warehouse(`select id from ${SCHEMA}.pagenavevent where id like '00000000-0000-4000-8000-%' order by id`);
    expect(ids.map((r) => r.id)).toEqual([
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000002',
      '00000000-0000-4000-8000-000000000003',
    ]);
  });
});

describe('concurrency and crashes', () => {
  it('skips a bus that another process holds, and loads it once the lock is released', async () => {
    const template = stream.find((e) => type(e) === 'PageNavEvent')!;
    const before = await count('pagenavevent');
    await insert([pageView(template, new Date(Date.now() - 20_000), '00000000-0000-4000-8000-000000000004')]);
    const { buses } = await t.conn.control();
    await buses.setState(busId, 'Active', { scheduleNow: true });
    await t.source.query('select pg_advisory_lock(hashtext($1), $2)', ['rsetl.bus:rsetl', busId]);
    try {
      const held = await pollOnce(t.conn, t.config);
      expect(held.buses.map((b) => b.status)).toEqual(['locked']);
      expect(await count('pagenavevent')).toBe(before);
    } finally {
      await t.source.query('select pg_advisory_unlock(hashtext($1), $2)', ['rsetl.bus:rsetl', busId]);
    }
    const free = await pollOnce(t.conn, t.config);
    expect(free.buses.map((b) => b.status)).toEqual(['caught-up']);
    expect(await count('pagenavevent')).toBe(before + 1);
  });

  it('never applies a window twice, also when killed between the Redshift commit and the bus update', async () => {
    const template = stream.find((e) => type(e) === 'PageNavEvent')!;
    const before = await count('pagenavevent');
    const ledgerBefore = (await t.warehouse(`select count(*)::int as n from ${SCHEMA}.rsetl_load`))[0]!.n;
    await insert([
      pageView(template, new Date(Date.now() - 15_000), '00000000-0000-4000-8000-000000000005'),
      pageView(template, new Date(Date.now() - 14_000), '00000000-0000-4000-8000-000000000006'),
    ]);
    const { buses } = await t.conn.control();
    await buses.setState(busId, 'Active', { scheduleNow: true });
    const watermark = (await buses.getBus(busId))!.windowTime;

    const killed = await cli(['poll', '--config', t.stack.configPath], { RSETL_CRASH_AT: 'after-commit' });
    expect(killed.signal, killed.stderr + killed.stdout).toBe('SIGKILL');
    // Redshift has the data and the ledger row; the source bus did not move.
    expect(await count('pagenavevent')).toBe(before + 2);
    expect((await t.warehouse(`select count(*)::int as n from ${SCHEMA}.rsetl_load`))[0]!.n).toBe(ledgerBefore + 1);
    expect((await buses.getBus(busId))!.windowTime).toBe(watermark);

    await buses.setState(busId, 'Active', { scheduleNow: true });
    const again = await pollOnce(t.conn, t.config);
    // Fast-forwarded to the ledger, then it reads on: nothing is left to load.
    expect(again.buses[0]!.loads.map((l) => l.outcome)).toEqual(['already-loaded', 'empty']);
    expect(await count('pagenavevent')).toBe(before + 2);
    expect((await buses.getBus(busId))!.windowTime).not.toBe(watermark);

    // Nothing is pending any more, and the next poll loads nothing twice.
    await buses.setState(busId, 'Active', { scheduleNow: true });
    await pollOnce(t.conn, t.config);
    expect(await count('pagenavevent')).toBe(before + 2);
  });
});

describe('the CLI', () => {
  it('run-window --dry-run writes NDJSON per table and moves nothing', async () => {
    const template = stream.find((e) => type(e) === 'PageNavEvent')!;
    await insert([pageView(template, new Date(Date.now() - 5_000), '00000000-0000-4000-8000-000000000007')]);
    const { buses } = await t.conn.control();
    const watermark = (await buses.getBus(busId))!.windowTime;
    const out = await mkdtemp(join(tmpdir(), 'rsetl-test-dry-'));
    const r = await cli(['run-window', '--bus', SCHEMA, '--dry-run', '--out', out, '--config', t.stack.configPath, '--json']);
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.events).toBe(1);
    expect(await readdir(out)).toContain('pagenavevent.ndjson');
    const line = JSON.parse((await readFile(join(out, 'pagenavevent.ndjson'), 'utf8')).trim());
    expect(line.id).toBe('00000000-0000-4000-8000-000000000007');
    expect((await buses.getBus(busId))!.windowTime).toBe(watermark);
  });

  it('status reports every bus as JSON and exits 0 when none is failing', async () => {
    const r = await cli(['status', '--json', '--config', t.stack.configPath]);
    expect(r.status).toBe(0);
    const { buses } = JSON.parse(r.stdout);
    expect(buses[0]).toMatchObject({ id: busId, schema: SCHEMA, state: 'Active', failureCount: 0 });
    expect(r.stdout).not.toContain(t.stack.standin.url.split('@')[0]!.split(':')[2]!);
  });

  it('exits 64 for a usage error', async () => {
    expect((await cli(['poll', '--no-such-flag'])).status).toBe(64);
    const both = await cli(['unblock', '--retry', '--pause', '--config', t.stack.configPath]);
    expect(both.status).toBe(64);
    expect(both.stderr).toContain('choose one of');
  });
});
