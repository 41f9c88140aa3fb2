// Redshift's reserved words used unquoted as names. Redshift reserves words PostgreSQL does not
// (TAG, DELTA, OPEN, SYSTEM, TIMESTAMP as a name, ...; redshift-reserved-words.ts, from the Guide's
// "Reserved words"), so such a statement is a syntax error on Redshift while PostgreSQL runs it.
// Quoted ("tag") they are names like any other.
//
// A word is used as a name when quoting it leaves PostgreSQL's parse tree as it was: as a name,
// `tag` and `"tag"` are the same; as a keyword, `timestamp` in `ts timestamp` is the type
// pg_catalog.timestamp while `"timestamp"` would be a type named so, and `nulls` in `NULLS FIRST`
// stops parsing when quoted. Only candidates are parsed again: a listed word that PostgreSQL can
// take as a bare name. Names after a dot (`c.oid`) and function names (`left(...)`) are left alone,
// as are SET/SHOW values (`SET x TO off`).
//
// Two uses Redshift accepts are left alone too. A column label after AS (`SELECT x AS tag`,
// `AS column`): Redshift keeps the grammar of the PostgreSQL 8.0 it descends from, where any
// keyword, reserved or not, may label a column after AS, and clusters run such labels (AWS's own
// published Redshift admin views label columns `AS table` and `AS user`); a table alias after AS
// is a name like any other. And `oid` as a column reference (`SELECT oid FROM pg_namespace`): the
// Guide's "Unsupported PostgreSQL features" keeps OID as a system column name that user columns
// cannot take, and catalog queries on clusters read it bare (those same admin views do).
import { parseSync } from 'libpg-query';
import { REDSHIFT_RESERVED_WORDS } from './redshift-reserved-words.js';
import { isSignificant, tokenize, type Token } from '../../sql/tokens.js';
import { findInTree, treeShape, type ParsedSql, type Refusal } from './sql-tree.js';

const RESERVED = new Set(REDSHIFT_RESERVED_WORDS);
/** Reserved words that are Redshift expressions, which PostgreSQL reads as column names. */
const REDSHIFT_EXPRESSIONS = new Set(['current_user_id', 'sysdate']);
/** Words after which `name (` is a relation being defined or named, not a function call. */
const NAMING = new Set(['table', 'into', 'view', 'exists', 'references', 'only', 'update', 'as']);
const SKIPPED_STATEMENTS = new Set(['VariableSetStmt', 'VariableShowStmt']);

let bareNames: Set<string> | undefined;
let hint: RegExp | undefined;

/** Listed words PostgreSQL accepts as a bare table name (not its reserved or type/function-name keywords). */
function wordsPostgresTakesAsNames(): Set<string> {
  bareNames ??= new Set(
    REDSHIFT_RESERVED_WORDS.filter((w) => {
      try {
        parseSync(`select * from ${w}`);
        return true;
      } catch {
        return false;
      }
    }),
  );
  return bareNames;
}

function reservedWordHint(): RegExp {
  hint ??= new RegExp(`\\b(?:${[...wordsPostgresTakesAsNames()].join('|')})\\b`, 'i');
  return hint;
}

/** Redshift's syntax error for the first reserved word the text uses, unquoted, as a name. */
export function findReservedWordName(parsed: ParsedSql): Refusal | undefined {
  if (!reservedWordHint().test(parsed.text)) return undefined;
  const statements = parsed.statements;
  if (!statements) return undefined;
  const skipped = statements.filter((s) => SKIPPED_STATEMENTS.has(Object.keys(s.stmt)[0] ?? ''));
  const text = parsed.text;
  const tokens = tokenize(text, { backslashEscapes: false });
  const sig: { token: Token; at: number }[] = [];
  let at = 0;
  for (const token of tokens) {
    if (isSignificant(token)) sig.push({ token, at });
    at += token.text.length;
  }
  const names = wordsPostgresTakesAsNames();
  let original: string | undefined;
  for (let k = 0; k < sig.length; k++) {
    const { token, at: offset } = sig[k]!;
    if (token.kind !== 'word') continue;
    const word = token.text.toLowerCase();
    if (!RESERVED.has(word) || REDSHIFT_EXPRESSIONS.has(word)) continue;
    const prev = sig[k - 1]?.token;
    const next = sig[k + 1]?.token;
    const prevWord = prev?.kind === 'word' ? prev.text.toLowerCase() : undefined;
    if (prev?.kind === 'punct' && prev.text === '.') continue;
    if (next?.kind === 'punct' && next.text === '(' && !NAMING.has(prevWord ?? '')) continue;
    if (!names.has(word)) continue;
    if (skipped.some((s) => offset >= s.location && offset < s.location + s.length)) continue;
    original ??= treeShape(text);
    if (original === undefined) return undefined;
    const quoted = `${text.slice(0, offset)}"${word}"${text.slice(offset + token.text.length)}`;
    if (treeShape(quoted) !== original) continue;
    const role = roleOf(text, offset, token.text.length);
    if ((role === 'label' && prevWord === 'as') || (role === 'column' && word === 'oid')) continue;
    return {
      code: '42601',
      message:
        `syntax error at or near "${token.text}" (the Redshift stand-in rejected this statement: ${word.toUpperCase()} is an Amazon Redshift ` +
        `reserved word; quote it ("${word}") to use it as a name)`,
    };
  }
  return undefined;
}

const PROBE = 'rsetl_standin_reserved_word_probe';

/**
 * What the word at `offset` is in the statement: a column label (`ResTarget` of a select list)
 * or a column reference, found by putting a quoted probe name in its place.
 */
function roleOf(text: string, offset: number, length: number): 'label' | 'column' | undefined {
  let tree: unknown;
  try {
    tree = parseSync(`${text.slice(0, offset)}"${PROBE}"${text.slice(offset + length)}`);
  } catch {
    return undefined;
  }
  return findInTree(tree, (key, value): 'label' | 'column' | undefined => {
    if (key === 'ResTarget' && value.name === PROBE) return 'label';
    if (key === 'ColumnRef' && Array.isArray(value.fields) && value.fields.some((f: any) => f?.String?.sval === PROBE)) return 'column';
    return undefined;
  });
}
