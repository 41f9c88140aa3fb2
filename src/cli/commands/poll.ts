import type { Command } from 'commander';
import { pollLoop } from '../../pipeline/poll-loop.js';
import { pollOnce, type PollSummary } from '../../pipeline/poller.js';
import { StoppedError, UsageError } from '../../errors.js';
import type { LoadProgress } from '../../pipeline/load-progress.js';
import type { LoadOutcome } from '../../pipeline/load-window.js';
import { EXIT } from '../exit-codes.js';
import { busRefArgument, intOption, repeatable } from '../option-values.js';
import { runCommand, withCommonOptions, type Output } from '../context.js';
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
 * staged, COPYs done, elapsed; nothing under cron), and under -v a line per finished load.
 */
export function loadReporter(out: Output): { onProgress: (p: LoadProgress) => void; onLoad: (l: LoadOutcome) => void } {
  let started = Date.now();
  return {
    onProgress: (p) => out.progress(progressLine(p, Date.now() - started)),
    onLoad: (l) => {
      out.verbose(loadLine(l));
      started = Date.now();
    },
  };
}

export function progressLine(p: LoadProgress, elapsedMs: number): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const copies = p.stage === 'loading' ? `, COPY ${p.copiesDone}/${p.copiesTotal} (${p.table})` : '';
  return `bus ${p.busId}: ${p.stage}, ${n(p.events)} events read, ${n(p.rowsStaged)} rows staged${copies}, ${(elapsedMs / 1000).toFixed(1)} s`;
}

/** `-v`: one line per load (a coalesced window): what it read, staged and sent, and how long it took. */
export function loadLine(l: LoadOutcome): string {
  const mb = (l.bytesStaged / 1e6).toFixed(1);
  return `bus ${l.busId} load ${l.loadId}: ${l.outcome}, ${l.events} events from ${l.windowFrom} to ${l.windowTo}, ${Object.keys(l.tables).length} tables, ${mb} MB staged, ${l.copies} COPYs, ${l.statements} statements, ${(l.durationMs / 1000).toFixed(1)} s`;
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
      .addHelpText('after', '\nExamples:\n  rsetl poll                      # cron: */4 * * * *\n  rsetl poll --loop --max-seconds 3600\n'),
  ).action(async (opts: { once?: boolean; loop?: boolean; maxSeconds?: number; bus?: string[] }, cmd: Command) =>
    runCommand(cmd, async ({ out, config, connections }) => {
      if (opts.loop && opts.once) throw new UsageError('give --once or --loop, not both');
      const cfg = await config(['source', 'redshift', 's3']);
      const conn = await connections(['source', 'redshift', 's3']);
      const stop = installStopSignals();
      try {
        const common = {
          ...(opts.bus ? { buses: opts.bus } : {}),
          shouldStop: stop.requested,
          ...loadReporter(out),
        };
        let summary: PollSummary;
        try {
          summary = opts.loop
            ? await pollLoop(conn, cfg, { ...common, ...(opts.maxSeconds ? { maxSeconds: opts.maxSeconds } : {}), onPass: (s) => renderSummary(out, s, { loop: true }) })
            : await pollOnce(conn, cfg, { ...common, ...(opts.maxSeconds ? { maxSeconds: opts.maxSeconds } : {}) });
        } catch (e) {
          // A Data API statement cancelled by the stop: its load rolled back, nothing half-applied.
          if (e instanceof StoppedError && stop.signal()) {
            out.info('stopped: the load in flight was cancelled on Redshift and rolled back');
            return stop.signal() === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM;
          }
          throw e;
        }
        if (out.json) out.result(summary);
        else if (!opts.loop) renderSummary(out, summary);
        const signal = stop.signal();
        if (signal) return signal === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM;
        return pollExitCode(summary);
      } finally {
        stop.dispose();
      }
    }),
  );
}
