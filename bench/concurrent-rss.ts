// Peak memory of ONE `rsetl poll` process loading several buses at once: `concurrency` buses, each
// with a backlog of `eventsPerLoad` events (poll.maxEventsPerLoad, 250,000 by default), all due, one
// `rsetl poll --concurrency <concurrency>` child. Each bus in flight holds its own load (its combined
// keyed rows, its open gzip streams), so this is the process's worst case for a given concurrency.
// The buses load the same domain's events into different schemas (one source of `eventsPerLoad`
// events, read by every bus), on a stack of their own without the latency model: the loads overlap
// as much as they can. Peak RSS is getrusage's maxRSS of the child (written at exit by the bench's
// preloaded hook), cross-checked with /proc VmHWM sampled every 50 ms.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { insertOutboxEvents } from '../src/demo/outbox.js';
import type { LocalPostgres } from '../src/localstack/postgres.js';
import { startLocalStack, type LocalStack } from '../src/localstack/stack.js';
import { createOutboxTable } from '../src/source/outbox-table.js';
import { runRsetl, type ChildRun } from './child.js';
import { onCleanup } from './cleanup.js';
import { benchEvents, planStream, sinceOf } from './events.js';
import { maxOverlap } from './many-buses.js';
import { createBus, writeChildConfig } from './rsetl-run.js';

export interface ConcurrentRssFigures {
  concurrency: number;
  eventsPerLoad: number;
  buses: number;
  /** Events loaded over all buses. */
  events: number;
  /** Peak resident memory of the one child, MiB (getrusage maxRSS; VmHWM sampling if higher). */
  peakRssMb: number;
  /** Maxima of process.memoryUsage() sampled every 100 ms in the child, MiB. */
  memoryMaxMb: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number } | null;
  /** Loads whose started_at … finished_at overlapped at one instant (the run log). */
  maxLoadsInFlight: number;
  loads: number;
  polls: number;
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Cores used meanwhile by other processes (the machine is shared). */
  foreignCpuCores: number | null;
  /** Untimed setup: the events inserted, the buses created. */
  setupMs: number;
}

const ROOT_ID = '7';

export async function concurrentRss(
  server: LocalPostgres,
  opts: { concurrency: number; eventsPerLoad: number; workDir: string; childNodeOptions: string[]; log: (msg: string) => void },
): Promise<ConcurrentRssFigures> {
  const t0 = Date.now();
  const dir = opts.workDir;
  await mkdir(dir, { recursive: true });
  const sourceUrl = await server.createDatabase('bench_rss_source');
  const backingUrl = await server.createDatabase('bench_rss_redshift');
  const plan = planStream(opts.eventsPerLoad, ROOT_ID);
  opts.log(`concurrent RSS: generating ${opts.eventsPerLoad} events for ${opts.concurrency} buses of the same domain`);
  const c = new pg.Client({ connectionString: sourceUrl });
  await c.connect();
  try {
    await createOutboxTable(c);
    await insertOutboxEvents(c, benchEvents(plan), { firstId: 1_000_000 });
    await c.query('VACUUM (ANALYZE) analyticfinder');
  } finally {
    await c.end();
  }
  let stack: LocalStack | undefined = await startLocalStack({ dataDir: join(dir, 'stack'), sourceUrl, backingUrl });
  const stopStack = onCleanup('stop the concurrent-RSS stack', () => stack?.stop());
  try {
    const config = await writeChildConfig(stack.config, sourceUrl, { intervalSeconds: 240, maxEventsPerLoad: opts.eventsPerLoad }, join(dir, 'poll.config.json'));
    for (let i = 1; i <= opts.concurrency; i++) await createBus(config, sourceUrl, `bench_rss_${i}`, ROOT_ID, sinceOf(plan), join(dir, 'init'));
    const setupMs = Date.now() - t0;
    const expected = opts.eventsPerLoad * opts.concurrency;
    const children: ChildRun[] = [];
    let rows: Array<{ started: number; finished: number; events: number; outcome: string }> = [];
    for (let i = 0; ; i++) {
      if (i >= 5) throw new Error(`concurrent RSS: not caught up after 5 polls`);
      opts.log(`concurrent RSS: rsetl poll --concurrency ${opts.concurrency} over ${opts.concurrency} × ${opts.eventsPerLoad} events`);
      const child = await runRsetl(['poll', '--config', config, '--concurrency', String(opts.concurrency), '--json'], {
        tracePath: join(dir, `trace-${i}.json`),
        nodeOptions: opts.childNodeOptions,
      });
      children.push(child);
      if (child.exitCode !== 0) {
        throw new Error(`concurrent RSS: rsetl poll exited with ${child.exitCode ?? child.signal}\n${child.stderr.slice(-4000)}\n${child.stdout.slice(-2000)}`);
      }
      const s = new pg.Client({ connectionString: sourceUrl });
      await s.connect();
      try {
        rows = (
          await s.query<{ started_at: Date; finished_at: Date; events: number; outcome: string }>('select started_at, finished_at, events, outcome from rsetl.run order by id')
        ).rows.map((r) => ({ started: r.started_at.getTime(), finished: r.finished_at.getTime(), events: r.events, outcome: r.outcome }));
      } finally {
        await s.end();
      }
      const loaded = rows.filter((r) => r.outcome !== 'failed').reduce((a, r) => a + r.events, 0);
      if (loaded >= expected) break;
    }
    const loads = rows.filter((r) => r.outcome === 'loaded');
    const traces = children.map((ch) => ch.trace);
    const wallMs = children.reduce((a, ch) => a + ch.wallMs, 0);
    const out: ConcurrentRssFigures = {
      concurrency: opts.concurrency,
      eventsPerLoad: opts.eventsPerLoad,
      buses: opts.concurrency,
      events: loads.reduce((a, r) => a + r.events, 0),
      peakRssMb: Math.max(...children.map((ch) => Math.max(ch.trace?.maxRssKb ?? 0, ch.rss.sampledHwmKb))) / 1024,
      memoryMaxMb: traces.every((t) => t?.memory)
        ? {
            rss: Math.max(...traces.map((t) => t!.memory.rss)),
            heapTotal: Math.max(...traces.map((t) => t!.memory.heapTotal)),
            heapUsed: Math.max(...traces.map((t) => t!.memory.heapUsed)),
            external: Math.max(...traces.map((t) => t!.memory.external)),
            arrayBuffers: Math.max(...traces.map((t) => t!.memory.arrayBuffers)),
          }
        : null,
      maxLoadsInFlight: maxOverlap(loads),
      loads: loads.length,
      polls: children.length,
      wallMs: Math.round(wallMs),
      cpuUserMs: Math.round(traces.reduce((a, t) => a + (t?.userCpuMs ?? 0), 0)),
      cpuSystemMs: Math.round(traces.reduce((a, t) => a + (t?.systemCpuMs ?? 0), 0)),
      foreignCpuCores: children.every((ch) => ch.cpu) ? children.reduce((a, ch) => a + ch.cpu!.foreignCores * ch.wallMs, 0) / wallMs : null,
      setupMs,
    };
    opts.log(
      `concurrent RSS: ${out.loads} loads of up to ${opts.eventsPerLoad} events, at most ${out.maxLoadsInFlight} at once, peak RSS ${out.peakRssMb.toFixed(0)} MiB, ${(out.wallMs / 1000).toFixed(1)} s`,
    );
    return out;
  } finally {
    await stack.stop();
    stack = undefined;
    stopStack();
  }
}

export function renderConcurrentRss(f: ConcurrentRssFigures): string {
  const m = f.memoryMaxMb;
  return (
    `\nOne rsetl poll loading ${f.buses} buses at once (--concurrency ${f.concurrency}, ${f.eventsPerLoad.toLocaleString('en-US')} events per load; goal < 400 MiB)\n` +
    `  peak RSS ${f.peakRssMb.toFixed(1)} MiB; ${f.loads} loads, at most ${f.maxLoadsInFlight} at once; ${(f.wallMs / 1000).toFixed(1)} s, ` +
    `CPU ${(f.cpuUserMs / 1000).toFixed(2)} s user + ${(f.cpuSystemMs / 1000).toFixed(2)} s system` +
    (f.foreignCpuCores !== null ? `; other processes ${f.foreignCpuCores.toFixed(2)} cores` : '') +
    '\n' +
    (m ? `  max heap total / heap used / external / array buffers: ${m.heapTotal.toFixed(0)} / ${m.heapUsed.toFixed(0)} / ${m.external.toFixed(0)} / ${m.arrayBuffers.toFixed(0)} MiB\n` : '')
  );
}
