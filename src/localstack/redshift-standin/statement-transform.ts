// What happens to a client's statement text before PostgreSQL sees it: Redshift-only syntax is
// rewritten (redshift-ddl.ts), Redshift functions and system views are pointed at the stand-in's
// (redshift-functions.ts, system-objects-rewrite.ts), and what Redshift refuses is rejected: names
// longer than the backend can hold (identifier-length.ts), PostgreSQL-only SQL
// (postgres-only-lint.ts), MERGE beyond Redshift's subset (merge-subset.ts), ALTER TABLE beyond
// Redshift's (alter-table-rules.ts), leader-node-only functions next to compute-node tables
// (leader-node-functions.ts) and reserved words used as names (reserved-words.ts). The verdict
// depends on the text alone, so it is cached per text: ETL code sends the same statement shapes
// again and again. Rules that need the database (view-columns.ts and parts of the ALTER TABLE and
// MERGE rules) come back as checks for the session to run (catalog-checks.ts).
import { findAlterTableBeyondRedshift } from './alter-table-rules.js';
import type { CatalogCheck } from './catalog-checks.js';
import { findOverlongIdentifier } from './identifier-length.js';
import { findLeaderNodeOnlyUse } from './leader-node-functions.js';
import { findMergeOutsideSubset } from './merge-subset.js';
import { findPostgresOnlyConstruct, findTransactionBlockRestriction } from './postgres-only-lint.js';
import { rewriteRedshiftSyntax } from './redshift-ddl.js';
import { FUNCTION_HINT, rewriteRedshiftFunctions } from './redshift-functions.js';
import { findReservedWordName } from './reserved-words.js';
import { joinTokens, tokenize } from '../../sql/tokens.js';
import { ParsedSql } from './sql-tree.js';
import { SYSTEM_OBJECT_HINT, rewriteSystemObjects } from './system-objects-rewrite.js';
import { findViewReplacement } from './view-columns.js';

export interface TransformedStatement {
  /** The text to send to the backend (the input itself when nothing changed). */
  sql: string;
  /** Set when Redshift would refuse the statement: answer with this error instead. */
  rejected?: { code: string; message: string };
  /** The statement reads the stand-in's system views, so their schema must exist first. */
  usesStandinSchema: boolean;
  /** Set when Redshift refuses the statement inside a transaction block: names the statement. */
  outsideTransactionOnly?: string;
  /** Rules the database must decide: the session runs them before forwarding the statement. */
  checks?: CatalogCheck[];
}

const REDSHIFT_HINT = /distkey|sortkey|diststyle|encode|backup|auto\s+refresh|max\s*\)|getdate|sysdate|nvarchar/i;
const TABLE_DDL_HINT = /\b(create|alter)\b[\s\S]*\btable\b/i;
const STRING_TYPE_HINT = /varchar|text|varying/i;

const CACHE_LIMIT = 2000;
const CACHEABLE_LENGTH = 16_384;

export class StatementTransformer {
  private readonly cache = new Map<string, TransformedStatement>();

  transform(text: string, backslashEscapes: boolean): TransformedStatement {
    const key = (backslashEscapes ? '1' : '0') + text;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const result = transformUncached(text, backslashEscapes);
    if (text.length <= CACHEABLE_LENGTH) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, result);
    }
    return result;
  }
}

export function transformUncached(text: string, backslashEscapes: boolean): TransformedStatement {
  const overlong = findOverlongIdentifier(text, backslashEscapes);
  if (overlong) return { sql: text, usesStandinSchema: false, rejected: overlong };
  let sql = text;
  let usesStandinSchema = false;
  const redshiftSyntax = REDSHIFT_HINT.test(text) || (TABLE_DDL_HINT.test(text) && STRING_TYPE_HINT.test(text));
  const systemObjects = SYSTEM_OBJECT_HINT.test(text);
  const functions = FUNCTION_HINT.test(text);
  if (redshiftSyntax || systemObjects || functions) {
    let tokens = tokenize(text, { backslashEscapes });
    if (redshiftSyntax) tokens = rewriteRedshiftSyntax(tokens);
    if (systemObjects) {
      const r = rewriteSystemObjects(tokens);
      tokens = r.tokens;
      usesStandinSchema = r.usesStandinSchema;
    }
    if (functions) {
      const r = rewriteRedshiftFunctions(tokens);
      tokens = r.tokens;
      usesStandinSchema ||= r.usesStandinSchema;
    }
    sql = joinTokens(tokens);
  }
  // One parse of the text serves every rule, and only when some rule's hint matches.
  const parsed = new ParsedSql(sql.includes('\\') ? withoutStrings(sql, backslashEscapes) : sql);
  const merge = findMergeOutsideSubset(parsed);
  const alter = findAlterTableBeyondRedshift(parsed);
  const rejected =
    findPostgresOnlyConstruct(parsed) ?? merge.refused ?? alter.refused ?? findLeaderNodeOnlyUse(parsed) ?? findReservedWordName(parsed);
  if (rejected) return { sql, usesStandinSchema, rejected };
  const checks = [merge.check, alter.check, findViewReplacement(parsed, sql)].filter((c): c is CatalogCheck => c !== undefined);
  return {
    sql,
    usesStandinSchema,
    outsideTransactionOnly: findTransactionBlockRestriction(sql),
    ...(checks.length > 0 ? { checks } : {}),
  };
}

/**
 * The parser reads string literals with standard_conforming_strings on, while the stand-in's
 * sessions (like Redshift) treat a backslash as an escape; `'it\'s'` would hide the rest of the
 * statement from it. Literals do not matter to the lint, so they are blanked first.
 */
function withoutStrings(sql: string, backslashEscapes: boolean): string {
  return tokenize(sql, { backslashEscapes })
    .map((t) => (t.kind === 'string' ? "''" : t.text))
    .join('');
}
