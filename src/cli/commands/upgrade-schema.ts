import type { Command } from 'commander';
import { selectionFrom } from '../../admin/target-schemas.js';
import { upgradeSchemas } from '../../admin/upgrade-schema.js';
import { EXIT } from '../exit-codes.js';
import { runCommand, withCommonOptions } from '../context.js';
import { nameOption, pathOption, repeatable, sqlOption } from '../option-values.js';
import { checkInputFile, checkInputFolder } from '../paths.js';

interface Opts {
  schema?: string[];
  all?: boolean;
  allSchemas?: boolean;
  dir?: string;
  sql?: string;
  file?: string;
  noTransaction?: boolean;
  dryRun?: boolean;
}

const list = (names: string[]) => (names.length ? names.join(', ') : '-');

export function registerUpgradeSchema(program: Command): void {
  withCommonOptions(
    program
      .command('upgrade-schema')
      .description("apply rsetl's migrations (and --dir's), or one ad-hoc --sql/--file, to schemas; each schema in its own transaction; exit 1 if any failed")
      .option('--schema <name>', 'a schema to upgrade (repeatable)', repeatable(nameOption))
      .option('--all', 'every bus schema (each once, even when buses share it)')
      .option('--all-schemas', 'every non-system schema of the database')
      .option('--dir <folder>', 'your migrations folder (NNN_name.sql files), applied after rsetl\'s own', pathOption('in-dir'))
      .option('--sql <sql>', 'one ad-hoc change (recorded by checksum: applied once per schema)', sqlOption)
      .option('--file <file>', 'one ad-hoc SQL file (recorded by checksum)', pathOption('in-file'))
      .option('--no-transaction', 'run the ad-hoc --sql/--file statement by statement outside a transaction (e.g. ALTER COLUMN ... TYPE)')
      .option('--dry-run', 'print what would be applied where, changing nothing')
      .addHelpText(
        'after',
        [
          '',
          'Migration files: NNN_name.sql, applied in number order, each recorded in the schema\'s',
          'rsetl_migration table with its sha256; an applied file that changed is an error for that schema.',
          'A file whose first line is `-- rsetl:no-transaction` runs outside the transaction.',
          '',
          'Examples:',
          '  rsetl upgrade-schema --all --dry-run',
          '  rsetl upgrade-schema --all --dir ./migrations',
          '  rsetl upgrade-schema --schema loan --sql "ALTER TABLE attempt ADD COLUMN note VARCHAR(256)"',
          '  rsetl upgrade-schema --all-schemas --file grant-audit.sql',
          '',
        ].join('\n'),
      ),
  ).action(async (opts: Opts, cmd: Command) =>
    runCommand(cmd, async ({ out, connections }) => {
      const selection = selectionFrom(opts);
      // commander's --no-transaction sets `transaction: false`.
      const noTransaction = (opts as { transaction?: boolean }).transaction === false;
      // Before any connection: a folder or file that cannot be read fails now, naming its flag.
      if (opts.dir !== undefined) await checkInputFolder('--dir', opts.dir);
      if (opts.file !== undefined) await checkInputFile('--file', opts.file);
      const conn = await connections(selection.kind === 'all' ? ['source', 'redshift'] : ['redshift']);
      const r = await upgradeSchemas(conn, {
        selection,
        ...(opts.dir !== undefined && { dir: opts.dir }),
        ...(opts.sql !== undefined && { sql: opts.sql }),
        ...(opts.file !== undefined && { file: opts.file }),
        ...(noTransaction && { noTransaction }),
        dryRun: opts.dryRun === true,
      });
      if (out.json) out.result(r);
      else {
        out.info(`${r.dryRun ? 'plan (dry run, nothing changed)' : 'upgrade'}: ${r.migrations.length} migration(s): ${list(r.migrations.map((m) => `${m.name}${m.transactional ? '' : ' (no transaction)'}`))}`);
        if (r.schemas.length === 0) out.info('no schemas selected');
        else
          out.table(
            r.schemas.map((s) => ({
              schema: s.schema,
              status: s.status,
              [r.dryRun ? 'would apply' : 'applied']: list(s.applied),
              skipped: s.skipped.length,
              failed: s.failed ?? (s.status === 'failed' ? '(schema)' : '-'),
              error: s.error ?? '',
            })),
          );
        if (r.failedCount) out.warn(`${r.failedCount} of ${r.schemas.length} schema(s) failed; the others were ${r.dryRun ? 'planned' : 'upgraded'}`);
      }
      return r.failedCount > 0 ? EXIT.FAILED : EXIT.OK;
    }),
  );
}
