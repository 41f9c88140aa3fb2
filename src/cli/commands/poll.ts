import type { Command } from 'commander';
import { pollLoop } from '../../pipeline/poll-loop.js';
import { pollOnce, type BusOutcome, type PollSummary } from '../../pipeline/poller.js';
import { StoppedError, UsageError } from '../../errors.js';
import type { LoadProgress } from '../../pipeline/load-progress.js';
import type { LoadOutcome } from '../../pipeline/load-window.js';
import { EXIT } from '../exit-codes.js';
import { busRefArgument, choiceOption, intOption, pathOption, repeatable } from '../option-values.js';
import { runCommand, withCommonOptions, type CommandContext, type Output } from '../context.js';
import { METRICS_FORMATS, metricsTargets, type MetricsFlags } from '../metrics-flags.js';
import { MetricsPublisher } from '../../metrics/publish.js';
import { installStopSignals } from '../signals.js';

/**
 * The poll's result, a line per bus. Under `--loop` a bus that is merely not due says nothing:
 * the daemon would otherwise repeat it on every pass.
 */
export function renderSummary(out: Output, s: PollSummary, opts: { loop?: boolean } = {}): void {
  for (const b of s.buses) {
    const events = b.loads.reduce((a, l) => a + l.events, 0);
    const loads = b.loads.filter((l) => l.outcome === 'loaded').length;
    const label = `bus ${b.busId} (${b.schema})`;
    switch (b.status) {
      case 'locked':
        out.info(`${label}: held by another process, skipped`);
        break;
      case 'not-due':
        if (!opts.loop) out.info(`${label}: not due`);
        break;
      case 'failed':
        if (b.blocked) {
          out.warn(`${label}: BLOCKED after ${loads} load(s) by a data error: ${String(b.error.message)}; it waits for a decision: rsetl unblock --bus ${b.schema}`);
        } else {
          out.warn(`${label}: FAILED after ${loads} load(s): ${String(b.error.message)}; retry in ${b.retryInSeconds}s${b.paused ? '; bus paused' : ''}`);
        }
        break;
      default:
        out.success(`${label}: ${events} events in ${loads} load(s), ${b.status}`);
        const late = b.loads.reduce((a, l) => a + l.lateEvents, 0);
        if (late > 0) out.warn(`${label}: ${late} event(s) committed after the window had passed their time (later than poll.lookbackSeconds) and were not loaded; rsetl status shows them`);
        if ('error' in b.after.swept) out.warn(`${label}: retention sweep of old staged files failed: ${b.after.swept.error}`);
        else if (b.after.swept.folders > 0) out.info(`${label}: removed the staged files of ${b.after.swept.folders} failed load(s) older than s3.retentionHours`);
    }
  }
  const reported = new Set(s.buses.filter((b) => b.status === 'failed').map((b) => b.busId));
  for (const f of s.failing) {
    if (reported.has(f.busId)) continue;
    const what = f.blocked ? 'is blocked by a data error' : `is failing (${f.failureCount} consecutive failures, next attempt ${f.nextRunAt})`;
    out.warn(`bus ${f.busId} (${f.schema}) ${what}: rsetl unblock --bus ${f.schema} shows why and what to do`);
  }
}

/**
 * 1 while any bus is failing (cron alerts); 77 when a bus failed this run because a permission is
 * missing (an IAM action denied, a grant revoked), 69 when a service was unreachable (the source lost
 * mid-poll, Redshift down): the operator knows where to look first.
 */
export function pollExitCode(s: PollSummary): number {
  const failedWith = (kind: string) => s.buses.some((b) => b.status === 'failed' && b.error.kind === kind);
  if (failedWith('permission')) return EXIT.PERMISSION;
  if (failedWith('unreachable')) return EXIT.UNREACHABLE;
  return s.failing.length > 0 || s.buses.some((b) => b.status === 'failed') ? EXIT.FAILED : EXIT.OK;
}

/**
 * What a person watching sees while loads run: a progress line on a terminal (events read, rows
 * staged, COPYs done, elapsed; nothing under cron), and under -v a line per finished load. With
 * several buses loading at once the one line counts them and their events, and shows the bus that
 * reported last.
 */
export function loadReporter(out: Output): {
  onProgress: (p: LoadProgress) => void;
  onLoad: (l: LoadOutcome) => void;
  onBusDone: (b: BusOutcome) => void;
} {
  const running = new Map<number, { started: number; last: LoadProgress }>();
  return {
    onProgress: (p) => {
      const load = running.get(p.busId) ?? { started: Date.now(), last: p };
      load.last = p;
      running.set(p.busId, load);
      const line = progressLine(p, Date.now() - load.started);
      if (running.size === 1) return out.progress(line);
      const events = [...running.values()].reduce((a, r) => a + r.last.events, 0);
      out.progress(`${running.size} buses loading, ${events.toLocaleString('en-US')} events read; ${line}`);
    },
    onLoad: (l) => {
      out.verbose(loadLine(l));
      running.delete(l.busId);
    },
    onBusDone: (b) => {
      running.delete(b.busId);
    },
  };
}

export function progressLine(p: LoadProgress, elapsedMs: number): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const copies = p.stage === 'loading' ? `, COPY ${p.copiesDone}/${p.copiesTotal} (${p.table})` : '';
  const stage = p.stage === 'waiting' ? "waiting for another bus's read" : p.stage;
  return `bus ${p.busId}: ${stage}, ${n(p.events)} events read, ${n(p.rowsStaged)} rows staged${copies}, ${(elapsedMs / 1000).toFixed(1)} s`;
}

/** `-v`: one line per load (a coalesced window): what it read, staged and sent, and how long it took. */
export function loadLine(l: LoadOutcome): string {
  const mb = (l.bytesStaged / 1e6).toFixed(1);
  return `bus ${l.busId} load ${l.loadId}: ${l.outcome}, ${l.events} events from ${l.windowFrom} to ${l.windowTo}, ${Object.keys(l.tables).length} tables, ${mb} MB staged, ${l.copies} COPYs, ${l.statements} statements in ${l.roundTrips} round trips, ${(l.durationMs / 1000).toFixed(1)} s`;
}

export function registerPoll(program: Command): void {
  withCommonOptions(
    program
      .command('poll')
      .description('load every due Active bus until caught up (the cron entry point); exit 1 while a bus is failing')
      .option('--once', 'one pass over the due buses, then exit (default)')
      .option('--loop', 'keep polling every poll.intervalSeconds until SIGTERM/SIGINT')
      .option('--max-seconds <n>', 'time budget in seconds (1 to 31,536,000); the load in progress finishes', intOption(1, 31_536_000))
      .option('--bus <bus...>', 'only these buses (id or schema)', repeatable(busRefArgument))
      .option('--concurrency <n>', 'due buses loaded at once, oldest lag first (1 to 64; default poll.concurrency, 4)', intOption(1, 64))
      .option('--metrics-file <path>', "after the run (each pass under --loop), write every bus's figures in Prometheus text format to this file, atomically (node_exporter's textfile collector)", pathOption('out-file'))
      .option('--metrics <format>', 'prometheus (to --metrics-file) or emf (CloudWatch Embedded Metric Format: a JSON line per bus on stdout; not with --json)', choiceOption(METRICS_FORMATS))
      .addHelpText(
        'after',
        '\nExamples:\n  rsetl poll                      # cron: */4 * * * *\n  rsetl poll --loop --max-seconds 3600\n  rsetl poll --concurrency 8       # a backlog on many buses\n  rsetl poll --metrics-file /var/lib/node_exporter/textfile_collector/rsetl.prom\n  rsetl poll --metrics emf         # Lambda, ECS: metrics through CloudWatch Logs\n',
      ),
  ).action(async (opts: PollFlags, cmd: Command) =>
    runCommand(cmd, async (ctx) => {
      if (opts.loop && opts.once) throw new UsageError('give --once or --loop, not both');
      const metrics = new MetricsPublisher(await metricsTargets(opts, ctx.out), { stdout: process.stdout, warn: (m) => ctx.out.warn(m) }, opts.bus);
      const started = Date.now();
      try {
        return await runPoll(ctx, opts, metrics);
      } catch (e) {
        // The figures cannot be read now, but the file says when the run failed: rsetl_up 0.
        await metrics.afterFailure(opts.loop ? undefined : (Date.now() - started) / 1000);
        throw e;
      }
    }),
  );
}

type PollFlags = { once?: boolean; loop?: boolean; maxSeconds?: number; bus?: string[]; concurrency?: number } & MetricsFlags;

async function runPoll({ out, config, connections }: CommandContext, opts: PollFlags, metrics: MetricsPublisher): Promise<number> {
  const cfg = await config(['source', 'redshift', 's3']);
  const conn = await connections(['source', 'redshift', 's3']);
  const stop = installStopSignals();
  try {
    const common = {
      ...(opts.bus ? { buses: opts.bus } : {}),
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      shouldStop: stop.requested,
      ...loadReporter(out),
    };
    const passStarted = Date.now();
    let summary: PollSummary;
    try {
      summary = opts.loop
        ? await pollLoop(conn, cfg, {
            ...common,
            ...(opts.maxSeconds ? { maxSeconds: opts.maxSeconds } : {}),
            onPass: async (s, pass) => {
              renderSummary(out, s, { loop: true });
              await metrics.afterPass(conn, cfg, { summary: s, pollSeconds: (Date.now() - pass.startedAt) / 1000 });
            },
            onIdle: () => metrics.afterPass(conn, cfg),
          })
        : await pollOnce(conn, cfg, { ...common, ...(opts.maxSeconds ? { maxSeconds: opts.maxSeconds } : {}) });
    } catch (e) {
      // A Data API statement cancelled by the stop: its load rolled back, nothing half-applied.
      if (e instanceof StoppedError && stop.signal()) {
        out.info('stopped: the load in flight was cancelled on Redshift and rolled back');
        await metrics.afterPass(conn, cfg, opts.loop ? {} : { pollSeconds: (Date.now() - passStarted) / 1000 });
        return stop.signal() === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM;
      }
      throw e;
    }
    if (out.json) out.result(summary);
    else if (!opts.loop) renderSummary(out, summary);
    if (!opts.loop) await metrics.afterPass(conn, cfg, { summary, pollSeconds: (Date.now() - passStarted) / 1000 });
    const signal = stop.signal();
    if (signal) return signal === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM;
    return pollExitCode(summary);
  } finally {
    stop.dispose();
  }
}
