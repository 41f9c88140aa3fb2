// What every command shares: options common to all, config loading, the output, the connections,
// and the single exit path (errors → exit codes happen in exit-codes.ts only).
import type { Command } from 'commander';
import { assertConfigFileReadable, loadConfig } from '../config/load.js';
import { addKnownSecrets } from '../config/redact.js';
import { configSecrets } from '../config/connections.js';
import type { ConfigSection, RsetlConfig } from '../config/schema.js';
import { openConnections, type Connections } from '../pipeline/connections.js';
import { UsageError } from '../errors.js';
import type { StatementTiming } from '../warehouse/session.js';
import { describeError } from './exit-codes.js';
import { pathOption } from './option-values.js';
import { stopRequested } from './signals.js';
import { createOutput } from './render.js';

/** `-v`: one statement as `   12 ms  COPY "stage" FROM … → 1234 rows` (its first 160 characters). */
function statementLine(st: StatementTiming): string {
  const sql = st.sql.replace(/\s+/g, ' ').trim();
  const text = sql.length > 160 ? `${sql.slice(0, 157)}...` : sql;
  const rows = st.error ? ` → ${st.error}` : st.rows !== null ? ` → ${st.rows} rows` : '';
  return `${String(st.ms).padStart(7)} ms  ${text}${rows}`;
}

export type Output = ReturnType<typeof createOutput>;

export interface CommandContext {
  out: Output;
  /** Loads and validates the configuration (once). */
  config(require?: ConfigSection[]): Promise<RsetlConfig>;
  /** Connections built from the configuration, closed when the command ends. */
  connections(require?: ConfigSection[]): Promise<Connections>;
}

interface CommonOptions {
  config?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

/**
 * The options every command takes. They are declared on the program and on each command, so they
 * work before and after the command's name alike (`rsetl --config F poll`, `rsetl poll --config
 * F`) and each command's --help lists them.
 */
export function withCommonOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'configuration file (default ./rsetl.config.json or $RSETL_CONFIG)', pathOption('config'))
    .option('--json', 'machine-readable output: one JSON object')
    .option('-q, --quiet', 'print only warnings and errors')
    .option('-v, --verbose', 'also print a line per load, per statement and per COPY, with timings');
}

/**
 * Runs a command body with a context and exits with the code its result or error maps to.
 * The body returns the exit code for work that ran but failed (e.g. a failing bus → 1).
 */
export async function runCommand(
  cmd: Command,
  body: (ctx: CommandContext) => Promise<number | void>,
  /** `doctor` reports a bad config file as its first check instead of failing at once. */
  options: { reportsConfigFile?: boolean } = {},
): Promise<void> {
  const opts = cmd.optsWithGlobals() as CommonOptions;
  if (opts.quiet && opts.verbose) throw new UsageError('give -q/--quiet or -v/--verbose, not both');
  const out = createOutput({ json: Boolean(opts.json), quiet: Boolean(opts.quiet), verbose: Boolean(opts.verbose) });
  if (opts.config !== undefined && !options.reportsConfigFile) {
    try {
      await assertConfigFileReadable(opts.config);
    } catch (e) {
      const d = describeError(e);
      out.error(d);
      process.exitCode = d.code;
      return;
    }
  }
  let loaded: Promise<RsetlConfig> | undefined;
  let conns: Connections | undefined;
  const ctx: CommandContext = {
    out,
    config(require = ['source']) {
      loaded ??= loadConfig({ ...(opts.config ? { path: opts.config } : {}), require }).then(({ config, warnings }) => {
        addKnownSecrets(configSecrets(config));
        for (const w of warnings) out.warn(w);
        return config;
      });
      return loaded;
    },
    async connections(require = ['source']) {
      conns ??= openConnections(await ctx.config(require), {
        ...(out.isVerbose && { onStatement: (st: StatementTiming) => out.verbose(statementLine(st)) }),
        shouldStop: stopRequested,
      });
      return conns;
    },
  };
  let code = 0;
  try {
    code = (await body(ctx)) ?? 0;
  } catch (e) {
    const d = describeError(e);
    out.error(d);
    code = d.code;
  } finally {
    out.endProgress();
    await conns?.close().catch(() => undefined);
  }
  process.exitCode = code;
}
