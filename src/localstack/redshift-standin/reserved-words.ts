// Redshift's reserved words used unquoted as names. Redshift reserves words PostgreSQL does not
// (TAG, DELTA, OPEN, SYSTEM, TIMESTAMP as a name, ...; redshift-reserved-words.ts, from the Guide's
// "Reserved words") and takes none of its reserved words as a column label either (`AS column`),
// so such a statement is a syntax error on Redshift while PostgreSQL runs it. Quoted ("tag") they
// are names like any other.
//
// A word is used as a name when quoting it leaves PostgreSQL's parse tree as it was: as a name,
// `tag` and `"tag"` are the same; as a keyword, `timestamp` in `ts timestamp` is the type
// pg_catalog.timestamp while `"timestamp"` would be a type named so, and `nulls` in `NULLS FIRST`
// stops parsing when quoted. Only candidates are parsed again: a listed word that PostgreSQL can
// take as a bare name, or any listed word right after AS. Names after a dot (`c.oid`) and function
// names (`left(...)`) are left alone, as are SET/SHOW values (`SET x TO off`).
import { parseSync } from 'libpg-query';
import { REDSHIFT_RESERVED_WORDS } from './redshift-reserved-words.js';
import { isSignificant, tokenize, type Token } from './sql-tokens.js';
import { treeShape, type ParsedSql, type Refusal } from './sql-tree.js';

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
  hint ??= new RegExp(`\\b(?:${[...wordsPostgresTakesAsNames()].join('|')})\\b|\\bas\\s+(?:${REDSHIFT_RESERVED_WORDS.join('|')})\\b`, 'i');
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
    if (prevWord !== 'as' && !names.has(word)) continue;
    if (skipped.some((s) => offset >= s.location && offset < s.location + s.length)) continue;
    original ??= treeShape(text);
    if (original === undefined) return undefined;
    const quoted = `${text.slice(0, offset)}"${word}"${text.slice(offset + token.text.length)}`;
    if (treeShape(quoted) !== original) continue;
    return {
      code: '42601',
      message:
        `syntax error at or near "${token.text}" (the Redshift stand-in rejected this statement: ${word.toUpperCase()} is an Amazon Redshift ` +
        `reserved word; quote it ("${word}") to use it as a name)`,
    };
  }
  return undefined;
}
