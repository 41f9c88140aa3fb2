// Finds PostgreSQL-only SQL that Amazon Redshift rejects (../shared/reference/peers.md
// §3.6), so that code tested against the stand-in cannot depend on it. Uses the real PostgreSQL
// parser (libpg-query, pinned: its AST keys change between PostgreSQL majors — `returningList` in
// 17, `returningClause` in 18 — so both are checked). Statements it cannot parse are Redshift-only
// syntax and are not linted.
import { loadModule, parseSync } from 'libpg-query';

let loaded: Promise<void> | undefined;

/** The parser is WebAssembly; it must be loaded once before the first lint. */
export function loadSqlParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** Words without which none of the rejected constructs can occur; most statements skip the parser. */
const HINT = /conflict|returning|\bfor\b|index|serial|\bcommit\b|exists/i;

const SERIAL_TYPES = new Set(['serial', 'bigserial', 'smallserial', 'serial2', 'serial4', 'serial8']);

/** Names the first rejected construct in `sql`, or undefined when Redshift would accept it. */
export function findPostgresOnlyConstruct(sql: string): string | undefined {
  if (!HINT.test(sql)) return undefined;
  let tree: unknown;
  try {
    tree = parseSync(sql);
  } catch {
    return undefined;
  }
  return walk(tree);
}

/**
 * Names a statement Redshift refuses inside a transaction block (BEGIN ... END) while PostgreSQL
 * allows it there: ALTER TABLE ... ALTER COLUMN ... TYPE (../shared/reference/peers.md §3.6).
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

function walk(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = walk(item);
      if (found) return found;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    const found = check(key, value) ?? walk(value);
    if (found) return found;
  }
  return undefined;
}

/** Checks one AST node, seen as the key it is stored under and its value. */
function check(key: string, value: unknown): string | undefined {
  const v = value as Record<string, any>;
  switch (key) {
    case 'InsertStmt':
      return v.onConflictClause ? 'INSERT ... ON CONFLICT' : returning(v);
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      return returning(v);
    case 'SelectStmt':
      return v.lockingClause ? lockingName(v.lockingClause) : undefined;
    case 'IndexStmt':
      return 'CREATE INDEX';
    case 'ColumnDef': {
      const names: any[] = v.typeName?.names ?? [];
      const last = names[names.length - 1]?.String?.sval;
      return names.length === 1 && SERIAL_TYPES.has(String(last)) ? 'SERIAL/BIGSERIAL column types' : undefined;
    }
    case 'CreateStmt':
      return v.relation?.relpersistence === 't' && v.oncommit && v.oncommit !== 'ONCOMMIT_NOOP'
        ? 'CREATE TEMP TABLE ... ON COMMIT'
        : undefined;
    case 'AlterTableCmd':
      return v.subtype === 'AT_AddColumn' && v.missing_ok ? 'ALTER TABLE ... ADD COLUMN IF NOT EXISTS' : undefined;
    default:
      return undefined;
  }
}

function returning(stmt: Record<string, any>): string | undefined {
  const list = stmt.returningList ?? stmt.returningClause?.exprs ?? stmt.returningClause;
  return list && (!Array.isArray(list) || list.length > 0) ? 'RETURNING' : undefined;
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
