import type { Command } from 'commander';
import { hostname, userInfo } from 'node:os';
import { UsageError } from '../../errors.js';
import { findBlocked, unblock, type BlockedBus, type UnblockAction } from '../../pipeline/unblock.js';
import { confirm, isInteractive } from '../confirm.js';
import { EXIT } from '../exit-codes.js';
import { busRefArgument, textOption } from '../option-values.js';
import { runCommand, withCommonOptions, type Output } from '../context.js';

interface Opts {
  bus?: string;
  retry?: boolean;
  skip?: boolean;
  window?: boolean;
  resume?: boolean;
  pause?: boolean;
  reason?: string;
  who?: string;
  force?: boolean;
  yes?: boolean;
}

function show(out: Output, b: BlockedBus): void {
  const e = b.error ?? {};
  const ctx = (e.context ?? {}) as Record<string, any>;
  out.info(`bus ${b.bus.id} (${b.bus.schemaName}, domain ${b.bus.rootId}): ${b.bus.state}, ${b.bus.failureCount} consecutive failure(s), next attempt ${b.bus.scheduled.toISOString()}`);
  out.info(`window: from ${b.window.from} (${b.window.rememberedIds} ids remembered), ${b.window.pendingEvents}${b.window.pendingCapped ? '+' : ''} events pending`);
  if (b.error) {
    out.warn(`last error (${String(e.kind)}${e.failureClass ? `, ${String(e.failureClass)}` : ''}): ${String(e.message)}`);
    if (e.hint) out.info(`hint: ${String(e.hint)}`);
    if (ctx.copyError) {
      const c = ctx.copyError;
      out.info(`rejected row: table ${c.table}, column ${c.column}, line ${c.line} of ${c.file}, code ${c.code}: ${c.reason}${c.rawValue !== undefined ? `, value ${JSON.stringify(c.rawValue)}` : ''}`);
    }
  }
  for (const ev of b.offending) out.info(`offending event: id ${ev.id}, guid ${ev.guid ?? '-'}, ${ev.type ?? 'unknown type'}, time ${ev.time}`);
  if (b.stagedPrefix) out.info(`staged files kept: ${b.stagedPrefix}`);
}

function chosenAction(o: Opts): UnblockAction | undefined {
  const chosen = (['retry', 'skip', 'resume', 'pause'] as const).filter((a) => o[a]);
  if (chosen.length > 1) throw new UsageError(`choose one of --retry, --skip, --resume, --pause (got ${chosen.map((a) => `--${a}`).join(' ')})`);
  return chosen[0];
}

/** On a terminal, ask (inquirer); otherwise the flags decide and nothing ever waits for input. */
async function ask(b: BlockedBus): Promise<{ action: UnblockAction; window: boolean; reason?: string } | undefined> {
  const { default: inquirer } = await import('inquirer');
  const choices = [
    { name: 'retry now', value: 'retry' },
    ...(b.offending.length ? [{ name: 'skip the offending event(s) into the dead letter', value: 'skip' }] : []),
    { name: 'skip the whole window into the dead letter', value: 'skip-window' },
    b.bus.state === 'Paused' ? { name: 'resume', value: 'resume' } : { name: 'pause', value: 'pause' },
    { name: 'nothing', value: 'nothing' },
  ];
  const { choice } = await inquirer.prompt<{ choice: string }>([{ type: 'select', name: 'choice', message: `What should happen to bus ${b.bus.id}?`, choices }]);
  if (choice === 'nothing') return undefined;
  if (choice !== 'skip' && choice !== 'skip-window') return { action: choice as UnblockAction, window: false };
  const { reason, sure } = await inquirer.prompt<{ reason: string; sure: boolean }>([
    { type: 'input', name: 'reason', message: 'Reason (recorded in the dead letter):', validate: (v: string) => v.trim().length > 0 || 'a reason is required' },
    { type: 'confirm', name: 'sure', message: 'Move them to the dead letter?', default: false },
  ]);
  return sure ? { action: 'skip', window: choice === 'skip-window', reason } : undefined;
}

export function registerUnblock(program: Command): void {
  withCommonOptions(
    program
      .command('unblock')
      .description('show a failing or paused bus, then retry it, skip its offending events into the dead letter, resume or pause it')
      .option('--bus <bus>', 'bus id or schema (default: the only failing bus)', busRefArgument)
      .option('--retry', 'retry the failing window now')
      .option('--skip', 'move the offending events (with --window: the whole window) into the dead letter, then continue')
      .option('--window', 'with --skip: the whole failing window, not only the offending events')
      .option('--reason <text>', 'why events are skipped (required with --skip)', textOption(1000))
      .option('--who <name>', 'who decided (default: user@host)', textOption(200))
      .option('--resume', 'resume a paused bus (clears the failure count)')
      .option('--pause', 'pause the bus')
      .option('--force', 'with --skip: also on a bus that is not failing (its events are good: they are set aside all the same)')
      .option('-y, --yes', 'with --skip: do not ask for confirmation on a terminal')
      .addHelpText('after', '\nExamples:\n  rsetl unblock                                   # show the failing bus\n  rsetl unblock --bus loan --skip --reason "bad import, ticket 123"\n  rsetl unblock --bus loan --retry\n'),
  ).action(async (opts: Opts, cmd: Command) =>
    runCommand(cmd, async ({ out, config, connections }) => {
      const cfg = await config(['source']);
      let action = chosenAction(opts);
      if (opts.window && action !== 'skip') throw new UsageError('--window goes with --skip');
      if (opts.force && action !== 'skip') throw new UsageError('--force goes with --skip');
      const conn = await connections(action === 'retry' ? ['source', 'redshift', 's3'] : ['source']);
      const blocked = await findBlocked(conn, cfg, opts.bus);
      let window = opts.window === true;
      let reason = opts.reason;
      if (!action) {
        if (!out.json) show(out, blocked);
        if (!process.stdin.isTTY || !process.stdout.isTTY || out.json) {
          if (out.json) out.result({ blocked });
          else out.info('choose --retry, --skip --reason TEXT [--window], --resume or --pause');
          return blocked.failing ? EXIT.FAILED : EXIT.OK;
        }
        const answer = await ask(blocked);
        if (!answer) return blocked.failing ? EXIT.FAILED : EXIT.OK;
        ({ action, window } = answer);
        reason = answer.reason ?? reason;
        if (action === 'retry') await connections(['source', 'redshift', 's3']);
      }
      const who = opts.who ?? `${userInfo().username}@${hostname()}`;
      const r = await unblock(action === 'retry' ? await connections(['source', 'redshift', 's3']) : conn, cfg, {
        ...(opts.bus ? { ref: opts.bus } : { ref: String(blocked.bus.id) }),
        action,
        window,
        ...(reason ? { reason } : {}),
        who,
        ...(opts.force ? { force: true } : {}),
        // On a terminal a skip is confirmed (the interactive menu asked already); scripts decide with flags.
        ...(isInteractive() && !out.json && !opts.yes && chosenAction(opts) ? { confirmSkip: (summary: string) => confirm({ summary }) } : {}),
      });
      if (out.json) out.result(r);
      else if (r.cancelled) out.info('nothing changed');
      else if (r.action === 'skip') out.success(`moved ${r.skipped.length} event(s) of bus ${r.blocked.bus.id} to the dead letter (by ${who}); the bus continues`);
      else if (r.action === 'retry') {
        const failed = r.poll?.status === 'failed' ? r.poll : undefined;
        if (failed) out.warn(`retry of bus ${r.blocked.bus.id} failed: ${String(failed.error.message)}${failed.blocked ? ' (still blocked)' : ''}`);
        else out.success(`retry of bus ${r.blocked.bus.id}: ${r.poll?.status ?? 'not run'}`);
      }
      else out.success(`bus ${r.blocked.bus.id} ${r.action === 'pause' ? 'paused' : 'resumed'}`);
      return r.poll?.status === 'failed' ? EXIT.FAILED : EXIT.OK;
    }),
  );
}
