// Splitting a migration file into statements with a maintained tokenizer (dbgate-query-splitter)
// set for Redshift's lexical rules: single-quoted strings where a backslash escapes the next
// character as well as '' (Redshift has no standard_conforming_strings, docs/design.md#redshift-sql), double-quoted
// identifiers, $$/$tag$ dollar quotes (Redshift UDF bodies), -- and /* */ comments.
// libpg-query parses whole statements only and rejects Redshift-only syntax (DISTKEY, ENCODE...),
// so it cannot split a Redshift file. Known limit: a `$tag$` inside an identifier (`a$b$`) that
// appears twice would be read as a dollar quote; Redshift identifiers rarely contain `$`.
import { postgreSplitterOptions, splitQuery } from 'dbgate-query-splitter';

/** The part of dbgate's rich result rsetl reads (its type is not exported from the package root). */
interface RichItem {
  text: string;
  start: { line: number };
  trimStart?: { line: number };
}

const REDSHIFT_SPLITTER = {
  ...postgreSplitterOptions,
  stringEscapes: { "'": '\\', '"': '"' },
  returnRichInfo: true,
  ignoreComments: true,
};

export interface SqlStatement {
  text: string;
  /** 1-based line of the statement's first character in the file. */
  line: number;
}

/** True when nothing but comments and blanks is left (a naive strip is safe for this test only). */
function onlyComments(text: string): boolean {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/--[^\n]*/g, '').trim() === '';
}

export function splitStatements(sql: string): SqlStatement[] {
  const items = splitQuery(sql, REDSHIFT_SPLITTER) as RichItem[];
  return items
    .filter((i) => !onlyComments(i.text))
    .map((i) => ({ text: i.text.trim(), line: (i.trimStart ?? i.start).line + 1 }));
}
