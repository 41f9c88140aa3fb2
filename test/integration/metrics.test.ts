// A pipeline operators can watch (issue 16): `rsetl poll --metrics-file` writes valid Prometheus
// text with every bus's figures, its counters only grow across polls (they come from the run
// log), a failed run still says rsetl_up 0, `--bus` writes only its buses, `--loop` keeps the file
// fresh while nothing is due, `--metrics emf` prints EMF lines of the specification's shape,
// `status --json` carries the same figures, and bad flag combinations and paths are refused before
// anything loads. Real `rsetl` processes against the local stack.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoEvent } from '../../src/demo/generator.js';
import { futureByBus, pendingByBus } from '../../src/source/bus-counts.js';
import { RUN_TOTAL_FROM_LOG } from '../../src/source/control-schema/migrations.js';
import { outboxTableName } from '../../src/source/outbox.js';
import { ident } from '../../src/sql/quote.js';
import { baseStream, busRow, committedEvents, startFaultEnv, waitFor, type Bus, type FaultEnv } from '../faults/harness.js';
import { parseExposition, sampleValue, validateEmfLine, type ParsedFamily } from '../metrics/formats.js';

let env: FaultEnv;
let dir: string;
let one: Bus;
let two: Bus;
let bad: Bus;
let template: DemoEvent;
let seq = 0;

/** `n` page views, one millisecond apart, from `secondsAgo` on (after every bus's watermark). */
function pageViews(n: number, secondsAgo = 240, change: (d: Record<string, any>) => void = () => undefined): DemoEvent[] {
  const start = Date.now() - secondsAgo * 1000;
  return Array.from({ length: n }, (_, i) => {
    const guid = `00000000-0000-4000-9000-${String(++seq).padStart(12, '0')}`;
    const time = new Date(start + i);
    const datajson = { ...(template.datajson as Record<string, any>), id: guid, time: time.toISOString() };
    change(datajson);
    return { guid, time, rootId: '0', datajson };
  });
}

async function prom(file: string): Promise<Map<string, ParsedFamily>> {
  return parseExposition(await readFile(file, 'utf8'));
}

const labels = (b: Bus) => ({ bus: b.schema, bus_id: String(b.busId) });

/** Every counter series of `before` is in `after`, with a value at least as large. */
function expectCountersGrew(before: Map<string, ParsedFamily>, after: Map<string, ParsedFamily>): void {
  for (const f of before.values()) {
    if (f.type !== 'counter') continue;
    for (const s of f.samples) {
      const now = sampleValue(after, f.name, s.labels);
      expect(now, `${f.name} ${JSON.stringify(s.labels)}`).toBeDefined();
      expect(now!, `${f.name} ${JSON.stringify(s.labels)}`).toBeGreaterThanOrEqual(s.value);
    }
  }
}

beforeAll(async () => {
  env = await startFaultEnv({ stream: [] });
  const stream = baseStream();
  template = stream.find((e) => (e.datajson as { eventType: string }).eventType === 'PageNavEvent')!;
  one = await env.newBus('m_one', stream);
  two = await env.newBus('m_two', baseStream(6));
  bad = await env.newBus('m_bad', []);
  dir = await mkdtemp(join(tmpdir(), 'rsetl-metrics-it-'));
});
afterAll(async () => {
  await env?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('poll --metrics-file', () => {
  const file = () => join(dir, 'rsetl.prom');
  let first: Map<string, ParsedFamily>;

  it('writes valid Prometheus text with every bus figure after the run, 0644, no temporary file left', async () => {
    const before = Date.now();
    const r = await env.cli(['poll', '--metrics-file', file()]);
    expect(r.status, r.stderr).toBe(0);
    first = await prom(file());
    expect((await stat(file())).mode & 0o777).toBe(0o644);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    expect(sampleValue(first, 'rsetl_up', { buses: 'all' })).toBe(1);
    const ran = sampleValue(first, 'rsetl_poll_last_run_timestamp_seconds')!;
    expect(ran * 1000).toBeGreaterThanOrEqual(before - 1000);
    expect(ran * 1000).toBeLessThanOrEqual(Date.now());
    expect(sampleValue(first, 'rsetl_poll_duration_seconds')).toBeGreaterThan(0);
    for (const b of [one, two]) {
      const l = labels(b);
      expect(sampleValue(first, 'rsetl_lag_seconds', l), b.schema).toBe(0);
      expect(sampleValue(first, 'rsetl_pending_events', l)).toBe(0);
      expect(sampleValue(first, 'rsetl_failures', l)).toBe(0);
      expect(sampleValue(first, 'rsetl_dead_letter_events', l)).toBe(0);
      expect(sampleValue(first, 'rsetl_events_loaded_total', l)).toBe((await committedEvents(env, b)).length);
      expect(sampleValue(first, 'rsetl_load_attempts_total', { ...l, outcome: 'loaded' })).toBeGreaterThanOrEqual(1);
      expect(sampleValue(first, 'rsetl_load_duration_seconds', l)).toBeGreaterThan(0);
      expect(sampleValue(first, 'rsetl_last_success_timestamp_seconds', l)! * 1000).toBeGreaterThanOrEqual(before - 1000);
      expect(sampleValue(first, 'rsetl_active', l)).toBe(1);
      // Rows per table agree with what Redshift holds (an append-only table: one row per event).
      const pageviews = (await env.t.warehouse(`select count(*)::int as n from "${b.schema}".pagenavevent`))[0]!.n;
      expect(pageviews).toBeGreaterThan(0);
      expect(sampleValue(first, 'rsetl_table_rows_loaded_total', { ...l, table: 'pagenavevent', op: 'load' })).toBe(pageviews);
    }
    // A bus without events yet: caught up, nothing loaded, never loaded.
    expect(sampleValue(first, 'rsetl_events_loaded_total', labels(bad))).toBe(0);
    expect(sampleValue(first, 'rsetl_load_duration_seconds', labels(bad))).toBeUndefined();
  });

  it('status --json carries the same figures, per bus', async () => {
    const r = await env.cli(['status', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const { buses } = JSON.parse(r.stdout) as { buses: Array<Record<string, any>> };
    for (const b of [one, two, bad]) {
      const s = buses.find((x) => x.id === b.busId)!;
      const l = labels(b);
      expect(s.lagSeconds).toBe(sampleValue(first, 'rsetl_lag_seconds', l));
      expect(s.pendingEvents).toBe(sampleValue(first, 'rsetl_pending_events', l));
      expect(s.eventsLoadedTotal).toBe(sampleValue(first, 'rsetl_events_loaded_total', l));
      expect(s.lastLoadDurationSeconds ?? undefined).toBe(sampleValue(first, 'rsetl_load_duration_seconds', l));
      expect(s.failureCount).toBe(sampleValue(first, 'rsetl_failures', l));
      expect(s.deadLetterEvents).toBe(sampleValue(first, 'rsetl_dead_letter_events', l));
      expect(s.lastSuccessAt === null ? undefined : Date.parse(s.lastSuccessAt) / 1000).toBe(sampleValue(first, 'rsetl_last_success_timestamp_seconds', l));
      expect(Object.values(s.rowsLoadedByTable as Record<string, number>).reduce((a, n) => a + n, 0)).toBe(
        [...(first.get('rsetl_table_rows_loaded_total')?.samples ?? [])].filter((x) => x.labels.bus_id === String(b.busId)).reduce((a, x) => a + x.value, 0),
      );
    }
  });

  it('the counters grow across polls: they add up the run log, not this run', async () => {
    await env.insert(one, pageViews(37));
    await env.pump(one);
    await env.pump(two);
    const r = await env.cli(['poll', '--metrics-file', file()]);
    expect(r.status, r.stderr).toBe(0);
    const second = await prom(file());
    expectCountersGrew(first, second);
    expect(sampleValue(second, 'rsetl_events_loaded_total', labels(one))).toBe(sampleValue(first, 'rsetl_events_loaded_total', labels(one))! + 37);
    expect(sampleValue(second, 'rsetl_table_rows_loaded_total', { ...labels(one), table: 'pagenavevent', op: 'load' })).toBe(
      sampleValue(first, 'rsetl_table_rows_loaded_total', { ...labels(one), table: 'pagenavevent', op: 'load' })! + 37,
    );
    // Nothing new for m_two: its totals stay, they do not restart from this run's zero.
    expect(sampleValue(second, 'rsetl_events_loaded_total', labels(two))).toBe(sampleValue(first, 'rsetl_events_loaded_total', labels(two)));
    expect(sampleValue(second, 'rsetl_poll_last_run_timestamp_seconds')!).toBeGreaterThan(sampleValue(first, 'rsetl_poll_last_run_timestamp_seconds')!);
  });
});

describe('poll --metrics emf', () => {
  it('prints one EMF document for the run and one per bus, of the specification\'s shape', async () => {
    await env.insert(one, pageViews(5, 200));
    await env.pump(one);
    const r = await env.cli(['poll', '-q', '--metrics', 'emf']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    const docs = lines.map(validateEmfLine); // -q: stdout holds nothing else
    expect(docs).toHaveLength(4);
    expect(docs[0]).toMatchObject({ Up: 1, BusesFailing: 0 });
    const of = (b: Bus) => docs.find((d) => d.BusId === b.busId)!;
    expect(of(one)).toMatchObject({ Bus: 'm_one', EventsLoaded: 5, LagSeconds: 0, PendingEvents: 0, Failures: 0, DeadLetterEvents: 0 });
    expect((of(one).LoadDurationSeconds as number[]).length).toBeGreaterThanOrEqual(1);
    expect(of(two)).toMatchObject({ Bus: 'm_two', EventsLoaded: 0 });
    for (const d of docs.slice(1)) expect(d._aws.CloudWatchMetrics).toMatchObject([{ Namespace: 'rsetl', Dimensions: [['Bus']] }]);
  });

  it('without -q the human lines stay and every JSON line is EMF', async () => {
    await env.insert(one, pageViews(2, 190));
    await env.pump(one);
    const r = await env.cli(['poll', '--metrics', 'emf']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines.some((l) => l.includes('m_one): 2 events'))).toBe(true);
    for (const l of lines.filter((x) => x.startsWith('{'))) validateEmfLine(l);
  });
});

describe('refused before anything loads', () => {
  it('bad combinations and paths: 64 naming the flag, the due bus untouched', async () => {
    await env.insert(one, pageViews(3, 150));
    await env.pump(one);
    const before = await busRow(env, one);
    const cases: Array<[string[], RegExp]> = [
      [['--json', '--metrics', 'emf'], /--json or --metrics emf/],
      [['--metrics', 'prometheus'], /--metrics-file/],
      [['--metrics', 'statsd'], /--metrics/],
      [['--metrics-file', join(dir, 'missing', 'rsetl.prom')], /--metrics-file .*does not exist/],
      [['--metrics-file', dir], /--metrics-file .*is a folder/],
    ];
    for (const [args, message] of cases) {
      const r = await env.cli(['poll', ...args]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(64);
      expect(r.stderr + r.stdout).toMatch(message);
    }
    const after = await busRow(env, one);
    expect(after.window_time).toEqual(before.window_time);
    expect(after.scheduled).toEqual(before.scheduled);
    // A file name the textfile collector would not read: allowed, with a notice.
    const r = await env.cli(['poll', '--metrics-file', join(dir, 'rsetl.txt')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\*\.prom/);
  });
});

describe('failures', () => {
  it('a run that cannot reach the source writes rsetl_up 0 and its time, and exits 69', async () => {
    const down = await env.writeConfig('down.json', (c) => {
      c.source.url = 'postgres://nobody:nothing@127.0.0.1:1/none';
    });
    const file = join(dir, 'down.prom');
    const r = await env.cli(['poll', '--metrics-file', file], { config: down });
    expect(r.status, r.stderr).toBe(69);
    const f = await prom(file);
    expect(sampleValue(f, 'rsetl_up')).toBe(0);
    expect(sampleValue(f, 'rsetl_poll_last_run_timestamp_seconds')).toBeGreaterThan(0);
    expect(f.has('rsetl_lag_seconds')).toBe(false);
  });

  it('a blocked bus: failures, blocked, a failed attempt; --bus writes only its own series', async () => {
    await env.insert(bad, [...pageViews(2, 300), ...pageViews(1, 299, (d) => delete d.user), ...pageViews(2, 298)]);
    await env.pump(bad);
    const file = join(dir, 'bad.prom');
    const r = await env.cli(['poll', '--bus', 'm_bad', '--metrics-file', file]);
    expect(r.status, r.stderr).toBe(1);
    const f = await prom(file);
    expect(f.get('rsetl_up')!.samples).toEqual([{ labels: { buses: 'm_bad' }, value: 1 }]);
    const l = labels(bad);
    expect(sampleValue(f, 'rsetl_failures', l)).toBe(1);
    expect(sampleValue(f, 'rsetl_blocked', l)).toBe(1);
    expect(sampleValue(f, 'rsetl_load_attempts_total', { ...l, outcome: 'failed' })).toBe(1);
    expect(sampleValue(f, 'rsetl_pending_events', l)).toBe(5);
    expect(sampleValue(f, 'rsetl_lag_seconds', l)).toBeGreaterThanOrEqual(300);
    for (const fam of f.values()) for (const s of fam.samples) if ('bus_id' in s.labels) expect(s.labels.bus_id, fam.name).toBe(String(bad.busId));
  });

  it('--loop rewrites the file while nothing is due (a blocked bus), and stops cleanly', async () => {
    const file = join(dir, 'loop.prom');
    // Nothing of the selection can become due: the loop sleeps its interval between wake-ups.
    const { buses } = await env.t.conn.control();
    expect(await buses.secondsUntilNextDue([bad.busId])).toBeUndefined();
    const { child, done } = env.spawn(['poll', '--loop', '--bus', 'm_bad', '--max-seconds', '120', '--metrics-file', file], { env: { RSETL_POLL_INTERVALSECONDS: '5' } });
    const stamp = async () => {
      try {
        return sampleValue(await prom(file), 'rsetl_poll_last_run_timestamp_seconds');
      } catch {
        return undefined; // not written yet
      }
    };
    const firstStamp = await waitFor('the first metrics file', stamp, 60_000);
    await waitFor('a rewrite on an idle wake-up', async () => ((await stamp()) ?? 0) > firstStamp, 60_000);
    const f = await prom(file);
    expect(sampleValue(f, 'rsetl_up')).toBe(1);
    expect(sampleValue(f, 'rsetl_blocked', labels(bad))).toBe(1);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.status, r.stderr).toBe(143);
    // One pass (its summary warns about the blocked bus); the rewrite came from a wake-up, not a pass.
    expect(r.stderr.match(/is blocked by a data error/g)).toHaveLength(1);
  });

  it('a skipped event shows as a dead letter; the failure clears', async () => {
    const u = await env.cli(['unblock', '--bus', 'm_bad', '--skip', '--reason', 'metrics test', '--yes']);
    expect(u.status, u.stderr).toBe(0);
    const file = join(dir, 'bad.prom');
    const r = await env.cli(['poll', '--bus', 'm_bad', '--metrics-file', file]);
    expect(r.status, r.stderr).toBe(0);
    const f = await prom(file);
    const l = labels(bad);
    expect(sampleValue(f, 'rsetl_dead_letter_events', l)).toBe(1);
    expect(sampleValue(f, 'rsetl_failures', l)).toBe(0);
    expect(sampleValue(f, 'rsetl_blocked', l)).toBe(0);
    expect(sampleValue(f, 'rsetl_events_loaded_total', l)).toBe(4);
  });
});

describe('the counts of all buses in one query equal the per-bus queries', () => {
  /** The reference: one plain query per bus, what its next windows would read (dead letters left out), capped. */
  async function pendingOfOne(client: pg.ClientBase, b: { id: number; rootId: string; windowTime: string; windowIds: string[] }, q: { table: string; controlSchema: string }, cap = 10000) {
    const r = await client.query(
      `select count(*)::int as n, min(time) as oldest from (
         select o.time from ${outboxTableName(q.table)} o
         where o.root_id = $1 and o.time >= $2::timestamp and o.time < (now() at time zone 'UTC') and o.id <> all($3::bigint[])
           and not exists (select 1 from ${ident(q.controlSchema)}.dead_letter d where d.bus_id = $5 and d.event_time = o.time and d.event_id = o.id)
         order by o.time, o.id limit $4) p`,
      [b.rootId, b.windowTime, b.windowIds, cap + 1, b.id],
    );
    const n = r.rows[0].n as number;
    return { count: Math.min(n, cap), capped: n > cap, oldest: r.rows[0].oldest as string | null };
  }
  /** The reference: events of one bus's domain dated after the source's clock, capped, and the latest. */
  async function futureOfOne(client: pg.ClientBase, rootId: string, table: string, cap = 10000) {
    const r = await client.query(
      `select count(*)::int as n, max(time) as latest from (
         select time from ${outboxTableName(table)} where root_id = $1 and time >= (now() at time zone 'UTC') order by time, id limit $2) f`,
      [rootId, cap + 1],
    );
    const n = r.rows[0].n as number;
    return { count: Math.min(n, cap), capped: n > cap, latest: r.rows[0].latest as string | null };
  }

  it('pending (dead letters left out) and future events', async () => {
    await env.insert(two, [...pageViews(4, 100), ...pageViews(2, -3600)]); // two of them an hour ahead
    await env.insert(bad, pageViews(3, 100));
    const { client, buses } = await env.t.conn.control();
    const all = await buses.listBuses();
    const q = { table: env.t.config.source.table, controlSchema: env.t.config.source.controlSchema };
    const pending = await pendingByBus(client, q);
    const future = await futureByBus(client, q);
    const capped = await pendingByBus(client, { ...q, cap: 2 });
    for (const b of all) {
      expect(pending.get(b.id), b.schemaName).toEqual(await pendingOfOne(client, b, q));
      expect(capped.get(b.id), b.schemaName).toEqual(await pendingOfOne(client, b, q, 2));
      expect(future.get(b.id), b.schemaName).toEqual(await futureOfOne(client, b.rootId, q.table));
    }
    expect(pending.get(two.busId)!.count).toBe(4);
    expect(future.get(two.busId)!.count).toBe(2);
    expect(pending.get(bad.busId)!.count).toBe(3);
    expect((await pendingByBus(client, { ...q, busIds: [bad.busId] })).size).toBe(1);
  });
});

describe('the counters follow the run log', () => {
  it('run_total holds the log added up, row by row; the version-7 fill computes the same from the log', async () => {
    const totals = async () =>
      (await env.t.source.query(`select bus_id, kind, key, value::float8 as value from rsetl.run_total`)).rows.map((r) => `${r.bus_id} ${r.kind} ${r.key} ${r.value}`).sort();
    const kept = await totals();
    // The oracle: every run row, added up here.
    const expected = new Map<string, number>();
    const add = (k: string, n: number) => expected.set(k, (expected.get(k) ?? 0) + n);
    for (const r of (await env.t.source.query(`select bus_id, outcome, events, tables from rsetl.run`)).rows) {
      add(`${r.bus_id} attempts ${r.outcome}`, 1);
      add(`${r.bus_id} events ${r.outcome}`, r.events);
      if (['loaded', 'already-loaded', 'nothing-to-load'].includes(r.outcome)) for (const [t, n] of Object.entries(r.tables as Record<string, number>)) add(`${r.bus_id} rows ${t}`, n);
    }
    expect(kept).toEqual([...expected].map(([k, v]) => `${k} ${v}`).sort());
    expect(kept.some((k) => k.includes(' attempts failed '))).toBe(true);
    await env.t.source.query('begin');
    try {
      await env.t.source.query('delete from rsetl.run_total');
      await env.t.source.query(RUN_TOTAL_FROM_LOG.replaceAll('{{schema}}', 'rsetl'));
      expect(await totals()).toEqual(kept);
    } finally {
      await env.t.source.query('rollback');
    }
  });
});

