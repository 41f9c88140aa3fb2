// What happens to a client's statement text before PostgreSQL sees it: Redshift-only syntax is
// rewritten (redshift-ddl.ts), Redshift functions and system views are pointed at the stand-in's
// (redshift-functions.ts, system-objects-rewrite.ts), and PostgreSQL-only SQL and names longer than
// the backend can hold are rejected (postgres-only-lint.ts, identifier-length.ts). The verdict depends on the text
// alone, so it is cached per text: ETL code sends the same statement shapes again and again.
import { findOverlongIdentifier } from './identifier-length.js';
import { findPostgresOnlyConstruct, findTransactionBlockRestriction } from './postgres-only-lint.js';
import { rewriteRedshiftSyntax } from './redshift-ddl.js';
import { FUNCTION_HINT, rewriteRedshiftFunctions } from './redshift-functions.js';
import { joinTokens, tokenize } from './sql-tokens.js';
import { SYSTEM_OBJECT_HINT, rewriteSystemObjects } from './system-objects-rewrite.js';

export interface TransformedStatement {
  /** The text to send to the backend (the input itself when nothing changed). */
  sql: string;
  /** Set when Redshift would refuse the statement: answer with this error instead. */
  rejected?: { code: string; message: string };
  /** The statement reads the stand-in's system views, so their schema must exist first. */
  usesStandinSchema: boolean;
  /** Set when Redshift refuses the statement inside a transaction block: names the statement. */
  outsideTransactionOnly?: string;
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
  const construct = findPostgresOnlyConstruct(sql.includes('\\') ? withoutStrings(sql, backslashEscapes) : sql);
  if (construct) {
    return {
      sql,
      usesStandinSchema,
      rejected: {
        code: '0A000',
        message: `${construct} is not supported by Amazon Redshift; the Redshift stand-in rejected this statement`,
      },
    };
  }
  return { sql, usesStandinSchema, outsideTransactionOnly: findTransactionBlockRestriction(sql) };
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
