import type { Command } from 'commander';
import { dryRunWindow } from '../../pipeline/load-window.js';
import { pollOnce } from '../../pipeline/poller.js';
import { settingsFrom } from '../../pipeline/connections.js';
import { LocalDirSink } from '../../stage/local-dir.js';
import { UsageError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { runCommand, withCommonOptions } from '../context.js';
import { busRefArgument, pathOption } from '../option-values.js';
import { checkOutputFolder } from '../paths.js';
import { renderSummary } from './poll.js';

export function registerRunWindow(program: Command): void {
  withCommonOptions(
    program
      .command('run-window')
      .description('process one window of one bus now, regardless of its schedule')
      .requiredOption('--bus <bus>', 'bus id or schema', busRefArgument)
      .option('--dry-run', 'extract and transform only: write NDJSON files to --out, touch neither S3 nor Redshift')
      .option('--out <dir>', 'folder for --dry-run output', pathOption('out-dir'), 'rsetl-dry-run')
      .addHelpText('after', '\nExamples:\n  rsetl run-window --bus cbllocal\n  rsetl run-window --bus 3 --dry-run --out /tmp/window\n'),
  ).action(async (opts: { bus: string; dryRun?: boolean; out: string }, cmd: Command) =>
    runCommand(cmd, async ({ out, config, connections }) => {
      if (opts.dryRun) {
        // Before any connection: a folder that cannot take the files fails now, naming --out.
        const dir = await checkOutputFolder('--out', opts.out);
        const cfg = await config(['source']);
        const { client, buses } = await (await connections(['source'])).control();
        const bus = await buses.findBus(opts.bus);
        const r = await dryRunWindow({ source: client }, bus, settingsFrom(cfg, bus.maxEvents, { dryRun: true }), await new LocalDirSink(dir).open());
        if (out.json) return out.result({ bus: bus.id, dir, ...r });
        out.info(`bus ${bus.id} (${bus.schemaName}): ${r.events} events from ${bus.windowTime}; watermark would move to ${r.windowTo}`);
        out.table(Object.entries(r.eventsByType).map(([type, events]) => ({ type, events })));
        out.table(Object.entries(r.tables).map(([table, rows]) => ({ table, rows, file: `${dir}/${table}.ndjson` })));
        return;
      }
      const cfg = await config(['source', 'redshift', 's3']);
      const conn = await connections(['source', 'redshift', 's3']);
      const { buses } = await conn.control();
      const bus = await buses.findBus(opts.bus);
      if (bus.state === 'Disabled') throw new UsageError(`bus ${bus.id} is Disabled`);
      const summary = await pollOnce(conn, cfg, { buses: [String(bus.id)], ignoreSchedule: true, singleLoad: true, limit: bus.maxEvents });
      if (out.json) out.result(summary);
      else renderSummary(out, summary);
      return summary.buses.some((b) => b.status === 'failed') ? EXIT.FAILED : EXIT.OK;
    }),
  );
}
