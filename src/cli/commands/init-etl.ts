import type { Command } from 'commander';
import { initEtl } from '../../admin/init-etl.js';
import { runCommand, withCommonOptions } from '../context.js';
import { assertNotFuture, bigintIdOption, intOption, nameOption, parseUserTimestamp, type UserTimestamp } from '../option-values.js';

export function registerInitEtl(program: Command): void {
  withCommonOptions(
    program
      .command('init-etl')
      .argument('<schema>', 'Redshift schema the bus loads (created with all tables if missing)', nameOption)
      .requiredOption('--domain <root_id>', 'the domain (analyticfinder.root_id) whose events the bus carries', bigintIdOption)
      .option('--paused', 'create the bus Paused instead of Active')
      .option('--since <time>', 'start the watermark here to load history since then: ISO 8601 with its offset (2026-12-02T10:00:00-08:00); no zone means UTC (default: now)', parseUserTimestamp)
      .option('--allow-future', 'accept a --since in the future (events before it are never loaded)')
      .option('--max-events <n>', 'events per window for this bus, 1 to 1,000,000 (default poll.maxEvents)', intOption(1, 1_000_000))
      .description('create a Redshift schema (tables, views, ledger, bus-user grant) and its bus; safe to run twice')
      .addHelpText('after', '\nExample:\n  rsetl init-etl cbllocal --domain 1 --paused\n'),
  ).action(async (schema: string, opts: { domain: string; paused?: boolean; since?: UserTimestamp; allowFuture?: boolean; maxEvents?: number }, cmd: Command) =>
    runCommand(cmd, async ({ out, config, connections }) => {
      if (opts.since) {
        assertNotFuture(opts.since, '--since', opts.allowFuture);
        if (opts.since.assumedUtc) out.notice(`--since names no time zone: read as UTC, ${opts.since.utc.slice(0, 19)} UTC`);
      }
      const cfg = await config(['source', 'redshift']);
      const r = await initEtl(await connections(['source', 'redshift']), cfg, {
        schema,
        rootId: opts.domain,
        ...(opts.paused ? { paused: true } : {}),
        ...(opts.since ? { since: opts.since.utc } : {}),
        ...(opts.maxEvents ? { maxEvents: opts.maxEvents } : {}),
      });
      if (out.json) return out.result(r);
      const w = r.warehouse;
      out.info(w.schemaExisted ? `schema ${w.schema} already existed` : `created schema ${w.schema}`);
      if (w.tablesCreated.length) out.success(`created ${w.tablesCreated.length} tables: ${w.tablesCreated.join(', ')}`);
      if (w.tablesExisting.length) out.info(`${w.tablesExisting.length} tables already existed`);
      out.info(`views: ${w.views.views.join(', ')}${w.views.materializedCreated.length ? ` (created materialized view ${w.views.materializedCreated.join(', ')})` : ''}`);
      if (w.grantedTo) out.info(`granted ALL on schema ${w.schema} to ${w.grantedTo}`);
      out.info(
        r.busCreated
          ? `created bus ${r.bus.id} (${r.bus.state}) for domain ${r.bus.rootId} → ${r.bus.schemaName}, watermark ${r.bus.windowTime}`
          : `bus ${r.bus.id} for domain ${r.bus.rootId} → ${r.bus.schemaName} already exists (${r.bus.state}); nothing changed`,
      );
    }),
  );
}
