import { Chalk, type ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import type { CheckResult, ConnectionDetails, DoctorReport } from '../../doctor/run-doctor.js';
import { EXIT } from '../exit-codes.js';
import { runCommand, withCommonOptions, type Output } from '../context.js';

const LABEL: Record<CheckResult['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };
const NAME_WIDTH = 'round-trip'.length;

function colourOf(c: ChalkInstance, status: CheckResult['status']): (s: string) => string {
  return status === 'pass' ? c.green : status === 'warn' ? c.yellow : status === 'fail' ? c.red : c.dim;
}

/** One check as printed: `PASS  1 config      4 ms  detail`, then cause and fix lines. */
export function formatCheck(r: CheckResult, index: number, c: ChalkInstance = new Chalk({ level: 0 })): string {
  const colour = colourOf(c, r.status);
  const time = r.status === 'skip' ? '' : `${r.ms} ms`;
  const lines = [`${colour(LABEL[r.status])}  ${index + 1} ${r.name.padEnd(NAME_WIDTH)} ${time.padStart(8)}  ${r.status === 'skip' ? c.dim(r.detail) : r.detail}`];
  const indent = ' '.repeat(6);
  if (r.cause) lines.push(`${indent}${c.dim('cause:')} ${r.cause}`);
  if (r.fix) lines.push(`${indent}${c.dim('fix:')}   ${colour(r.fix)}`);
  return lines.join('\n');
}

/** What an IDE or psql needs, without the password. */
export function formatConnection(d: ConnectionDetails): string {
  const rows: Array<[string, string]> = [
    ['host', d.host],
    ['port', String(d.port)],
    ['database', d.database],
    ['user', d.user],
    ...(d.etlUser ? ([['ETL user', d.etlUser]] as Array<[string, string]>) : []),
    ['SSL mode', d.sslMode],
    ['JDBC URL', d.jdbcUrl],
    ['psql', d.psql],
  ];
  return ['Connect an IDE or psql to Redshift (the password is not shown):', ...rows.map(([k, v]) => `  ${k.padEnd(9)} ${v}`)].join('\n');
}

function summary(out: Output, c: ChalkInstance, report: DoctorReport): void {
  const failed = report.checks.filter((r) => r.status === 'fail');
  if (report.ok) {
    const warned = report.checks.filter((r) => r.status === 'warn').length;
    out.info('');
    out.info(c.green(`All ${report.checks.length} checks passed${warned ? ` (${warned} with a warning)` : ''}.`));
    if (report.connection) out.info(`\n${formatConnection(report.connection)}`);
    return;
  }
  out.info('');
  out.info(c.red(`${failed.length} check${failed.length === 1 ? '' : 's'} failed (${failed.map((r) => r.name).join(', ')}): fix the first, then run \`rsetl doctor\` again.`));
}

export function registerDoctor(program: Command): void {
  withCommonOptions(
    program
      .command('doctor')
      .description('prove a configuration works end to end: config, source, S3, Redshift, a real COPY round trip, buses; exit 1 if a check fails')
      .addHelpText(
        'after',
        '\nChanges nothing that persists: the S3 probe objects and the temp table are removed even on failure.\n\nExamples:\n  rsetl doctor --config rsetl.config.json\n  rsetl doctor --json | jq \'.checks[] | select(.status == "fail")\'\n',
      ),
  ).action(async (_opts: unknown, cmd: Command) =>
    runCommand(cmd, async ({ out }) => {
      const opts = cmd.optsWithGlobals() as { config?: string };
      const c = out.colour;
      const { runDoctor } = await import('../../doctor/run-doctor.js');
      const report = await runDoctor({
        ...(opts.config !== undefined && { path: opts.config }),
        onCheck: (r, i) => out.info(formatCheck(r, i, c)),
      });
      if (out.json) out.result(report);
      else summary(out, c, report);
      return report.ok ? EXIT.OK : EXIT.FAILED;
    }, { reportsConfigFile: true }),
  );
}
