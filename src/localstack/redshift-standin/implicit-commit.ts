// Statements that commit the transaction they run in on Redshift while PostgreSQL runs them inside
// it: TRUNCATE ("TRUNCATE commits the transaction in which it is run", page TRUNCATE of the
// Redshift Database Developer Guide; a ROLLBACK after it undoes nothing). The session commits the
// open transaction block before such a statement, runs it, and leaves the session outside any
// transaction, so a later COMMIT or ROLLBACK gets PostgreSQL's WARNING "there is no transaction in
// progress", which is also what Redshift answers.
import { isSignificant, splitStatements, tokenize, type Token } from '../../sql/tokens.js';

const HINT = /\btruncate\b/i;

export type ImplicitCommit =
  | { kind: 'none' }
  /** The message is this one statement. */
  | { kind: 'single'; statement: string }
  /** It shares its query message with other statements; `opensTransaction`: one of them is BEGIN/START. */
  | { kind: 'mixed'; statement: string; opensTransaction: boolean };

function firstWord(sig: Token[]): string | undefined {
  return sig[0]?.kind === 'word' ? sig[0].text.toUpperCase() : undefined;
}

/** Whether `text` holds a statement that commits its transaction on Redshift, and how. */
export function findImplicitCommit(text: string, backslashEscapes: boolean): ImplicitCommit {
  if (!HINT.test(text)) return { kind: 'none' };
  const statements = splitStatements(tokenize(text, { backslashEscapes }))
    .map((s) => s.filter(isSignificant))
    .filter((s) => s.length > 0);
  const words = statements.map(firstWord);
  if (!words.includes('TRUNCATE')) return { kind: 'none' };
  if (statements.length === 1) return { kind: 'single', statement: 'TRUNCATE' };
  return { kind: 'mixed', statement: 'TRUNCATE', opensTransaction: words.some((w) => w === 'BEGIN' || w === 'START') };
}
