// Freshness: how long after an event commits to the outbox its rows are visible in Redshift, under
// `rsetl poll --loop` with poll.intervalSeconds 10 and a steady stream of events, on the stand-in
// with the bench's latency model (per statement, per COPY: the latency runs' settings).
//
// The demo stream's events are inserted as they would arrive, `rate` per second for `seconds`
// seconds, in small transactions every 200 ms (COPY FROM STDIN of the batch; the outbox `time` is
// the insert's clock), and each batch's commit time is the moment its COPY returned. Every
// PageNavEvent of the stream (a fifth of it, spread over the whole run) is then looked for in the
// loaded schema — in the stand-in's backing PostgreSQL, by its event id, every 250 ms — and its
// freshness is the first check that saw its row minus its commit time (so up to 250 ms late). A
// load commits all its tables at once, so one event type stands for every event of its load. The
// daemon is stopped (SIGTERM) when every sampled event was seen, or after `drainSeconds` more.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { withClient } from './pg-client.js';
import type { DemoEvent } from '../src/demo/generator.js';
import { insertOutboxEvents } from '../src/demo/outbox.js';
import type { LocalPostgres } from '../src/localstack/postgres.js';
import type { StandinLatency } from '../src/localstack/redshift-standin/index.js';
import { startLocalStack, type LocalStack } from '../src/localstack/stack.js';
import { createOutboxTable } from '../src/source/outbox-table.js';
import { REPO_ROOT } from './child.js';
import { onCleanup } from './cleanup.js';
import { benchEvents, planStream } from './events.js';
import { createBus, writeChildConfig } from './rsetl-run.js';

export interface FreshnessOptions {
  seconds: number;
  /** Events per second inserted. */
  rate: number;
  intervalSeconds: number;
  latency: StandinLatency;
  /** How long to wait after the stream for the last sampled events. */
  drainSeconds: number;
  workDir: string;
  childNodeOptions: string[];
  log: (msg: string) => void;
}

export interface FreshnessFigures {
  seconds: number;
  rate: number;
  intervalSeconds: number;
  latency: StandinLatency;
  eventsInserted: number;
  /** Sampled events (the stream's PageNavEvents) and how many of them were seen loaded. */
  sampled: number;
  seen: number;
  /** Commit → visible in Redshift, over the sampled events, seconds. */
  p50Seconds: number | null;
  p90Seconds: number | null;
  p99Seconds: number | null;
  maxSeconds: number | null;
  /** The goal: p99 below three poll intervals. */
  goalSeconds: number;
  goalMet: boolean;
  /** The daemon's loads meanwhile (run log): how many, their mean and longest duration, COPYs per load. */
  loads: number;
  meanLoadSeconds: number | null;
  maxLoadSeconds: number | null;
  meanCopiesPerLoad: number | null;
  /** Exit of `rsetl poll --loop` after SIGTERM (143 is a clean stop). */
  daemonExit: number | null;
}

const ROOT_ID = '5';
const SCHEMA = 'bench_fresh';
const TICK_MS = 200;
const CHECK_MS = 250;

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function freshness(server: LocalPostgres, opts: FreshnessOptions): Promise<FreshnessFigures> {
  const dir = opts.workDir;
  await mkdir(dir, { recursive: true });
  const sourceUrl = await server.createDatabase('bench_fresh_source');
  const backingUrl = await server.createDatabase('bench_fresh_redshift');
  await withClient(sourceUrl, (c) => createOutboxTable(c));
  let stack: LocalStack | undefined = await startLocalStack({ dataDir: join(dir, 'stack'), sourceUrl, backingUrl, latency: opts.latency });
  const stopStack = onCleanup('stop the freshness stack', () => stack?.stop());
  const source = new pg.Client({ connectionString: sourceUrl });
  const backing = new pg.Client({ connectionString: backingUrl });
  let daemon: ReturnType<typeof spawn> | undefined;
  try {
    await source.connect();
    await backing.connect();
    const config = await writeChildConfig(stack.config, sourceUrl, { intervalSeconds: opts.intervalSeconds }, join(dir, 'poll.config.json'));
    opts.log(`freshness: creating the bus (init-etl through the latency model)`);
    await createBus(config, sourceUrl, SCHEMA, ROOT_ID, new Date(Date.now() - 60_000), join(dir, 'init'));

    // The daemon, as a service manager would run it.
    daemon = spawn(process.execPath, [...opts.childNodeOptions, join(REPO_ROOT, 'bin', 'rsetl'), 'poll', '--loop', '--bus', SCHEMA, '--config', config], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const child = daemon;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const unregister = onCleanup(`rsetl poll --loop ${child.pid}`, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));

    const total = Math.max(1, Math.round(opts.rate * opts.seconds));
    const stream = benchEvents(planStream(total, ROOT_ID), total)[Symbol.iterator]();
    const committedAt = new Map<string, number>();
    const seenAt = new Map<string, number>();
    let inserted = 0;
    let nextId = 1_000_000;
    let streaming = true;

    // Visibility checks, in the background until stopped.
    let checking = true;
    const checker = (async () => {
      while (checking) {
        const pending = [...committedAt.keys()].filter((id) => !seenAt.has(id));
        if (pending.length > 0) {
          const r = await backing.query<{ id: string }>(`select id from ${SCHEMA}.pagenavevent where id = any($1::text[])`, [pending]).catch(() => ({ rows: [] }));
          const now = Date.now();
          for (const row of r.rows) if (!seenAt.has(row.id)) seenAt.set(row.id, now);
        }
        await new Promise((resolve) => setTimeout(resolve, CHECK_MS));
      }
    })();

    opts.log(`freshness: ${opts.rate} events/s for ${opts.seconds} s into the outbox, rsetl poll --loop every ${opts.intervalSeconds} s`);
    const start = Date.now();
    while (streaming) {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * opts.rate));
      const batch: DemoEvent[] = [];
      while (inserted + batch.length < due) {
        const next = stream.next();
        if (next.done) break;
        batch.push({ ...next.value, time: new Date() });
      }
      if (batch.length > 0) {
        await insertOutboxEvents(source, batch, { firstId: nextId });
        const at = Date.now();
        nextId += batch.length * 10 + 20;
        inserted += batch.length;
        for (const e of batch) {
          const d = e.datajson as { eventType?: string; id?: string };
          if (d.eventType === 'PageNavEvent' && typeof d.id === 'string') committedAt.set(d.id, at);
        }
      }
      if (inserted >= total || child.exitCode !== null) streaming = false;
      else await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    opts.log(`freshness: ${inserted} events inserted in ${((Date.now() - start) / 1000).toFixed(0)} s; waiting for the last loads`);
    const drainUntil = Date.now() + opts.drainSeconds * 1000;
    while (seenAt.size < committedAt.size && Date.now() < drainUntil && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, CHECK_MS));
    }
    checking = false;
    await checker;
    child.kill('SIGTERM');
    const daemonExit = await Promise.race([exited, new Promise<number | null>((resolve) => setTimeout(() => resolve(null), 120_000))]);
    if (daemonExit === null) child.kill('SIGKILL');
    unregister();
    if (daemonExit !== 143 && daemonExit !== 0) opts.log(`freshness: rsetl poll --loop exited with ${daemonExit}\n${stderr.slice(-2000)}`);

    const lags = [...seenAt].map(([id, t]) => (t - committedAt.get(id)!) / 1000).sort((a, b) => a - b);
    const runs = (
      await source.query<{ started_at: Date; finished_at: Date; copies: number; outcome: string }>(
        `select started_at, finished_at, copies, outcome from rsetl.run where outcome = 'loaded' order by id`,
      )
    ).rows;
    const durations = runs.map((r) => (r.finished_at.getTime() - r.started_at.getTime()) / 1000);
    const p99 = percentile(lags, 99);
    const goalSeconds = 3 * opts.intervalSeconds;
    const out: FreshnessFigures = {
      seconds: opts.seconds,
      rate: opts.rate,
      intervalSeconds: opts.intervalSeconds,
      latency: opts.latency,
      eventsInserted: inserted,
      sampled: committedAt.size,
      seen: seenAt.size,
      p50Seconds: percentile(lags, 50),
      p90Seconds: percentile(lags, 90),
      p99Seconds: p99,
      maxSeconds: lags.at(-1) ?? null,
      goalSeconds,
      // Every sampled event must have been seen: one never loaded is not fresh at any percentile.
      goalMet: p99 !== null && p99 < goalSeconds && seenAt.size === committedAt.size,
      loads: runs.length,
      meanLoadSeconds: durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null,
      maxLoadSeconds: durations.length ? Math.max(...durations) : null,
      meanCopiesPerLoad: runs.length ? runs.reduce((a, r) => a + r.copies, 0) / runs.length : null,
      daemonExit,
    };
    opts.log(
      `freshness: ${out.seen}/${out.sampled} sampled events seen; p50 ${out.p50Seconds?.toFixed(1)} s, p99 ${out.p99Seconds?.toFixed(1)} s ` +
        `(goal < ${goalSeconds} s); ${out.loads} loads of ${out.meanLoadSeconds?.toFixed(1)} s on average`,
    );
    return out;
  } finally {
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    await source.end().catch(() => undefined);
    await backing.end().catch(() => undefined);
    await stack.stop();
    stack = undefined;
    stopStack();
  }
}

export function renderFreshness(f: FreshnessFigures): string {
  const s = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)} s`);
  return (
    `\nFreshness: commit → visible in Redshift under rsetl poll --loop (interval ${f.intervalSeconds} s; ` +
    `${f.latency.statementMs ?? 0} ms per statement, ${f.latency.copyMs ?? 0} ms per COPY; ${f.rate} events/s for ${f.seconds} s)\n` +
    `  p50 ${s(f.p50Seconds)}, p90 ${s(f.p90Seconds)}, p99 ${s(f.p99Seconds)}, max ${s(f.maxSeconds)} — goal p99 < ${f.goalSeconds} s: ${f.goalMet ? 'met' : 'NOT met'}\n` +
    `  ${f.seen} of ${f.sampled} sampled events (the stream's PageNavEvents) seen, of ${f.eventsInserted} inserted; ` +
    `${f.loads} loads, ${s(f.meanLoadSeconds)} on average (longest ${s(f.maxLoadSeconds)}), ${f.meanCopiesPerLoad?.toFixed(1) ?? '—'} COPYs each` +
    (f.daemonExit !== 143 ? `; the daemon exited with ${f.daemonExit}` : '') +
    '\n'
  );
}
