// Redshift-only syntax that PostgreSQL refuses but that means nothing for correctness on one node:
// distribution and sort attributes, column encodings, BACKUP, AUTO REFRESH. They are dropped before
// the statement reaches PostgreSQL. Type and function spellings that Redshift defines differently
// are mapped to what Redshift means (docs/design.md#redshift-types):
//   VARCHAR(MAX) = VARCHAR(65535); VARCHAR/TEXT without a length = VARCHAR(256) in table DDL;
//   NVARCHAR = VARCHAR; GETDATE() = the current statement's UTC time without fractions;
//   SYSDATE = the transaction's start time in UTC.
import { isSignificant, type Token } from '../../sql/tokens.js';

const GETDATE_SQL = "(date_trunc('second', statement_timestamp() AT TIME ZONE 'UTC'))";
const SYSDATE_SQL = "(transaction_timestamp() AT TIME ZONE 'UTC')";

/** Rewrites every statement of a token list; `;` tokens stay where they are. */
export function rewriteRedshiftSyntax(tokens: Token[]): Token[] {
  const out: Token[] = [];
  let statement: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === ';') {
      out.push(...rewriteStatement(statement), t);
      statement = [];
    } else statement.push(t);
  }
  out.push(...rewriteStatement(statement));
  return out;
}

function rewriteStatement(tokens: Token[]): Token[] {
  const sig: number[] = [];
  tokens.forEach((t, i) => isSignificant(t) && sig.push(i));
  const at = (k: number): Token | undefined => (k >= 0 && k < sig.length ? tokens[sig[k]!] : undefined);
  const isPunct = (k: number, p: string) => at(k)?.kind === 'punct' && at(k)?.text === p;
  const word = (k: number) => (at(k)?.kind === 'word' ? at(k)!.text.toUpperCase() : undefined);

  const first = word(0);
  const isDdl = first === 'CREATE' || first === 'ALTER';
  const isTableDdl = isDdl && tableDdl(word);
  const drop = new Set<number>();
  const replace = new Map<number, string>();
  const dropSig = (k: number) => drop.add(sig[k]!);
  /** Drops a parenthesised group starting at significant index k; returns the index after it. */
  const dropGroup = (k: number): number => {
    let depth = 0;
    for (let j = k; j < sig.length; j++) {
      dropSig(j);
      if (isPunct(j, '(')) depth++;
      else if (isPunct(j, ')') && --depth === 0) return j + 1;
    }
    return sig.length;
  };

  for (let k = 0; k < sig.length; k++) {
    if (drop.has(sig[k]!)) continue;
    const w = word(k);
    if (w === undefined) continue;
    const afterDot = isPunct(k - 1, '.');
    if (isDdl && w === 'DISTKEY') {
      dropSig(k);
      if (isPunct(k + 1, '(')) dropGroup(k + 1);
    } else if (isDdl && w === 'SORTKEY') {
      dropSig(k);
      if (word(k - 1) === 'COMPOUND' || word(k - 1) === 'INTERLEAVED') dropSig(k - 1);
      if (isPunct(k + 1, '(')) dropGroup(k + 1);
      else if (word(k + 1) === 'AUTO') dropSig(k + 1);
    } else if (isDdl && w === 'DISTSTYLE' && word(k + 1) !== undefined) {
      dropSig(k);
      dropSig(k + 1);
    } else if (isDdl && w === 'ENCODE' && word(k + 1) !== undefined) {
      dropSig(k);
      dropSig(k + 1);
    } else if (isDdl && w === 'BACKUP' && (word(k + 1) === 'YES' || word(k + 1) === 'NO')) {
      dropSig(k);
      dropSig(k + 1);
    } else if (isDdl && w === 'AUTO' && word(k + 1) === 'REFRESH' && (word(k + 2) === 'YES' || word(k + 2) === 'NO')) {
      [k, k + 1, k + 2].forEach(dropSig);
    } else if (w === 'GETDATE' && !afterDot && isPunct(k + 1, '(') && isPunct(k + 2, ')')) {
      replace.set(sig[k]!, GETDATE_SQL);
      dropSig(k + 1);
      dropSig(k + 2);
    } else if (w === 'SYSDATE' && !afterDot && !isPunct(k + 1, '(')) {
      replace.set(sig[k]!, SYSDATE_SQL);
    } else if (isStringType(w, word(k + 1))) {
      const varying = w === 'CHARACTER' || w === 'CHAR';
      const last = varying ? k + 1 : k;
      if (w === 'NVARCHAR') replace.set(sig[k]!, 'VARCHAR');
      if (isPunct(last + 1, '(') && word(last + 2) === 'MAX' && isPunct(last + 3, ')')) {
        replace.set(sig[last + 2]!, '65535');
      } else if (isTableDdl && !isPunct(last + 1, '(') && inTypePosition(k, at, word, isPunct)) {
        // Redshift: a VARCHAR, CHARACTER VARYING or TEXT column without a length holds 256 bytes.
        replace.set(sig[k]!, 'VARCHAR(256)');
        if (varying) dropSig(k + 1);
      }
    }
  }
  if (drop.size === 0 && replace.size === 0) return tokens;
  const out: Token[] = [];
  tokens.forEach((t, i) => {
    if (drop.has(i)) return;
    const r = replace.get(i);
    out.push(r === undefined ? t : { kind: 'word', text: r });
  });
  return out;
}

function tableDdl(word: (k: number) => string | undefined): boolean {
  if (word(0) === 'ALTER') return word(1) === 'TABLE';
  for (let k = 1; k < 5; k++) {
    const w = word(k);
    if (w === 'TABLE') return true;
    if (!['TEMP', 'TEMPORARY', 'LOCAL', 'GLOBAL', 'UNLOGGED'].includes(w ?? '')) return false;
  }
  return false;
}

function isStringType(w: string, next: string | undefined): boolean {
  if (w === 'VARCHAR' || w === 'NVARCHAR' || w === 'TEXT') return true;
  return (w === 'CHARACTER' || w === 'CHAR') && next === 'VARYING';
}

/** A column's type follows its name (in a column list or after ADD COLUMN) or ALTER ... TYPE. */
function inTypePosition(
  k: number,
  at: (k: number) => Token | undefined,
  word: (k: number) => string | undefined,
  isPunct: (k: number, p: string) => boolean,
): boolean {
  if (word(k - 1) === 'TYPE') return true;
  const prev = at(k - 1);
  if (!prev || (prev.kind !== 'word' && prev.kind !== 'quoted-ident')) return false;
  return isPunct(k - 2, '(') || isPunct(k - 2, ',') || word(k - 2) === 'COLUMN' || word(k - 2) === 'ADD';
}
