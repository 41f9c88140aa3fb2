// The SQL text a Data API statement sends, and the error text it reports.
//
// Named parameters (`:name`) become string literals: the service passes every value as a string
// that Redshift converts implicitly, which an untyped literal does too, and the statement can then
// travel as a simple query — the stand-in runs `COPY … FROM 's3://…'` only that way.
// The service runs each statement as a prepared statement, so an ExecuteStatement of several
// statements fails as Redshift's drivers report it (42601, "cannot insert multiple commands into a
// prepared statement").
import { literal } from '../redshift-standin/sql-literal.js';
import { splitStatements, tokenize, type Token } from '../../sql/tokens.js';
import type { SqlParameter } from './data-api-input.js';

/** A failure as the statement reports it, and its SQLSTATE (which the service's text leaves out). */
export interface StatementError {
  text: string;
  sqlState?: string;
}

export type PreparedSql = { ok: true; sql: string; used: Set<string> } | { ok: false; error: StatementError };

const TOKENIZE = { backslashEscapes: true };

/** `:name` tokens: a lone colon (never `::`) directly followed by a word or number. */
function placeholderAt(tokens: Token[], i: number): string | undefined {
  const t = tokens[i]!;
  const next = tokens[i + 1];
  if (t.kind !== 'punct' || t.text !== ':' || !next) return undefined;
  if ((next.kind === 'word' || next.kind === 'number') && /^[0-9a-zA-Z_]+$/.test(next.text)) return next.text;
  return undefined;
}

export function prepareSql(sql: string, params: SqlParameter[] = []): PreparedSql {
  const tokens = tokenize(sql, TOKENIZE);
  if (splitStatements(tokens).length > 1) {
    return { ok: false, error: { text: 'ERROR: cannot insert multiple commands into a prepared statement', sqlState: '42601' } };
  }
  const values = new Map(params.map((p) => [p.name, p.value]));
  const used = new Set<string>();
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const name = placeholderAt(tokens, i);
    const value = name === undefined ? undefined : values.get(name);
    if (name !== undefined && value !== undefined) {
      out += literal(value);
      used.add(name);
      i++;
    } else out += tokens[i]!.text;
  }
  return { ok: true, sql: out, used };
}

/** The placeholders a statement names, for the check that every given parameter is used. */
export function placeholders(sql: string): Set<string> {
  const tokens = tokenize(sql, TOKENIZE);
  const names = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const name = placeholderAt(tokens, i);
    if (name !== undefined) names.add(name);
  }
  return names;
}

interface PgErrorFields {
  message?: string;
  severity?: string;
  code?: string;
  position?: string;
}

/**
 * A server error as the service's Error member carries it: `ERROR: <message>`, and the position
 * on a second line when the server gave one (the Redshift Management Guide's example:
 * `ERROR: syntax error at or near "FROM"\n Position: 12`). No SQLSTATE: the service's text has none.
 */
export function errorText(e: unknown): StatementError {
  const f = (e ?? {}) as PgErrorFields;
  const severity = f.severity ?? 'ERROR';
  const message = f.message ?? String(e);
  const text = `${severity}: ${message}${f.position ? `\n Position: ${f.position}` : ''}`;
  return f.code ? { text, sqlState: f.code } : { text };
}
