import type { Command } from 'commander';
import { runCommand, withCommonOptions } from '../context.js';

// The old admin page's buttons (seed-system.md §2.9): pause, resume (clears failures), pump (due now).
const ACTIONS = {
  pause: { state: 'Paused', opts: {}, text: 'paused' },
  resume: { state: 'Active', opts: { resetFailures: true }, text: 'resumed (failures reset)' },
  pump: { state: undefined, opts: { scheduleNow: true }, text: 'due now: the next `rsetl poll` processes it' },
} as const;

export function registerBus(program: Command): void {
  const bus = program.command('bus').description('pause, resume or pump (run now) a bus');
  for (const [name, a] of Object.entries(ACTIONS)) {
    withCommonOptions(
      bus.command(name).argument('<bus>', 'bus id or schema').description(`${name} a bus`),
    ).action(async (ref: string, _o: unknown, cmd: Command) =>
      runCommand(cmd, async ({ out, connections }) => {
        const { buses } = await (await connections(['source'])).control();
        const b = await buses.findBus(ref);
        await buses.setState(b.id, a.state ?? b.state, a.opts);
        if (out.json) out.result({ bus: b.id, action: name, state: a.state ?? b.state });
        else out.success(`bus ${b.id} (${b.schemaName}) ${a.text}`);
      }),
    );
  }
}
