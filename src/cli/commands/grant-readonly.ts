import type { Command } from 'commander';
import { DEFAULT_READONLY_GROUP, grantReadonly, type GrantReadonlyResult, type ReadonlyMode } from '../../admin/grant-readonly.js';
import { selectionFrom } from '../../admin/target-schemas.js';
import { UsageError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { nameOption, repeatable } from '../option-values.js';
import { runCommand, withCommonOptions, type Output } from '../context.js';

interface Opts {
  schema?: string[];
  all?: boolean;
  group: string;
  createGroup?: boolean;
  forUser?: string[];
  revoke?: boolean;
  check?: boolean;
  dryRun?: boolean;
}

function renderCheck(out: Output, r: GrantReadonlyResult): void {
  if (!r.groupExisted) out.warn(`group ${r.group} does not exist`);
  out.table(
    r.schemas.map((s) => {
      const c = s.check;
      const unreadable = c?.relations.filter((x) => !x.select).map((x) => x.name) ?? [];
      return {
        schema: s.schema,
        status: s.status,
        usage: s.usage ?? '-',
        readable: c ? `${c.relations.length - unreadable.length}/${c.relations.length}` : '-',
        'not readable': unreadable.length > 8 ? `${unreadable.slice(0, 8).join(', ')}, … (${unreadable.length})` : unreadable.join(', ') || '-',
        'future tables of': c ? c.defaultsFor.join(', ') || 'nobody' : '-',
        'not covered': c?.defaultsMissingFor.join(', ') || '-',
        ...(c?.defaultsUnknownFor.length ? { 'unknown (needs a superuser)': c.defaultsUnknownFor.join(', ') } : {}),
        error: s.error ?? '',
      };
    }),
  );
}

function renderChange(out: Output, r: GrantReadonlyResult): void {
  if (r.dryRun) {
    if (!r.groupExisted && r.mode === 'grant') out.info(`would create group ${r.group}`);
    for (const s of r.schemas) {
      if (s.status === 'failed') out.warn(`${s.schema}: ${s.error}`);
      else {
        out.info(`${s.schema}:${s.statements.length ? '' : ' nothing to do'}`);
        for (const st of s.statements) out.info(`  ${st};`);
      }
    }
    return;
  }
  if (r.groupCreated) out.success(`created group ${r.group}`);
  if (!r.groupExisted && r.mode === 'revoke') out.info(`group ${r.group} does not exist: nothing to revoke`);
  const verb = r.mode === 'grant' ? 'granted' : 'revoked';
  out.table(
    r.schemas.map((s) => ({
      schema: s.schema,
      status: s.status,
      usage: s.usage ?? '-',
      [`tables ${verb}`]: s.tablesChanged ?? '-',
      [r.mode === 'grant' ? 'already readable' : 'already not']: s.tablesAlready ?? '-',
      'default privileges': s.defaultsChanged === undefined ? '-' : s.defaultsChanged.length ? `${verb} (for ${s.defaultsChanged.join(', ')})` : 'unchanged',
      error: s.error ?? '',
    })),
  );
  for (const s of r.schemas) {
    const missing = s.check?.defaultsMissingFor ?? [];
    if (r.mode === 'grant' && missing.length) {
      out.warn(`${s.schema}: tables created later by ${missing.join(', ')} will not be readable: rerun with --for-user ${missing.join(' --for-user ')} (as a superuser)`);
    }
  }
}

export function registerGrantReadonly(program: Command): void {
  withCommonOptions(
    program
      .command('grant-readonly')
      .description('let a group read schemas: USAGE, SELECT on all tables and views, default privileges for future tables; --revoke, --check')
      .option('--schema <name>', 'a schema (repeatable)', repeatable(nameOption))
      .option('--all', 'every bus schema')
      .option('--group <name>', 'the read-only group', nameOption, DEFAULT_READONLY_GROUP)
      .option('--create-group', 'create the group if it does not exist')
      .option('--for-user <user>', 'also cover tables this user creates later (ALTER DEFAULT PRIVILEGES FOR USER; superuser only; repeatable)', repeatable(nameOption))
      .option('--revoke', 'take the three grants away again')
      .option('--check', 'report what the group can and cannot read, changing nothing (exit 1 if something is not readable)')
      .option('--dry-run', 'print the statements without running them')
      .addHelpText(
        'after',
        [
          '',
          'Default privileges apply to tables created by the user running this command (the owner that',
          'runs init-etl and upgrade-schema); --check lists other creators, which need --for-user.',
          '',
          'Examples:',
          '  rsetl grant-readonly --all --create-group',
          '  rsetl grant-readonly --schema loan --check',
          '  rsetl grant-readonly --schema loan --group analysts --revoke',
          '',
        ].join('\n'),
      ),
  ).action(async (opts: Opts, cmd: Command) =>
    runCommand(cmd, async ({ out, connections }) => {
      const selection = selectionFrom(opts, false);
      if (selection.kind === 'all-schemas') throw new UsageError('grant-readonly takes --schema S or --all');
      if (opts.revoke && opts.check) throw new UsageError('give --revoke or --check, not both');
      if (opts.check && opts.dryRun) throw new UsageError('--check changes nothing already; drop --dry-run');
      const mode: ReadonlyMode = opts.revoke ? 'revoke' : opts.check ? 'check' : 'grant';
      const conn = await connections(selection.kind === 'all' ? ['source', 'redshift'] : ['redshift']);
      const r = await grantReadonly(conn, {
        selection,
        group: opts.group,
        mode,
        createGroup: opts.createGroup === true,
        ...(opts.forUser && { forUsers: opts.forUser }),
        dryRun: opts.dryRun === true,
      });
      if (out.json) out.result(r);
      else if (r.schemas.length === 0) out.info('no schemas selected');
      else if (mode === 'check') renderCheck(out, r);
      else renderChange(out, r);
      return r.problemCount > 0 ? EXIT.FAILED : EXIT.OK;
    }),
  );
}
