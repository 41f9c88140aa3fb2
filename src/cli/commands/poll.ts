import type { Command } from 'commander';
import { pollLoop } from '../../pipeline/poll-loop.js';
import { pollOnce, type PollSummary } from '../../pipeline/poller.js';
import { EXIT } from '../exit-codes.js';
import { runCommand, withCommonOptions, type Output } from '../context.js';
import { installStopSignals } from '../signals.js';

export function renderSummary(out: Output, s: PollSummary): void {
  for (const b of s.buses) {
    const events = b.loads.reduce((a, l) => a + l.events, 0);
    const loads = b.loads.filter((l) => l.outcome === 'loaded').length;
    const label = `bus ${b.busId} (${b.schema})`;
    switch (b.status) {
      case 'locked':
        out.info(`${label}: held by another process, skipped`);
        break;
      case 'not-due':
        out.info(`${label}: not due`);
        break;
      case 'failed':
        out.warn(`${label}: FAILED after ${loads} load(s): ${String(b.error.message)}; retry in ${b.retryInSeconds}s${b.paused ? '; bus paused' : ''}`);
        break;
      default:
        out.success(`${label}: ${events} events in ${loads} load(s), ${b.status}`);
        if ('error' in b.after.swept) out.warn(`${label}: retention sweep of old staged files failed: ${b.after.swept.error}`);
        else if (b.after.swept.folders > 0) out.info(`${label}: removed the staged files of ${b.after.swept.folders} failed load(s) older than s3.retentionHours`);
    }
  }
  for (const f of s.failing) out.warn(`bus ${f.busId} (${f.schema}) is failing (${f.failureCount} consecutive failures): see \`rsetl status\``);
}

export function registerPoll(program: Command): void {
  withCommonOptions(
    program
      .command('poll')
      .description('load every due Active bus until caught up (the cron entry point); exit 1 while a bus is failing')
      .option('--once', 'one pass over the due buses, then exit (default)')
      .option('--loop', 'keep polling every poll.intervalSeconds until SIGTERM/SIGINT')
      .option('--max-seconds <n>', 'time budget; the load in progress finishes', Number)
      .option('--bus <bus...>', 'only these buses (id or schema)')
      .addHelpText('after', '\nExamples:\n  rsetl poll                      # cron: */4 * * * *\n  rsetl poll --loop --max-seconds 3600\n'),
  ).action(async (opts: { loop?: boolean; maxSeconds?: number; bus?: string[] }, cmd: Command) =>
    runCommand(cmd, async ({ out, config, connections }) => {
      const cfg = await config(['source', 'redshift', 's3']);
      const conn = await connections(['source', 'redshift', 's3']);
      const stop = installStopSignals();
      try {
        const common = {
          ...(opts.bus ? { buses: opts.bus } : {}),
          shouldStop: stop.requested,
          onLoad: (l: { events: number; busId: number; outcome: string }) =>
            out.progress(`bus ${l.busId}: ${l.events} events, ${l.outcome}`),
        };
        const summary = opts.loop
          ? await pollLoop(conn, cfg, { ...common, ...(opts.maxSeconds ? { maxSeconds: opts.maxSeconds } : {}), onPass: (s) => renderSummary(out, s) })
          : await pollOnce(conn, cfg, { ...common, ...(opts.maxSeconds ? { maxSeconds: opts.maxSeconds } : {}) });
        if (out.json) out.result(summary);
        else if (!opts.loop) renderSummary(out, summary);
        const signal = stop.signal();
        if (signal) return signal === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM;
        return summary.failing.length > 0 || summary.buses.some((b) => b.status === 'failed') ? EXIT.FAILED : EXIT.OK;
      } finally {
        stop.dispose();
      }
    }),
  );
}
