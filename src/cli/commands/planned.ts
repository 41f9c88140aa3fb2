import type { Command } from 'commander';
import { NotImplementedError } from '../../errors.js';
import { runCommand, withCommonOptions } from '../context.js';

// Commands of the mission whose capability arrives with a later issue. They are listed in --help
// so the whole surface is visible, and exit 64 with the issue that brings them.
const PLANNED: Array<{ name: string; description: string; issue: number }> = [
  { name: 'setup-user', description: 'create a personal Redshift user and database and write a config file', issue: 5 },
  { name: 'upgrade-schema', description: 'apply migrations to one schema or --all bus schemas', issue: 5 },
  { name: 'grant-readonly', description: 'grant a read-only group USAGE and SELECT (now and future) on schemas', issue: 5 },
  { name: 'doctor', description: 'prove a configuration works end to end before the first poll', issue: 7 },
];

export function registerPlanned(program: Command): void {
  for (const p of PLANNED) {
    withCommonOptions(
      program
        .command(p.name)
        .description(`${p.description} (not yet: arrives with issue #${p.issue})`)
        .allowUnknownOption()
        .allowExcessArguments(),
    ).action(async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      await runCommand(cmd, async () => {
        throw new NotImplementedError(`rsetl ${p.name} is not implemented yet`, { hint: `it arrives with issue #${p.issue}` });
      });
    });
  }
}
