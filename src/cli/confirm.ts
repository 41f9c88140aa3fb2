// Confirmation for commands that change what a bus delivers (skip, replay, watermark moves,
// deletes). On a terminal the operator is asked; in a script or under cron nothing ever waits for
// input: `--yes` states the decision up front, and without it the command refuses (exit 64)
// before changing anything.
import { UsageError } from '../errors.js';

export interface ConfirmOptions {
  /** The --yes flag. */
  yes?: boolean;
  /** --json output: never prompt (the output must stay one JSON object). */
  json?: boolean;
  /** What the command will do, as one sentence shown before the question. */
  summary: string;
  /** The flag that answers yes in scripts; default --yes. */
  flag?: string;
}

export function isInteractive(): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true;
}

/**
 * Resolves true when the operator agreed (or passed --yes), false when they declined at the
 * prompt; throws UsageError when nobody can be asked and --yes was not given.
 */
export async function confirm(opts: ConfirmOptions): Promise<boolean> {
  if (opts.yes) return true;
  const flag = opts.flag ?? '--yes';
  if (opts.json || !isInteractive()) {
    throw new UsageError(`${opts.summary}: this needs confirmation, and there is no terminal to ask on`, {
      hint: `add ${flag} to confirm it in a script`,
    });
  }
  const { default: inquirer } = await import('inquirer');
  const { sure } = await inquirer.prompt<{ sure: boolean }>([{ type: 'confirm', name: 'sure', message: `${opts.summary}. Continue?`, default: false }]);
  return sure;
}
