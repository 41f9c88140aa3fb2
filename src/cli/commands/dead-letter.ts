// `rsetl dead-letter list|show|replay <bus>`: the events a bus set aside (`rsetl unblock --skip`,
// poll.invalidEvents = dead-letter), one entry whole, and putting entries back in front of the
// bus's next load, exactly once and audited (pipeline/dead-letter-replay.ts).
import type { Command } from 'commander';
import { hostname, userInfo } from 'node:os';
import { UsageError } from '../../errors.js';
import { listDeadLetters, replayDeadLetters, showDeadLetter } from '../../pipeline/dead-letter-replay.js';
import type { DeadLetterDetail } from '../../source/dead-letter-store.js';
import { confirm } from '../confirm.js';
import { bigintIdOption, busRefArgument, idListOption, repeatable, textOption } from '../option-values.js';
import { runCommand, withCommonOptions, type Output } from '../context.js';

const when = (d: Date | null) => (d ? d.toISOString() : '-');

/** `--id 3 --id 4`, `--id 3 4` and `--id 3,4` alike; each a dead letter id. */
function parseIds(raw: string[] | undefined): string[] | undefined {
  if (!raw) return undefined;
  const ids = raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const bad = ids.filter((v) => !/^[1-9]\d{0,17}$/.test(v));
  if (bad.length || ids.length === 0) {
    throw new UsageError(`--id: not a dead letter id: ${bad.length ? bad.map((v) => JSON.stringify(v)).join(', ') : '(none)'}`, {
      hint: 'the ids are the first column of `rsetl dead-letter list <bus>`',
    });
  }
  return [...new Set(ids)];
}

function showEntry(out: Output, d: DeadLetterDetail): void {
  out.info(`dead letter ${d.id} of bus ${d.busId}: ${d.stateText}`);
  out.info(`event ${d.eventId}, guid ${d.guid ?? '-'}, ${d.eventType ?? 'unknown type'}, time ${d.eventTime}`);
  out.info(`skipped by ${d.skippedBy} at ${when(d.skippedAt)}: ${d.reason}`);
  out.info('\nevent (datajson):');
  out.info(JSON.stringify(d.datajson, null, 2));
  out.info('\nerror it was skipped with:');
  out.info(d.error ? JSON.stringify(d.error, null, 2) : '(none recorded)');
  const trail: Array<{ at: Date; text: string }> = [{ at: d.skippedAt, text: `skipped by ${d.skippedBy}: ${d.reason}` }];
  for (const a of d.audit) trail.push({ at: a.at, text: `${a.action} by ${a.by}${a.reason ? `: ${a.reason}` : ''}` });
  for (const a of d.attempts) trail.push({ at: a.at, text: `carried by load attempt ${a.loadId}` });
  if (d.replayedAt) {
    trail.push({
      at: d.replayedAt,
      text: d.replayedLoadId ? `replayed: delivered by load ${d.replayedLoadId}` : `replayed: still invalid, back in the dead letter as entry ${d.deadLetteredAgainAs ?? '?'}`,
    });
  }
  trail.sort((a, b) => a.at.getTime() - b.at.getTime());
  out.info('\naudit trail:');
  for (const t of trail) out.info(`  ${when(t.at)}  ${t.text}`);
}

export function registerDeadLetter(program: Command): void {
  const dl = program
    .command('dead-letter')
    .description("list a bus's dead-lettered events, show one whole, or replay them into its next load (exactly once, audited)");

  withCommonOptions(
    dl
      .command('list')
      .argument('<bus>', 'bus id or schema', busRefArgument)
      .description('one row per dead-lettered event of the bus: id, event, time, type, who skipped it, when, why, and its state')
      .addHelpText('after', '\nExample:\n  rsetl dead-letter list loan\n  rsetl dead-letter list 3 --json | jq \'.deadLetters[] | select(.state == "waiting")\'\n'),
  ).action(async (ref: string, _o: unknown, cmd: Command) =>
    runCommand(cmd, async ({ out, config, connections }) => {
      const cfg = await config(['source']);
      const { bus, deadLetters } = await listDeadLetters(await connections(['source']), cfg, ref);
      if (out.json) return out.result({ bus: bus.id, schema: bus.schemaName, deadLetters });
      if (deadLetters.length === 0) return out.info(`bus ${bus.id} (${bus.schemaName}) has no dead letters`);
      out.table(
        deadLetters.map((d) => ({
          id: d.id,
          event: d.eventId,
          time: d.eventTime,
          type: d.eventType ?? '-',
          'skipped by': d.skippedBy,
          at: when(d.skippedAt),
          reason: d.reason,
          state: d.stateText,
        })),
      );
    }),
  );

  withCommonOptions(
    dl
      .command('show')
      .argument('<bus>', 'bus id or schema', busRefArgument)
      .requiredOption('--id <id>', 'the dead letter id (first column of `dead-letter list`)', bigintIdOption)
      .description('one dead letter whole: the event (pretty JSON), the error it was skipped with, its audit trail')
      .addHelpText('after', '\nExample:\n  rsetl dead-letter show loan --id 12\n'),
  ).action(async (ref: string, o: { id: string }, cmd: Command) =>
    runCommand(cmd, async ({ out, config, connections }) => {
      const cfg = await config(['source']);
      if (o.id.includes(',')) throw new UsageError('--id: show takes one dead letter id');
      const [id] = parseIds([o.id])!;
      const { bus, deadLetter } = await showDeadLetter(await connections(['source']), cfg, ref, id!);
      if (out.json) return out.result({ bus: bus.id, schema: bus.schemaName, deadLetter });
      showEntry(out, deadLetter);
    }),
  );

  withCommonOptions(
    dl
      .command('replay')
      .argument('<bus>', 'bus id or schema', busRefArgument)
      .option('--id <id...>', 'the dead letters to replay (default: every waiting one of the bus); 3 4 or 3,4', repeatable(idListOption))
      .option('--reason <text>', 'why they are replayed (required; recorded in the audit)', textOption(1000))
      .option('--who <name>', 'who decided (default: user@host)', textOption(200))
      .option('-y, --yes', 'do not ask for confirmation (scripts); without a terminal it is required')
      .description("put dead letters back in front of the bus's next load, exactly once; makes the bus due now")
      .addHelpText(
        'after',
        '\nExamples:\n  rsetl dead-letter replay loan --id 12 --reason "parser fixed in 1.4, ticket 77"\n  rsetl dead-letter replay 3 --reason "bad import cleaned up" --yes    # every waiting entry\n',
      ),
  ).action(async (ref: string, o: { id?: string[]; reason?: string; who?: string; yes?: boolean }, cmd: Command) =>
    runCommand(cmd, async ({ out, config, connections }) => {
      if (!o.reason?.trim()) throw new UsageError('replay needs --reason: the audit records why dead letters were put back');
      const ids = parseIds(o.id);
      const cfg = await config(['source']);
      const who = o.who ?? `${userInfo().username}@${hostname()}`;
      const r = await replayDeadLetters(await connections(['source']), cfg, {
        ref,
        ...(ids ? { ids } : {}),
        reason: o.reason,
        who,
        confirm: (summary) => confirm({ summary, json: out.json, ...(o.yes ? { yes: true } : {}) }),
      });
      if (out.json) return out.result({ bus: r.bus.id, schema: r.bus.schemaName, requested: r.requested, ...(r.cancelled ? { cancelled: true } : {}) });
      if (r.cancelled) return out.info('nothing changed');
      out.success(
        `replay requested for ${r.requested.length} dead letter(s) of bus ${r.bus.id} (${r.bus.schemaName}) by ${who}: ${r.requested.map((d) => d.id).join(', ')}; the bus is due now, the next \`rsetl poll\` loads them`,
      );
      if (r.bus.state !== 'Active') out.warn(`bus ${r.bus.id} is ${r.bus.state}: the replay waits until it is resumed`);
      else if (r.bus.blocked) out.warn(`bus ${r.bus.id} is blocked: the replay waits until it is unblocked (\`rsetl unblock\`)`);
    }),
  );
}
