// The commander program: every command of the mission, each a thin wrapper over the library.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerBus } from './commands/bus.js';
import { registerDeadLetter } from './commands/dead-letter.js';
import { registerDemo } from './commands/demo.js';
import { registerDev } from './commands/dev.js';
import { registerDoctor } from './commands/doctor.js';
import { registerGrantReadonly } from './commands/grant-readonly.js';
import { registerInitEtl } from './commands/init-etl.js';
import { registerPoll } from './commands/poll.js';
import { registerRunWindow } from './commands/run-window.js';
import { registerSetupUser } from './commands/setup-user.js';
import { registerStatus } from './commands/status.js';
import { registerUnblock } from './commands/unblock.js';
import { registerUpgradeSchema } from './commands/upgrade-schema.js';
import { withCommonOptions } from './context.js';

const EXIT_CODES_HELP = `Exit codes:
  0    success (also: nothing was due, or every due bus was held by another process)
  1    work failed: a bus failed or is blocked, an upgrade failed, a check found a problem
  64   usage error: a bad flag, argument or value; nothing was changed
  69   a service (PostgreSQL, Redshift, S3) is unreachable
  70   internal error: a bug in rsetl (RSETL_DEBUG=1 prints the stack trace)
  77   permission denied
  78   configuration error, or a package the command needs is not installed (rsetl demo, dev up)
  130  stopped by SIGINT after a clean stop
  143  stopped by SIGTERM after a clean stop
`;

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('rsetl')
    .description("Moves an LMS's analytic events from the PostgreSQL outbox into Amazon Redshift, exactly once.")
    .version(pkg.version)
    // Usage errors are printed once, by main.ts through the one error printer (also as --json).
    .configureOutput({ outputError: () => undefined })
    // Usage errors must exit 64, not commander's 1: exit-codes.ts maps them (set before the
    // subcommands are added, so they inherit it).
    .exitOverride()
    .addHelpText('after', '\nStart here:\n  npx rsetl demo            # the whole cycle on an embedded local stack\n')
    .addHelpText('afterAll', EXIT_CODES_HELP);
  // Global options, accepted before the command's name too (each command declares them as well).
  withCommonOptions(program);
  registerSetupUser(program);
  registerInitEtl(program);
  registerRunWindow(program);
  registerPoll(program);
  registerStatus(program);
  registerUnblock(program);
  registerDeadLetter(program);
  registerUpgradeSchema(program);
  registerGrantReadonly(program);
  registerBus(program);
  registerDev(program);
  registerDemo(program);
  registerDoctor(program);
  return program;
}
