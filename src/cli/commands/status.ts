import type { Command } from 'commander';
import { busStatuses } from '../../pipeline/status.js';
import { EXIT } from '../exit-codes.js';
import { runCommand, withCommonOptions } from '../context.js';

function age(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

export function registerStatus(program: Command): void {
  withCommonOptions(
    program
      .command('status')
      .description('every bus: state, lag, dead letters, future-dated events, last success, failures, next attempt, last error; exit 1 if a bus is failing')
      .addHelpText('after', '\nExample:\n  rsetl status --json | jq \'.buses[] | select(.failureCount > 0)\'\n'),
  ).action(async (_opts: unknown, cmd: Command) =>
    runCommand(cmd, async ({ out, config, connections }) => {
      const cfg = await config(['source']);
      const buses = await busStatuses(await connections(['source']), cfg);
      if (out.json) out.result({ buses });
      else if (buses.length === 0) out.info('no buses yet: create one with `rsetl init-etl <schema> --domain <root_id>`');
      else {
        out.table(
          buses.map((b) => ({
            bus: b.id,
            schema: b.schema,
            domain: b.rootId,
            state: b.blocked ? `${b.state}, blocked` : b.state,
            pending: `${b.pendingEvents}${b.pendingCapped ? '+' : ''}`,
            lag: age(b.oldestPendingAgeSeconds),
            'dead letter': b.deadLetterEvents,
            future: `${b.futureEvents}${b.futureCapped ? '+' : ''}`,
            late: b.lateEvents,
            'last success': b.lastSuccessAt ?? '-',
            failures: b.failureCount,
            'next run': b.nextRunAt,
          })),
        );
        for (const b of buses) {
          if (b.lastError) out.warn(`bus ${b.id} (${b.schema}) last error: ${String(b.lastError.message)}`);
          if (b.futureEvents > 0) out.warn(`bus ${b.id} (${b.schema}): ${b.futureEvents}${b.futureCapped ? '+' : ''} event(s) dated after the source's clock (latest ${b.latestFutureTime}); they load when their time comes`);
          if (b.action) out.info(`bus ${b.id} (${b.schema}): ${b.action}`);
        }
      }
      return buses.some((b) => b.failureCount > 0 && b.state !== 'Disabled') ? EXIT.FAILED : EXIT.OK;
    }),
  );
}
