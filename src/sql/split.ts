// rsetl's one statement splitter, built on the one SQL tokenizer (tokens.ts) that the stand-in
// also uses, set for Redshift's lexical rules: single-quoted strings where a backslash escapes the
// next character as well as '' (Redshift has no standard_conforming_strings,
// docs/design.md#redshift-sql), double-quoted identifiers, $$/$tag$ dollar quotes (Redshift UDF
// bodies), -- and /* */ comments. libpg-query parses whole statements only and rejects
// Redshift-only syntax (DISTKEY, ENCODE...), so it cannot split a Redshift file. Known limit: a
// `$tag$` starting a word (`$a$b`) would be read as a dollar quote; Redshift identifiers rarely
// contain `$`.
import { isSignificant, splitStatements as splitTokens, tokenize } from './tokens.js';

export interface SqlStatement {
  /** From the statement's first to its last token that is not a comment or a blank. */
  text: string;
  /** 1-based line of the statement's first character in the file. */
  line: number;
}

/** A migration file's statements; a piece of only comments and blanks is none. */
export function splitStatements(sql: string): SqlStatement[] {
  const tokens = tokenize(sql, { backslashEscapes: true });
  const lineAt = new Map<object, number>();
  let line = 1;
  for (const t of tokens) {
    lineAt.set(t, line);
    for (let i = t.text.indexOf('\n'); i >= 0; i = t.text.indexOf('\n', i + 1)) line++;
  }
  return splitTokens(tokens).map((statement) => {
    const first = statement.findIndex(isSignificant);
    const last = statement.findLastIndex(isSignificant);
    return { text: statement.slice(first, last + 1).map((t) => t.text).join(''), line: lineAt.get(statement[first]!)! };
  });
}
