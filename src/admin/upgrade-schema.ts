// `rsetl upgrade-schema`: the old system's `upgradeAll` with a history (docs/dba.md#upgrade-schema). Each
// schema: search_path on it, its own transaction holding a LOCK on its rsetl_migration table,
// every pending migration in order, each recorded with its checksum, COMMIT. A migration marked
// `-- rsetl:no-transaction` commits what came before it and runs statement by statement outside
// a transaction. A failing schema is rolled back and reported; the others go on. A transactional
// migration holding TRUNCATE (which commits its transaction on Redshift) is refused up front.
import { UsageError, messageOf } from '../errors.js';
import type { Connections } from '../pipeline/connections.js';
import { LEDGER_TABLE } from '../warehouse/ledger.js';
import { schemaExists } from '../warehouse/schema.js';
import type { WarehouseSession } from '../warehouse/session.js';
import { ident, qualified } from '../sql/quote.js';
import {
  MIGRATION_TABLE,
  appliedMigrations,
  migrationTableDdl,
  recordMigration,
  tableExists,
  type AppliedMigration,
} from '../warehouse/migration-ledger.js';
import {
  ADHOC_PREFIX,
  adhocFromFile,
  adhocMigration,
  implicitCommitIn,
  loadBuiltinMigrations,
  loadMigrationDir,
  type Migration,
} from '../warehouse/migrations.js';
import { resolveSchemas, type SchemaSelection } from './target-schemas.js';

export interface UpgradeInput {
  selection: SchemaSelection;
  /** A folder of the user's NNN_name.sql files, applied after rsetl's own. */
  dir?: string;
  /** One ad-hoc statement list instead of migration folders. */
  sql?: string;
  file?: string;
  /** Ad-hoc SQL runs outside a transaction (files say so with `-- rsetl:no-transaction`). */
  noTransaction?: boolean;
  dryRun?: boolean;
}

export interface SchemaUpgrade {
  schema: string;
  /** ok: all applied; planned: --dry-run; failed: see error. */
  status: 'ok' | 'planned' | 'failed';
  /** Applied now (with --dry-run: would be applied). */
  applied: string[];
  /** Already applied earlier. */
  skipped: string[];
  /** The migration that failed. */
  failed?: string;
  error?: string;
}

export interface UpgradeResult {
  dryRun: boolean;
  migrations: Array<{ name: string; source: string; checksum: string; transactional: boolean; statements: number }>;
  schemas: SchemaUpgrade[];
  failedCount: number;
}

async function loadMigrations(input: UpgradeInput): Promise<Migration[]> {
  const adhoc = input.sql !== undefined || input.file !== undefined;
  if (input.sql !== undefined && input.file !== undefined) throw new UsageError('give --sql or --file, not both');
  if (adhoc && input.dir !== undefined) throw new UsageError('--sql/--file run one ad-hoc change; --dir applies a migrations folder: give one of them');
  if (!adhoc && input.noTransaction) throw new UsageError('--no-transaction goes with --sql/--file; mark a migration file with `-- rsetl:no-transaction` on its first line');
  const opts = input.noTransaction ? { noTransaction: true } : {};
  let migrations: Migration[];
  if (input.sql !== undefined) migrations = [adhocMigration(input.sql, {}, opts)];
  else if (input.file !== undefined) migrations = [await adhocFromFile(input.file, opts)];
  else {
    const own = await loadBuiltinMigrations();
    migrations = input.dir === undefined ? own : [...own, ...(await loadMigrationDir(input.dir, 'dir'))];
  }
  for (const m of migrations) refuseImplicitCommit(m);
  return migrations;
}

/**
 * A migration that runs in the schema's transaction must not hold a statement Redshift commits
 * that transaction for (TRUNCATE): the statements before it would be committed on their own, and a
 * failure after it could no longer roll the migration back. Refused before any schema is touched.
 */
function refuseImplicitCommit(m: Migration): void {
  if (!m.transactional) return;
  const found = implicitCommitIn(m.statements);
  if (!found) return;
  const where = m.statements.length > 1 ? ` statement ${found.index + 1} of ${m.statements.length} (line ${found.statement.line})` : '';
  const fix =
    m.origin === 'adhoc'
      ? 'run it with --no-transaction (statement by statement, outside a transaction), or use DELETE FROM to keep it inside one'
      : 'make `-- rsetl:no-transaction` the first line of the file (it then runs statement by statement, outside a transaction), or use DELETE FROM to keep it inside one';
  throw new UsageError(
    `${m.name}${where}: ${found.command} commits the transaction it runs in on Redshift, so upgrade-schema cannot apply this migration atomically in the schema's transaction`,
    { hint: fix },
  );
}

/** An applied migration whose file changed since: the schema is not touched (Flyway's validate). */
function changedSinceApplied(wanted: readonly Migration[], applied: ReadonlyMap<string, AppliedMigration>): string | undefined {
  for (const m of wanted) {
    const a = applied.get(m.name);
    if (a && a.checksum !== m.checksum) {
      return `${m.name} was applied on ${a.appliedAt} with checksum ${a.checksum.slice(0, 12)}…, but ${m.source} now has ${m.checksum.slice(0, 12)}…: restore the file, or put the change in a new migration`;
    }
  }
  return undefined;
}

function isApplied(m: Migration, applied: ReadonlyMap<string, AppliedMigration>): boolean {
  if (m.origin !== 'adhoc') return applied.has(m.name);
  // The same ad-hoc SQL, whatever file or flag it came from.
  return [...applied.values()].some((a) => a.name.startsWith(ADHOC_PREFIX) && a.checksum === m.checksum);
}

/** rsetl's own migrations change rsetl's tables: they apply where its load ledger lives. */
async function wantedIn(s: WarehouseSession, schema: string, migrations: readonly Migration[]): Promise<Migration[]> {
  const rsetlSchema = await tableExists(s, schema, LEDGER_TABLE);
  return migrations.filter((m) => m.origin !== 'rsetl' || rsetlSchema);
}

async function planOne(s: WarehouseSession, schema: string, migrations: readonly Migration[]): Promise<SchemaUpgrade> {
  if (!(await schemaExists(s, schema))) return { schema, status: 'failed', applied: [], skipped: [], error: `schema ${schema} does not exist` };
  const wanted = await wantedIn(s, schema, migrations);
  const applied = await appliedMigrations(s, schema);
  const changed = changedSinceApplied(wanted, applied);
  const skipped = wanted.filter((m) => isApplied(m, applied)).map((m) => m.name);
  const pending = wanted.filter((m) => !isApplied(m, applied)).map((m) => m.name);
  if (changed) return { schema, status: 'failed', applied: [], skipped, error: changed };
  return { schema, status: 'planned', applied: pending, skipped };
}

class MigrationFailed extends Error {
  constructor(
    readonly migration: string,
    message: string,
  ) {
    super(message);
  }
}

async function runStatements(s: WarehouseSession, m: Migration): Promise<void> {
  for (const [i, st] of m.statements.entries()) {
    try {
      await s.query(st.text);
    } catch (e) {
      const where = m.statements.length > 1 ? ` statement ${i + 1} of ${m.statements.length} (line ${st.line})` : '';
      throw new MigrationFailed(m.name, `${m.name}${where}: ${messageOf(e)}`);
    }
  }
}

async function upgradeOne(s: WarehouseSession, schema: string, migrations: readonly Migration[]): Promise<SchemaUpgrade> {
  if (!(await schemaExists(s, schema))) return { schema, status: 'failed', applied: [], skipped: [], error: `schema ${schema} does not exist` };
  const wanted = await wantedIn(s, schema, migrations);
  await s.query(migrationTableDdl(schema));
  await s.query(`SET search_path TO ${ident(schema)}`);
  const lockAndRead = async () => {
    await s.query('BEGIN');
    // A second upgrade-schema on the same schema waits here, then finds the work done.
    await s.query(`LOCK ${qualified(schema, MIGRATION_TABLE)}`);
    return appliedMigrations(s, schema);
  };
  const done: string[] = [];
  const inTransaction: string[] = [];
  let open = false;
  let skipped: string[] = [];
  try {
    let applied = await lockAndRead();
    open = true;
    const changed = changedSinceApplied(wanted, applied);
    skipped = wanted.filter((m) => isApplied(m, applied)).map((m) => m.name);
    if (changed) throw new MigrationFailed('', changed);
    for (const m of wanted.filter((x) => !isApplied(x, applied))) {
      if (m.transactional) {
        if (!open) {
          applied = await lockAndRead();
          open = true;
          if (isApplied(m, applied)) continue;
        }
        await runStatements(s, m);
        await recordMigration(s, schema, m);
        inTransaction.push(m.name);
      } else {
        if (open) {
          await s.query('COMMIT');
          open = false;
          done.push(...inTransaction.splice(0));
        }
        // Redshift refuses these inside BEGIN ... END: each statement commits on its own.
        await runStatements(s, m);
        await recordMigration(s, schema, m);
        done.push(m.name);
      }
    }
    if (open) {
      await s.query('COMMIT');
      open = false;
      done.push(...inTransaction.splice(0));
    }
    return { schema, status: 'ok', applied: done, skipped };
  } catch (e) {
    if (open) await s.rollback();
    const failed = e instanceof MigrationFailed ? e.migration : undefined;
    return { schema, status: 'failed', applied: done, skipped, ...(failed ? { failed } : {}), error: messageOf(e) };
  }
}

/**
 * Applies rsetl's migrations (plus `dir`'s), or one ad-hoc change, to every selected schema as
 * the owner. Never throws for one schema's failure: the result lists each schema's outcome.
 */
export async function upgradeSchemas(conn: Connections, input: UpgradeInput): Promise<UpgradeResult> {
  const migrations = await loadMigrations(input);
  const dryRun = input.dryRun === true;
  const open = () => conn.warehouse(undefined, { asOwner: true });
  let s = await open();
  const results: SchemaUpgrade[] = [];
  try {
    const schemas = await resolveSchemas(input.selection, conn, s);
    for (const schema of schemas) {
      const r = await (dryRun ? planOne(s, schema, migrations) : upgradeOne(s, schema, migrations)).catch(
        (e: unknown): SchemaUpgrade => ({ schema, status: 'failed', applied: [], skipped: [], error: messageOf(e) }),
      );
      results.push(r);
      if (r.status === 'failed') {
        // After a failure the session may be gone or in a bad state: the next schema gets a fresh one.
        await s.close();
        s = await open();
      }
    }
  } finally {
    await s.close();
  }
  return {
    dryRun,
    migrations: migrations.map((m) => ({ name: m.name, source: m.source, checksum: m.checksum, transactional: m.transactional, statements: m.statements.length })),
    schemas: results,
    failedCount: results.filter((r) => r.status === 'failed').length,
  };
}
