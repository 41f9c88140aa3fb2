// What every command shares: options common to all, config loading, the output, the connections,
// and the single exit path (errors → exit codes happen in exit-codes.ts only).
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { addKnownSecrets } from '../config/redact.js';
import { configSecrets } from '../config/connections.js';
import type { ConfigSection, RsetlConfig } from '../config/schema.js';
import { openConnections, type Connections } from '../pipeline/connections.js';
import { describeError } from './exit-codes.js';
import { createOutput } from './render.js';

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
}

/** Adds --config and --json to a command. */
export function withCommonOptions(cmd: Command): Command {
  return cmd.option('-c, --config <file>', 'configuration file (default ./rsetl.config.json or $RSETL_CONFIG)').option('--json', 'machine-readable output: one JSON object');
}

/**
 * Runs a command body with a context and exits with the code its result or error maps to.
 * The body returns the exit code for work that ran but failed (e.g. a failing bus → 1).
 */
export async function runCommand(cmd: Command, body: (ctx: CommandContext) => Promise<number | void>): Promise<void> {
  const opts = cmd.optsWithGlobals() as CommonOptions;
  const out = createOutput({ json: Boolean(opts.json) });
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
      conns ??= openConnections(await ctx.config(require));
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
    await conns?.close().catch(() => undefined);
  }
  process.exitCode = code;
}
