// Migration files: ordered `NNN_name.sql` in a folder (rsetl's own in templates/migrations, a
// user's with --dir) or one ad-hoc --sql / --file. Each has a sha256 checksum of its text (BOM
// dropped, CRLF read as LF, so a checkout on Windows does not look like an edit) and runs in the
// schema's transaction unless its first line is `-- rsetl:no-transaction` (for statements Redshift
// refuses inside BEGIN ... END, such as ALTER TABLE ... ALTER COLUMN ... TYPE, docs/design.md#redshift-transactions, and
// for TRUNCATE, which commits the transaction it runs in: implicitCommitIn).
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { splitStatements, type SqlStatement } from '../sql/split.js';

/** dist/admin/ and src/admin/ both sit two levels below the package root. */
export const BUILTIN_MIGRATIONS_DIR = fileURLToPath(new URL('../../templates/migrations/', import.meta.url));

/** Recorded names of rsetl's own migrations carry this prefix, a user's folder none, ad-hoc SQL `adhoc/`. */
export const BUILTIN_PREFIX = 'rsetl/';
/** rsetl's first migration: the schema as init-etl creates it, and the start of an adopted schema's history. */
export const BASELINE_MIGRATION = `${BUILTIN_PREFIX}001_baseline.sql`;
export const ADHOC_PREFIX = 'adhoc/';

export type MigrationOrigin = 'rsetl' | 'dir' | 'adhoc';

export interface Migration {
  /** The name recorded in the schema's rsetl_migration table. */
  name: string;
  origin: MigrationOrigin;
  /** Where it was read from: a path, or `--sql`. */
  source: string;
  checksum: string;
  transactional: boolean;
  statements: SqlStatement[];
}

const FILE_NAME = /^(\d+)_([A-Za-z0-9][A-Za-z0-9_.-]*)\.sql$/;
const NO_TRANSACTION = /^\s*--\s*rsetl:no-transaction\s*$/i;

function normalise(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}

export function checksumOf(text: string): string {
  return createHash('sha256').update(normalise(text), 'utf8').digest('hex');
}

/** Leading comments and blanks of a statement (the splitter drops most; a nested one may stay). */
const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

/**
 * The first statement of `statements` that Redshift commits its transaction for (TRUNCATE: "TRUNCATE
 * commits the transaction in which it is run", page TRUNCATE of the Redshift Database Developer
 * Guide). Inside a migration's transaction it would commit the statements before it on its own,
 * and a later failure could no longer roll the migration back as a whole.
 */
export function implicitCommitIn(statements: readonly SqlStatement[]): { index: number; statement: SqlStatement; command: string } | undefined {
  for (const [index, statement] of statements.entries()) {
    const word = /^[A-Za-z]+/.exec(statement.text.replace(LEADING_NOISE, ''))?.[0]?.toUpperCase();
    if (word === 'TRUNCATE') return { index, statement, command: word };
  }
  return undefined;
}

export function parseMigration(name: string, origin: MigrationOrigin, source: string, text: string, opts: { noTransaction?: boolean } = {}): Migration {
  const body = normalise(text);
  const firstLine = body.split('\n', 1)[0] ?? '';
  return {
    name,
    origin,
    source,
    checksum: checksumOf(body),
    transactional: !(opts.noTransaction || NO_TRANSACTION.test(firstLine)),
    statements: splitStatements(body),
  };
}

/** The `NNN_name.sql` files of a folder in numeric order; other `.sql` names and duplicate numbers are errors. */
export async function loadMigrationDir(dir: string, origin: 'rsetl' | 'dir'): Promise<Migration[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`migrations folder ${dir} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`);
  }
  const files = entries.filter((f) => f.toLowerCase().endsWith('.sql'));
  const bad = files.filter((f) => !FILE_NAME.test(f));
  if (bad.length) {
    throw new UsageError(`migration files must be named NNN_name.sql: ${bad.join(', ')} in ${dir}`, {
      hint: 'rename them (e.g. 002_add_column.sql); the number orders them',
    });
  }
  const numbered = files.map((f) => ({ f, n: Number(FILE_NAME.exec(f)![1]) })).sort((a, b) => a.n - b.n || a.f.localeCompare(b.f));
  for (let i = 1; i < numbered.length; i++) {
    if (numbered[i]!.n === numbered[i - 1]!.n) {
      throw new UsageError(`two migrations share the number ${numbered[i]!.n}: ${numbered[i - 1]!.f} and ${numbered[i]!.f} in ${dir}`);
    }
  }
  const out: Migration[] = [];
  for (const { f } of numbered) {
    const path = join(dir, f);
    out.push(parseMigration(origin === 'rsetl' ? `${BUILTIN_PREFIX}${f}` : f, origin, path, await readFile(path, 'utf8')));
  }
  return out;
}

export function loadBuiltinMigrations(): Promise<Migration[]> {
  return loadMigrationDir(BUILTIN_MIGRATIONS_DIR, 'rsetl');
}

/**
 * One ad-hoc migration, recorded as `adhoc/<file name or sql>@<first 12 hex of its checksum>` and
 * recognised again by its checksum: the same SQL is applied to a schema once.
 */
export function adhocMigration(text: string, source: { file?: string }, opts: { noTransaction?: boolean } = {}): Migration {
  const label = source.file ? basename(source.file) : 'sql';
  const m = parseMigration(label, 'adhoc', source.file ?? '--sql', text, opts);
  if (m.statements.length === 0) throw new UsageError(`${source.file ?? '--sql'} holds no SQL statement`);
  return { ...m, name: `${ADHOC_PREFIX}${label}@${m.checksum.slice(0, 12)}` };
}

export async function adhocFromFile(file: string, opts: { noTransaction?: boolean } = {}): Promise<Migration> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return adhocMigration(text, { file }, opts);
}
