// `rsetl doctor`: the checks in order, each timed, each told what the earlier ones found. A check
// whose prerequisite failed is skipped with the reason; an unexpected error inside a check fails
// that check, not the run. Sessions opened by the checks are closed at the end; probe objects and
// temp tables are removed by the checks that create them.
import { messageOf } from '../errors.js';
import { checkBuses } from './buses-check.js';
import type { Check, CheckResult, DoctorContext } from './check.js';
import { checkConfig, type ConfigSource } from './config-check.js';
import { connectionDetails, type ConnectionDetails } from './connection-details.js';
import { checkRedshift } from './redshift-check.js';
import { checkRoundTrip } from './round-trip.js';
import { checkS3 } from './s3-check.js';
import { checkSource } from './source-check.js';

export type { CheckResult, CheckStatus, CheckName } from './check.js';
export type { ConnectionDetails } from './connection-details.js';

export interface DoctorOptions extends ConfigSource {
  /** Called as each check finishes (the CLI prints it at once). */
  onCheck?: (result: CheckResult, index: number) => void;
}

export interface DoctorReport {
  /** Every check passed (a warning counts as passed). */
  ok: boolean;
  checks: CheckResult[];
  /** Where an IDE or psql connects (no password); null when the configuration did not load. */
  connection: ConnectionDetails | null;
}

const BROKEN_CONFIG = 'the configuration did not load (check 1)';

function checks(from: ConfigSource): Check[] {
  const needConfig = (ctx: DoctorContext) => (ctx.config ? undefined : BROKEN_CONFIG);
  return [
    { name: 'config', blockedBy: () => undefined, run: (ctx) => checkConfig(ctx, from) },
    { name: 'source', blockedBy: needConfig, run: checkSource },
    { name: 's3', blockedBy: needConfig, run: (ctx) => checkS3(ctx, from.env) },
    { name: 'redshift', blockedBy: needConfig, run: checkRedshift },
    {
      name: 'round-trip',
      blockedBy: (ctx) =>
        needConfig(ctx) ?? (!ctx.s3Ok ? 'S3 does not work (check 3)' : !ctx.warehouse ? 'Redshift is not connected (check 4)' : undefined),
      run: checkRoundTrip,
    },
    {
      name: 'buses',
      blockedBy: (ctx) => needConfig(ctx) ?? (ctx.controlSchema === undefined || !ctx.outboxOk ? 'the source check failed (check 2)' : undefined),
      run: checkBuses,
    },
  ];
}

export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorReport> {
  const ctx: DoctorContext = { configPath: opts.path, s3Ok: false };
  const results: CheckResult[] = [];
  try {
    for (const check of checks(opts)) {
      const blocked = check.blockedBy(ctx);
      let result: CheckResult;
      if (blocked !== undefined) {
        result = { name: check.name, status: 'skip', ms: 0, detail: `skipped: ${blocked}` };
      } else {
        const started = performance.now();
        try {
          const { status, ...rest } = await check.run(ctx);
          result = { name: check.name, status, ms: Math.round(performance.now() - started), ...rest };
        } catch (e) {
          result = {
            name: check.name,
            status: 'fail',
            ms: Math.round(performance.now() - started),
            detail: `unexpected error: ${messageOf(e)}`,
            cause: 'rsetl did not expect this failure',
            fix: 'rerun with RSETL_DEBUG=1 and report it with the output',
          };
        }
      }
      results.push(result);
      opts.onCheck?.(result, results.length - 1);
    }
  } finally {
    await ctx.warehouse?.close();
    await ctx.source?.end().catch(() => undefined);
  }
  let connection: ConnectionDetails | null = null;
  try {
    connection = ctx.config ? connectionDetails(ctx.config) : null;
  } catch {
    connection = null;
  }
  return { ok: results.every((r) => r.status === 'pass' || r.status === 'warn'), checks: results, connection };
}
