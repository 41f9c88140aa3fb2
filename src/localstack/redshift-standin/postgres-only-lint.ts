// Finds PostgreSQL-only SQL that Amazon Redshift rejects, so that code tested against the stand-in
// cannot depend on it. Sources: the Amazon Redshift Database Developer Guide, "Unsupported
// PostgreSQL features", "Unsupported PostgreSQL functions", "Unsupported PostgreSQL data types",
// and the syntax of its SELECT, INSERT, LOCK and CREATE TABLE pages. The tree is libpg-query's
// (sql-tree.ts); its AST keys change between PostgreSQL majors (`returningList` in 17,
// `returningClause` in 18), so both are checked. Statements it cannot parse are Redshift-only
// syntax and are not linted.
import { loadModule, parseSync } from 'libpg-query';
import { findInTree, lastName, type ParsedSql, type Refusal } from './sql-tree.js';

let loaded: Promise<void> | undefined;

/** The parser is WebAssembly; it must be loaded once before the first lint. */
export function loadSqlParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** Words without which none of the rejected constructs can occur; most statements skip the parser. */
const HINT =
  /conflict|returning|\bfor\b|index|serial|\bcommit\b|exists|distinct|lateral|savepoint|release|rollback|prepare|\block\b|\(\s*like\b|uuid|json|\b(?:string_agg|array_agg|xmlagg|every|corr|covar_pop|covar_samp|regr_\w+|gen_random_uuid|pg_(?:try_)?advisory_\w+)\s*\(/i;
/** Column types Redshift lacks matter only where columns are defined. */
const TABLE_DDL_HINT = /\b(?:create|alter)\b/i;
const COLUMN_TYPE_HINT =
  /\b(?:xml|bytea|bit|varbit|money|inet|cidr|macaddr8?|tsvector|tsquery|txid_snapshot|pg_snapshot|hstore|point|line|lseg|box|path|polygon|circle|\w*range|oid|reg\w+|name)\b|"char"|\[\s*\d*\s*\]/i;

export function mayHavePostgresOnlyConstruct(text: string): boolean {
  return HINT.test(text) || (TABLE_DDL_HINT.test(text) && COLUMN_TYPE_HINT.test(text));
}

/** The message for a construct Redshift lacks whose own error text the Guide does not give. */
export function notSupported(construct: string): Refusal {
  return { code: '0A000', message: `${construct} is not supported by Amazon Redshift; the Redshift stand-in rejected this statement` };
}

const SERIAL_TYPES = new Set(['serial', 'bigserial', 'smallserial', 'serial2', 'serial4', 'serial8']);

/**
 * Column types Redshift does not have ("Unsupported PostgreSQL data types"), by the name the
 * parser gives them. A table column of one is refused the way Redshift words it.
 */
const UNSUPPORTED_COLUMN_TYPES = new Set([
  ...SERIAL_TYPES, 'uuid', 'json', 'jsonb', 'jsonpath', 'xml', 'bytea', 'bit', 'varbit', 'money', 'inet', 'cidr', 'macaddr',
  'macaddr8', 'tsvector', 'tsquery', 'txid_snapshot', 'pg_snapshot', 'hstore', 'point', 'line', 'lseg', 'box', 'path',
  'polygon', 'circle', 'int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange', 'int4multirange',
  'int8multirange', 'nummultirange', 'tsmultirange', 'tstzmultirange', 'datemultirange', 'oid', 'regclass', 'regproc',
  'regprocedure', 'regoper', 'regoperator', 'regtype', 'regnamespace', 'regrole', 'regconfig', 'regdictionary',
  'regcollation', 'name', 'char',
]);

/**
 * Types that no Redshift statement can name: added to PostgreSQL after the 8.0 that Redshift
 * descends from, so not even the leader node knows them. (The object identifier types are older:
 * the leader node answers casts to them in catalog queries; see leader-node-functions.ts.)
 */
const ABSENT_TYPES = new Set(['uuid', 'json', 'jsonb', 'jsonpath']);

/**
 * Functions Redshift does not have at all ("Unsupported PostgreSQL functions": its aggregate
 * list, advisory lock functions) and gen_random_uuid() (PostgreSQL 13; Redshift has no UUID type).
 */
const ABSENT_FUNCTIONS = /^(string_agg|array_agg|xmlagg|every|corr|covar_pop|covar_samp|regr_\w+|gen_random_uuid|pg_(try_)?advisory_\w+)$/;

/** CREATE TABLE ... (LIKE parent INCLUDING DEFAULTS) is Redshift's; any other LIKE option is not. */
const LIKE_INCLUDING_DEFAULTS = 1 << 3;
/** LockStmt.mode without an IN ... MODE clause: Redshift's LOCK has no mode. */
const ACCESS_EXCLUSIVE_LOCK = 8;

interface StatementContext {
  text: string;
  /** The table a CREATE TABLE or ALTER TABLE defines, for column messages. */
  relation?: string;
}

/** The first construct in the text that Redshift rejects, or undefined when Redshift would accept it. */
export function findPostgresOnlyConstruct(parsed: ParsedSql): Refusal | undefined {
  if (!mayHavePostgresOnlyConstruct(parsed.text)) return undefined;
  for (const s of parsed.statements ?? []) {
    const body = Object.values(s.stmt)[0] as Record<string, any> | undefined;
    const ctx: StatementContext = { text: parsed.text.slice(s.location, s.location + s.length), relation: body?.relation?.relname };
    const found = findInTree(s.stmt, (key, value) => check(key, value, ctx));
    if (found) return found;
  }
  return undefined;
}

/**
 * Names a statement Redshift refuses inside a transaction block (BEGIN ... END) while PostgreSQL
 * allows it there: ALTER TABLE ... ALTER COLUMN ... TYPE (Guide, "ALTER TABLE").
 */
export function findTransactionBlockRestriction(sql: string): string | undefined {
  if (!/\balter\b[\s\S]*\btype\b/i.test(sql)) return undefined;
  let tree: unknown;
  try {
    tree = parseSync(sql);
  } catch {
    return undefined;
  }
  return JSON.stringify(tree).includes('"AT_AlterColumnType"') ? 'ALTER TABLE ... ALTER COLUMN ... TYPE' : undefined;
}

/** Checks one AST node, seen as the key it is stored under and its value. */
function check(key: string, value: unknown, ctx: StatementContext): Refusal | undefined {
  const v = value as Record<string, any>;
  switch (key) {
    case 'InsertStmt':
      return v.onConflictClause ? notSupported('INSERT ... ON CONFLICT') : returning(v);
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      return returning(v);
    case 'SelectStmt':
      if (v.lockingClause) return notSupported(lockingName(v.lockingClause));
      // Plain DISTINCT is a list holding one empty node; DISTINCT ON lists expressions.
      if (Array.isArray(v.distinctClause) && v.distinctClause.some((e: object) => Object.keys(e ?? {}).length > 0)) {
        return notSupported('SELECT DISTINCT ON');
      }
      return undefined;
    case 'RangeSubselect':
    case 'RangeFunction':
    case 'RangeTableFunc':
      return v.lateral ? notSupported('LATERAL') : undefined;
    case 'A_Expr':
      if (v.kind === 'AEXPR_DISTINCT') return notSupported('IS DISTINCT FROM');
      if (v.kind === 'AEXPR_NOT_DISTINCT') return notSupported('IS NOT DISTINCT FROM');
      return undefined;
    case 'TransactionStmt':
      return transactionStatement(v.kind);
    case 'LockStmt':
      if (v.nowait) return notSupported('LOCK ... NOWAIT');
      // Without IN ... MODE the parser records ACCESS EXCLUSIVE; the text tells the spelled-out mode apart.
      return v.mode !== ACCESS_EXCLUSIVE_LOCK || /\bmode\b/i.test(ctx.text) ? notSupported('LOCK ... IN ... MODE') : undefined;
    case 'TableLikeClause':
      return (v.options & ~LIKE_INCLUDING_DEFAULTS) !== 0 || /\b(?:including|excluding)\s+(?!defaults\b)[a-z]/i.test(ctx.text)
        ? notSupported('CREATE TABLE ... (LIKE ... INCLUDING/EXCLUDING other than DEFAULTS)')
        : undefined;
    case 'IndexStmt':
      return notSupported('CREATE INDEX');
    case 'ColumnDef':
      return columnType(v, ctx);
    case 'typeName':
    case 'TypeName': {
      const name = lastName(v.names);
      return ABSENT_TYPES.has(name) && v.names.length === 1 ? notSupported(`The ${name} type`) : undefined;
    }
    case 'FuncCall': {
      const name = lastName(v.funcname);
      return ABSENT_FUNCTIONS.test(name) ? notSupported(`${name}()`) : undefined;
    }
    case 'CreateStmt':
      return v.relation?.relpersistence === 't' && v.oncommit && v.oncommit !== 'ONCOMMIT_NOOP'
        ? notSupported('CREATE TEMP TABLE ... ON COMMIT')
        : undefined;
    case 'AlterTableCmd':
      return v.subtype === 'AT_AddColumn' && v.missing_ok ? notSupported('ALTER TABLE ... ADD COLUMN IF NOT EXISTS') : undefined;
    default:
      return undefined;
  }
}

/**
 * A column of a type Redshift lacks, refused in Redshift's words (Redshift answers
 * `CREATE TABLE t (id serial)` with `Column "t.id" has unsupported type "serial".`).
 */
function columnType(def: Record<string, any>, ctx: StatementContext): Refusal | undefined {
  // ALTER COLUMN ... TYPE has a nameless ColumnDef: alter-table-rules.ts judges it.
  if (typeof def.colname !== 'string') return undefined;
  const names: any[] = def.typeName?.names ?? [];
  const name = lastName(names);
  const array = Array.isArray(def.typeName?.arrayBounds) && def.typeName.arrayBounds.length > 0;
  // Built-in names only (`char(n)` is pg_catalog.bpchar; a quoted "char" is the one-byte internal type).
  const builtIn = names.length === 1 || names[0]?.String?.sval === 'pg_catalog';
  const unsupported = array || (builtIn && UNSUPPORTED_COLUMN_TYPES.has(name));
  if (!unsupported) return undefined;
  const typeText = array ? `${name}[]` : name;
  const column = ctx.relation ? `${ctx.relation}.${def.colname}` : String(def.colname);
  const why = SERIAL_TYPES.has(name) && !array
    ? 'SERIAL/BIGSERIAL column types are not supported by Amazon Redshift'
    : `Amazon Redshift has no ${array ? 'array' : typeText} type`;
  return { code: '0A000', message: `Column "${column}" has unsupported type "${typeText}". (the Redshift stand-in rejected this statement: ${why})` };
}

function transactionStatement(kind: string): Refusal | undefined {
  const names: Record<string, string> = {
    TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
    TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
    TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
    TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
    TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
    TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
  };
  return names[kind] ? notSupported(names[kind]) : undefined;
}

function returning(stmt: Record<string, any>): Refusal | undefined {
  const list = stmt.returningList ?? stmt.returningClause?.exprs ?? stmt.returningClause;
  return list && (!Array.isArray(list) || list.length > 0) ? notSupported('RETURNING') : undefined;
}

function lockingName(clauses: any[]): string {
  const c = clauses[0]?.LockingClause ?? {};
  const strength: Record<string, string> = {
    LCS_FORUPDATE: 'FOR UPDATE',
    LCS_FORNOKEYUPDATE: 'FOR NO KEY UPDATE',
    LCS_FORSHARE: 'FOR SHARE',
    LCS_FORKEYSHARE: 'FOR KEY SHARE',
  };
  const wait = c.waitPolicy === 'LockWaitSkip' ? ' SKIP LOCKED' : c.waitPolicy === 'LockWaitError' ? ' NOWAIT' : '';
  return `SELECT ... ${strength[c.strength] ?? 'FOR UPDATE'}${wait}`;
}
