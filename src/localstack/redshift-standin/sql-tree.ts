// The PostgreSQL parse tree of one statement text, shared by the stand-in's Redshift rules
// (postgres-only-lint.ts, leader-node-functions.ts, merge-subset.ts, alter-table-rules.ts,
// view-columns.ts, reserved-words.ts). Each rule first tests the raw text with a cheap regular
// expression; the text is parsed at most once, and only when some rule's test says it may matter.
// libpg-query is the real PostgreSQL parser (WASM), pinned: its tree's keys change between
// PostgreSQL majors. Text it cannot parse is Redshift-only syntax, which no rule lints.
import { parseSync } from 'libpg-query';

/** A node of libpg-query's JSON tree. */
export type TreeNode = Record<string, any>;

/** A refusal: the SQLSTATE and the message the client gets instead of running the statement. */
export interface Refusal {
  code: string;
  message: string;
}

/** One statement of the text: its node (`{ SelectStmt: {...} }`) and where it is in the text. */
export interface ParsedStatement {
  stmt: TreeNode;
  location: number;
  length: number;
}

export class ParsedSql {
  private parsed: ParsedStatement[] | null | undefined;

  constructor(readonly text: string) {}

  /** The statements, or undefined when PostgreSQL's parser refuses the text. */
  get statements(): ParsedStatement[] | undefined {
    if (this.parsed === undefined) this.parsed = parseStatements(this.text);
    return this.parsed ?? undefined;
  }
}

function parseStatements(text: string): ParsedStatement[] | null {
  let tree: { stmts?: { stmt: TreeNode; stmt_location?: number; stmt_len?: number }[] };
  try {
    tree = parseSync(text);
  } catch {
    return null;
  }
  return (tree.stmts ?? []).map((s) => {
    const location = s.stmt_location ?? 0;
    return { stmt: s.stmt, location, length: s.stmt_len || text.length - location };
  });
}

/** The tree of `text` with every position left out: two texts that differ only in layout compare equal. */
export function treeShape(text: string): string | undefined {
  try {
    return JSON.stringify(parseSync(text), (key, value) => (POSITION_KEYS.has(key) ? undefined : value));
  } catch {
    return undefined;
  }
}

const POSITION_KEYS = new Set(['location', 'stmt_location', 'stmt_len']);

/**
 * Visits every object node below `node` depth-first as (key it is stored under, value) and stops
 * at the first visit that returns a value. Wrapped nodes are seen under their type name
 * (`FuncCall`), fields under their field name (`relation`).
 */
export function findInTree<T>(node: unknown, visit: (key: string, value: any) => T | undefined): T | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findInTree(item, visit);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  for (const [key, value] of Object.entries(node as TreeNode)) {
    if (value === null || typeof value !== 'object') continue;
    const found = visit(key, value) ?? findInTree(value, visit);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Calls `visit` for every object node below `node` (see findInTree). */
export function forEachInTree(node: unknown, visit: (key: string, value: any) => void): void {
  findInTree(node, (key, value) => {
    visit(key, value);
    return undefined;
  });
}

/** The last part of a qualified name list (`[pg_catalog, varchar]` -> `varchar`), lower case. */
export function lastName(names: unknown): string {
  const list = Array.isArray(names) ? names : [];
  return String(list[list.length - 1]?.String?.sval ?? '').toLowerCase();
}

/** A RangeVar (wrapped or not): any object with a relation name and a persistence. */
export function isRangeVar(value: any): value is { schemaname?: string; relname: string; relpersistence?: string } {
  return typeof value?.relname === 'string' && 'relpersistence' in value;
}

/** The relations a statement names (FROM items, targets, LIKE sources...), without references to its CTEs. */
export function relationsOf(stmt: unknown): { schemaname?: string; relname: string }[] {
  const ctes = new Set<string>();
  const found: { schemaname?: string; relname: string }[] = [];
  forEachInTree(stmt, (key, value) => {
    if (key === 'CommonTableExpr' && typeof value.ctename === 'string') ctes.add(value.ctename);
    else if (isRangeVar(value)) found.push(value);
  });
  return found.filter((r) => r.schemaname !== undefined || !ctes.has(r.relname));
}

/** The text of `name` as to_regclass() reads it: each part quoted, so case and dots survive. */
export function regclassText(r: { schemaname?: string; relname: string }): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return r.schemaname ? `${q(r.schemaname)}.${q(r.relname)}` : q(r.relname);
}

/** How a relation is shown in messages: `schema.name` or `name`. */
export function relationName(r: { schemaname?: string; relname: string }): string {
  return r.schemaname ? `${r.schemaname}.${r.relname}` : r.relname;
}
