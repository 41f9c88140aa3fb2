import type { Command } from 'commander';
import { hostname, userInfo } from 'node:os';
import { applyBusSettings, describeWatermarkPlan, planWatermarkMove } from '../../admin/bus-settings.js';
import { deleteBus, describeDelete, planDelete } from '../../admin/delete-bus.js';
import { UsageError } from '../../errors.js';
import { confirm } from '../confirm.js';
import { runCommand, withCommonOptions } from '../context.js';
import { assertNotFuture, busRefArgument, intOption, parseUserTimestamp, textOption, type UserTimestamp } from '../option-values.js';

// The old admin page's buttons: pause, resume (clears failures), pump (due now).
const ACTIONS = {
  pause: { state: 'Paused', opts: {}, text: 'paused' },
  resume: { state: 'Active', opts: { resetFailures: true }, text: 'resumed (failures reset)' },
  pump: { state: undefined, opts: { scheduleNow: true }, text: 'due now: the next `rsetl poll` processes it' },
} as const;

const defaultWho = () => `${userInfo().username}@${hostname()}`;

interface SetOpts {
  maxEvents?: number;
  interval?: number;
  watermark?: UserTimestamp;
  reason?: string;
  allowFuture?: boolean;
  yes?: boolean;
  who?: string;
}

function registerSet(bus: Command): void {
  withCommonOptions(
    bus
      .command('set')
      .argument('<bus>', 'bus id or schema', busRefArgument)
      .description("change a bus's events per window, poll interval or watermark (audited)")
      .option('--max-events <n>', 'events per window for this bus (1 to 1,000,000)', intOption(1, 1_000_000))
      .option('--interval <seconds>', "this bus's poll interval (5 to 3,600; default poll.intervalSeconds)", intOption(5, 3600))
      .option('--watermark <time>', 'continue the bus from this time: ISO 8601 with its offset; no zone means UTC', parseUserTimestamp)
      .option('--reason <text>', 'why the watermark moves (required with --watermark; kept in the audit trail)', textOption(1000))
      .option('--allow-future', 'accept a --watermark in the future')
      .option('-y, --yes', 'move the watermark without asking (scripts)')
      .option('--who <name>', 'who decided (default: user@host)', textOption(200))
      .addHelpText(
        'after',
        [
          '',
          'Moving the watermark forward skips the events in between for good; moving it back loads them',
          'again (append-only tables get a second copy). The command says which, and how many, first.',
          '',
          'Examples:',
          '  rsetl bus set loan --max-events 20000 --interval 60',
          '  rsetl bus set loan --watermark 2026-12-01T00:00:00Z --reason "reload December, ticket 42"',
          '',
        ].join('\n'),
      ),
  ).action(async (ref: string, opts: SetOpts, cmd: Command) =>
    runCommand(cmd, async ({ out, config, connections }) => {
      if (opts.maxEvents === undefined && opts.interval === undefined && opts.watermark === undefined) {
        throw new UsageError('give at least one of --max-events, --interval, --watermark');
      }
      if (opts.reason !== undefined && opts.watermark === undefined) throw new UsageError('--reason goes with --watermark');
      if (opts.watermark) {
        if (!opts.reason?.trim()) throw new UsageError('--watermark needs --reason: the audit trail records why a bus was moved');
        assertNotFuture(opts.watermark, '--watermark', opts.allowFuture);
        if (opts.watermark.assumedUtc) out.notice(`--watermark names no time zone: read as UTC, ${opts.watermark.utc.slice(0, 19)} UTC`);
      }
      const cfg = await config(['source']);
      const conn = await connections(['source']);
      const { buses } = await conn.control();
      const b = await buses.findBus(ref);
      let plan;
      if (opts.watermark) {
        plan = await planWatermarkMove(conn, cfg, b, opts.watermark.utc);
        const text = describeWatermarkPlan(plan, b);
        out.warn(text);
        if (!(await confirm({ yes: opts.yes, json: out.json, summary: `move the watermark of bus ${b.id} (${b.schemaName}) to ${plan.to.replace(/\.0+$/, "")}` }))) {
          out.info('nothing changed');
          return;
        }
      }
      const updated = await applyBusSettings(
        conn,
        cfg,
        b,
        {
          ...(opts.maxEvents !== undefined && { maxEvents: opts.maxEvents }),
          ...(opts.interval !== undefined && { intervalSeconds: opts.interval }),
          ...(opts.watermark && { watermark: { to: opts.watermark.utc, reason: opts.reason! } }),
        },
        opts.who ?? defaultWho(),
      );
      if (out.json) {
        out.result({
          bus: updated.id,
          schema: updated.schemaName,
          maxEvents: updated.maxEvents,
          intervalSeconds: updated.intervalSeconds ?? cfg.poll.intervalSeconds,
          watermark: updated.windowTime,
          ...(plan && { watermarkMove: plan }),
        });
        return;
      }
      out.success(
        `bus ${updated.id} (${updated.schemaName}): ${updated.maxEvents} events per window, every ${updated.intervalSeconds ?? cfg.poll.intervalSeconds}s, watermark ${updated.windowTime}`,
      );
    }),
  );
}

interface DeleteOpts {
  dropSchema?: boolean;
  yes?: boolean;
  reason?: string;
  who?: string;
}

function registerDelete(bus: Command): void {
  withCommonOptions(
    bus
      .command('delete')
      .argument('<bus>', 'bus id or schema', busRefArgument)
      .description('delete a bus with its run log and dead letter (audited); --drop-schema also drops its Redshift schema')
      .option('--drop-schema', "also DROP the bus's Redshift schema (refused while another bus loads into it)")
      .option('--reason <text>', 'why (kept in the audit trail)', textOption(1000))
      .option('-y, --yes', 'do not ask (scripts)')
      .option('--who <name>', 'who decided (default: user@host)', textOption(200))
      .addHelpText('after', '\nExamples:\n  rsetl bus delete loan\n  rsetl bus delete 7 --drop-schema --yes --reason "domain retired"\n'),
  ).action(async (ref: string, opts: DeleteOpts, cmd: Command) =>
    runCommand(cmd, async ({ out, config, connections }) => {
      const cfg = await config(opts.dropSchema ? ['source', 'redshift'] : ['source']);
      const conn = await connections(opts.dropSchema ? ['source', 'redshift'] : ['source']);
      const { buses } = await conn.control();
      const plan = await planDelete(conn, cfg, await buses.findBus(ref));
      const text = describeDelete(plan, opts.dropSchema === true);
      if (!out.json) out.warn(text);
      if (!(await confirm({ yes: opts.yes, json: out.json, summary: text }))) {
        out.info('nothing changed');
        return;
      }
      const r = await deleteBus(conn, cfg, plan, { dropSchema: opts.dropSchema === true, who: opts.who ?? defaultWho(), reason: opts.reason ?? null });
      if (out.json) out.result(r);
      else out.success(`deleted bus ${r.bus} (${r.schema}): ${r.runsDeleted} run row(s), ${r.deadLettersDeleted} dead letter(s)${r.schemaDropped ? `; dropped schema ${r.schema}` : ''}`);
    }),
  );
}

export function registerBus(program: Command): void {
  const bus = program.command('bus').description('pause, resume, pump (run now), set or delete a bus');
  for (const [name, a] of Object.entries(ACTIONS)) {
    withCommonOptions(bus.command(name).argument('<bus>', 'bus id or schema', busRefArgument).description(`${name} a bus`)).action(async (ref: string, _o: unknown, cmd: Command) =>
      runCommand(cmd, async ({ out, connections }) => {
        const { buses } = await (await connections(['source'])).control();
        const b = await buses.findBus(ref);
        await buses.setState(b.id, a.state ?? b.state, a.opts);
        if (out.json) out.result({ bus: b.id, action: name, state: a.state ?? b.state });
        else out.success(`bus ${b.id} (${b.schemaName}) ${a.text}`);
      }),
    );
  }
  registerSet(bus);
  registerDelete(bus);
}
