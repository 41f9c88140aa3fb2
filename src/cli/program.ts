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
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 work failed (a bus is failing), 64 usage, 69 service unreachable, 77 permission denied,\n78 configuration error, 130/143 stopped by SIGINT/SIGTERM.\n\nStart here:\n  npx rsetl demo            # the whole cycle on an embedded local stack\n',
    );
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
