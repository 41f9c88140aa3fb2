// The "many buses" scenario: N buses with M events each, all due, under the stand-in's Redshift
// latency model (per statement, per COPY, the cluster-wide commit queue and WLM slots), loaded by
// `rsetl poll` child processes until every bus is caught up — once with --concurrency 1 (one bus
// after another, as before poll.concurrency) and once with --concurrency C (default 4). The figure is
// the ratio of the two wall times (goal ≥ 3 at C = 4). Both runs start from copies of the same
// prepared source and Redshift databases, each with its own stack, so neither sees the other's work.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { withClient } from './pg-client.js';
import { insertOutboxEvents } from '../src/demo/outbox.js';
import { createOutboxTable } from '../src/source/outbox-table.js';
import type { LocalPostgres } from '../src/localstack/postgres.js';
import { startLocalStack, type LocalStack } from '../src/localstack/stack.js';
import type { StandinLatency } from '../src/localstack/redshift-standin/index.js';
import { runRsetl, type ChildRun } from './child.js';
import { onCleanup } from './cleanup.js';
import { benchEvents, planStream, sinceOf } from './events.js';
import { createBus, writeChildConfig } from './rsetl-run.js';

export interface ManyBusesOptions {
  buses: number;
  eventsPerBus: number;
  /** The concurrent run's --concurrency (the other run uses 1). */
  concurrency: number;
  /**
   * poll.copyConcurrency of both runs. 1 by default: the figure is about buses side by side, and
   * with COPY lanes one bus alone already keeps several of the cluster's WLM slots busy.
   */
  copyConcurrency: number;
  latency: Required<StandinLatency>;
  childNodeOptions: string[];
}

export interface ManyBusesRun {
  concurrency: number;
  /** Wall time of the `rsetl poll` child(ren), spawn to exit, until every bus was caught up. */
  wallMs: number;
  eventsPerSecond: number;
  polls: number;
  loads: number;
  statements: number;
  copies: number;
  /** Most loads in flight at one instant (the run log's started_at … finished_at). */
  maxLoadsInFlight: number;
  /** Commits that took a turn in the stand-in's commit queue, and how long they waited for it in all / at most. */
  commits: number;
  commitWaitMs: number;
  maxCommitWaitMs: number;
  /** Most statements holding a WLM slot at once, and statements that queued for one. */
  peakSlots: number;
  statementsQueuedForSlot: number;
  peakRssMb: number;
  /** Cores busy during the run: the bench's process tree / other processes. */
  ownCpuCores: number | null;
  foreignCpuCores: number | null;
}

export interface ManyBusesFigures {
  buses: number;
  eventsPerBus: number;
  events: number;
  latency: Required<StandinLatency>;
  serial: ManyBusesRun;
  concurrent: ManyBusesRun;
  /** serial wall time ÷ concurrent wall time. */
  speedup: number;
  /** Untimed setup: generating and inserting the events, init-etl of every bus. */
  setupMs: number;
}

/** CREATE DATABASE … TEMPLATE, retried while autovacuum or a closing backend still holds the template. */
async function copyDatabase(server: LocalPostgres, template: string, name: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      await withClient(server.url, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE ${c.escapeIdentifier(template)}`));
      return server.urlFor(name);
    } catch (e) {
      if (attempt >= 100 || !/being accessed by other users/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Runs `work` over `items`, at most `width` at a time. */
async function eachAtOnce<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

interface RunRow {
  started: number;
  finished: number;
  events: number;
  statements: number;
  copies: number;
  outcome: string;
}

/** The most [started, finished] intervals open at one instant (an end before a start at equal times). */
export function maxOverlap(rows: Array<{ started: number; finished: number }>): number {
  const edges = rows.flatMap((r) => [
    { t: r.started, d: 1 },
    { t: r.finished, d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (open += e.d));
  return max;
}

/** The prepared databases: every bus's events in the source, every bus created by init-etl. */
async function prepare(server: LocalPostgres, work: string, opts: ManyBusesOptions, log: (m: string) => void): Promise<{ source: string; backing: string }> {
  const source = 'bench_many_source';
  const backing = 'bench_many_redshift';
  const sourceUrl = await server.createDatabase(source);
  const backingUrl = await server.createDatabase(backing);
  // The same stream for every bus, each in its own domain (root_id) with its own ids.
  const plan = planStream(opts.eventsPerBus, '0');
  const since = sinceOf(plan);
  const events = [...benchEvents(plan)];
  await withClient(sourceUrl, async (c) => {
    await createOutboxTable(c);
    for (let i = 0; i < opts.buses; i++) {
      const rootId = String(1001 + i);
      await insertOutboxEvents(c, events.map((e) => ({ ...e, rootId })), { firstId: 1_000_000 + i * (opts.eventsPerBus * 10 + 100) });
    }
    await c.query('VACUUM (ANALYZE) analyticfinder');
  });
  log(`many buses: ${opts.buses} × ${events.length} events inserted; creating the buses (rsetl init-etl, no latency)`);
  const dir = join(work, 'many-setup');
  let stack: LocalStack | undefined = await startLocalStack({ dataDir: join(dir, 'stack'), sourceUrl, backingUrl });
  const stopStack = onCleanup('stop the many-buses setup stack', () => stack?.stop());
  try {
    const config = await writeChildConfig(stack.config, sourceUrl, { intervalSeconds: 240 }, join(dir, 'setup.config.json'));
    const indexes = Array.from({ length: opts.buses }, (_, i) => i);
    await eachAtOnce(indexes, 4, async (i) => {
      await createBus(config, sourceUrl, busSchema(i), String(1001 + i), since, join(dir, 'init'));
    });
  } finally {
    await stack.stop();
    stack = undefined;
    stopStack();
  }
  return { source, backing };
}

const busSchema = (i: number) => `many_${String(i + 1).padStart(3, '0')}`;

/** One measured run: fresh copies of the prepared databases, a stack with the latency model, polls until caught up. */
async function measure(
  server: LocalPostgres,
  prepared: { source: string; backing: string },
  concurrency: number,
  work: string,
  opts: ManyBusesOptions,
  log: (m: string) => void,
): Promise<ManyBusesRun> {
  const tag = `c${concurrency}`;
  const sourceUrl = await copyDatabase(server, prepared.source, `${prepared.source}_${tag}`);
  const backingUrl = await copyDatabase(server, prepared.backing, `${prepared.backing}_${tag}`);
  const dir = join(work, `many-${tag}`);
  await mkdir(dir, { recursive: true });
  let stack: LocalStack | undefined = await startLocalStack({ dataDir: join(dir, 'stack'), sourceUrl, backingUrl, latency: opts.latency });
  const stopStack = onCleanup(`stop the many-buses ${tag} stack`, () => stack?.stop());
  try {
    const config = await writeChildConfig(stack.config, sourceUrl, { intervalSeconds: 240, copyConcurrency: opts.copyConcurrency }, join(dir, 'poll.config.json'));
    const expected = opts.buses * opts.eventsPerBus;
    const children: ChildRun[] = [];
    let rows: RunRow[] = [];
    for (let i = 0; ; i++) {
      if (i >= 10) throw new Error(`many buses, concurrency ${concurrency}: not caught up after 10 polls`);
      const child = await runRsetl(['poll', '--config', config, '--concurrency', String(concurrency), '--json'], {
        tracePath: join(dir, `trace-${i}.json`),
        nodeOptions: opts.childNodeOptions,
      });
      children.push(child);
      if (child.exitCode !== 0) {
        throw new Error(`many buses, concurrency ${concurrency}: rsetl poll exited with ${child.exitCode ?? child.signal}\n${child.stderr.slice(-4000)}\n${child.stdout.slice(-2000)}`);
      }
      rows = await withClient(sourceUrl, async (c) =>
        (
          await c.query<{ started_at: Date; finished_at: Date; events: number; statements: number; copies: number; outcome: string }>(
            'select started_at, finished_at, events, statements, copies, outcome from rsetl.run order by id',
          )
        ).rows.map((r) => ({ started: r.started_at.getTime(), finished: r.finished_at.getTime(), events: r.events, statements: r.statements, copies: r.copies, outcome: r.outcome })),
      );
      const loaded = rows.filter((r) => r.outcome !== 'failed').reduce((a, r) => a + r.events, 0);
      log(`many buses, concurrency ${concurrency}: poll #${i + 1} done in ${(child.wallMs / 1000).toFixed(1)} s, ${loaded}/${expected} events loaded`);
      if (loaded >= expected) break;
    }
    const record = stack.standin.latencyRecord();
    const waits = record.commits.map((t) => t.start - t.queuedAt);
    const wallMs = children.reduce((a, c) => a + c.wallMs, 0);
    const cores = (pick: (c: NonNullable<ChildRun['cpu']>) => number) =>
      children.every((c) => c.cpu) ? children.reduce((a, c) => a + pick(c.cpu!) * c.wallMs, 0) / wallMs : null;
    const loads = rows.filter((r) => r.outcome === 'loaded');
    return {
      concurrency,
      wallMs: Math.round(wallMs),
      eventsPerSecond: expected / (wallMs / 1000),
      polls: children.length,
      loads: loads.length,
      statements: rows.reduce((a, r) => a + r.statements, 0),
      copies: rows.reduce((a, r) => a + r.copies, 0),
      maxLoadsInFlight: maxOverlap(loads),
      commits: record.commits.length,
      commitWaitMs: Math.round(waits.reduce((a, w) => a + w, 0)),
      maxCommitWaitMs: Math.round(Math.max(0, ...waits)),
      peakSlots: record.peakRunning,
      statementsQueuedForSlot: record.queuedStatements,
      peakRssMb: Math.max(...children.map((c) => Math.max(c.trace?.maxRssKb ?? 0, c.rss.sampledHwmKb))) / 1024,
      ownCpuCores: cores((c) => c.ownCores),
      foreignCpuCores: cores((c) => c.foreignCores),
    };
  } finally {
    await stack.stop();
    stack = undefined;
    stopStack();
  }
}

export async function manyBusesScenario(server: LocalPostgres, work: string, opts: ManyBusesOptions, log: (m: string) => void): Promise<ManyBusesFigures> {
  const t0 = Date.now();
  const prepared = await prepare(server, work, opts, log);
  const setupMs = Date.now() - t0;
  const l = opts.latency;
  log(
    `many buses: ${opts.buses} buses × ${opts.eventsPerBus} events, latency ${l.statementMs} ms per statement, ${l.copyMs} ms per COPY, ` +
      `${l.commitMs} ms per commit (one at a time), ${l.maxConcurrentStatements || 'unlimited'} WLM slots, poll.copyConcurrency ${opts.copyConcurrency}; concurrency 1, then ${opts.concurrency}`,
  );
  const serial = await measure(server, prepared, 1, work, opts, log);
  const concurrent = await measure(server, prepared, opts.concurrency, work, opts, log);
  return {
    buses: opts.buses,
    eventsPerBus: opts.eventsPerBus,
    events: opts.buses * opts.eventsPerBus,
    latency: l,
    serial,
    concurrent,
    speedup: serial.wallMs / concurrent.wallMs,
    setupMs,
  };
}

/** The report's "Many buses" section. */
export function renderManyBuses(f: ManyBusesFigures): string {
  const l = f.latency;
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const line = (r: ManyBusesRun) =>
    `${secs(r.wallMs)}, ${Math.round(r.eventsPerSecond).toLocaleString('en-US')} events/s; ${r.loads} loads, ${r.copies} COPYs, ` +
    `at most ${r.maxLoadsInFlight} loads at once; ${r.commits} commits waited ${secs(r.commitWaitMs)} in all (at most ${secs(r.maxCommitWaitMs)}); ` +
    `WLM peak ${r.peakSlots}, ${r.statementsQueuedForSlot} statements queued; peak RSS ${r.peakRssMb.toFixed(0)} MiB` +
    (r.foreignCpuCores !== null ? `; other processes ${r.foreignCpuCores.toFixed(2)} cores` : '');
  const rows: Array<[string, string]> = [
    ['concurrency 1', line(f.serial)],
    [`concurrency ${f.concurrent.concurrency}`, line(f.concurrent)],
    [`speedup (concurrency 1 ÷ ${f.concurrent.concurrency}; goal ≥ 3)`, f.speedup.toFixed(2)],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return (
    `\nMany buses (${f.buses} buses × ${f.eventsPerBus.toLocaleString('en-US')} events; ${l.statementMs} ms per statement, ${l.copyMs} ms per COPY, ` +
    `${l.commitMs} ms per commit one at a time, ${l.maxConcurrentStatements || 'unlimited'} WLM slots; time until every bus is caught up)\n` +
    rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n') +
    '\n'
  );
}
