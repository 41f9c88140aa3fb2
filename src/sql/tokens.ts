// A small SQL tokenizer: just enough to rewrite Redshift-only words without touching string
// literals, quoted identifiers, comments or dollar-quoted bodies. Joining every token's text
// gives back the input unchanged, so a rewrite only replaces the tokens it means to.

export type TokenKind = 'space' | 'word' | 'quoted-ident' | 'string' | 'number' | 'param' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
}

export interface TokenizeOptions {
  /**
   * Whether a backslash escapes the next character inside a plain '...' literal. True for Redshift
   * (and for the stand-in's sessions, which run with standard_conforming_strings=off).
   */
  backslashEscapes: boolean;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DIGIT = /[0-9]/;

export function tokenize(sql: string, options: TokenizeOptions): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: TokenKind, end: number) => {
    tokens.push({ kind, text: sql.slice(i, end) });
    i = end;
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      let j = i + 1;
      while (j < n && /\s/.test(sql[j]!)) j++;
      push('space', j);
    } else if (c === '-' && next === '-') {
      const j = sql.indexOf('\n', i);
      push('space', j < 0 ? n : j + 1);
    } else if (c === '/' && next === '*') {
      push('space', blockCommentEnd(sql, i));
    } else if (c === "'") {
      push('string', quotedEnd(sql, i, "'", options.backslashEscapes));
    } else if (c === '"') {
      push('quoted-ident', quotedEnd(sql, i, '"', false));
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 70));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        push('string', close < 0 ? n : close + tag[0].length);
      } else {
        let j = i + 1;
        while (j < n && DIGIT.test(sql[j]!)) j++;
        push(j > i + 1 ? 'param' : 'punct', j);
      }
    } else if (WORD_START.test(c)) {
      // E'...', B'...', X'...', N'...' and U&'...' are literals with a prefix.
      if (next === "'" && /[EeBbXxNn]/.test(c)) {
        const escapes = c === 'E' || c === 'e' || options.backslashEscapes;
        push('string', quotedEnd(sql, i + 1, "'", escapes));
      } else if ((c === 'U' || c === 'u') && next === '&' && (sql[i + 2] === "'" || sql[i + 2] === '"')) {
        const q = sql[i + 2]!;
        push(q === "'" ? 'string' : 'quoted-ident', quotedEnd(sql, i + 2, q, false));
      } else {
        let j = i + 1;
        while (j < n && WORD_PART.test(sql[j]!)) j++;
        push('word', j);
      }
    } else if (DIGIT.test(c) || (c === '.' && next !== undefined && DIGIT.test(next))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(sql.slice(i, i + 400));
      push('number', i + (m ? m[0].length : 1));
    } else if (c === ':' && next === ':') {
      push('punct', i + 2);
    } else {
      push('punct', i + 1);
    }
  }
  return tokens;
}

function blockCommentEnd(sql: string, start: number): number {
  // PostgreSQL block comments nest.
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** Tokens other than whitespace and comments. */
export function isSignificant(t: Token): boolean {
  return t.kind !== 'space';
}

/** Splits a token list at top-level semicolons; empty statements are dropped. */
export function splitStatements(tokens: Token[]): Token[][] {
  const out: Token[][] = [];
  let current: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === ';') {
      if (current.some(isSignificant)) out.push(current);
      current = [];
    } else current.push(t);
  }
  if (current.some(isSignificant)) out.push(current);
  return out;
}

export function joinTokens(tokens: Token[]): string {
  let s = '';
  for (const t of tokens) s += t.text;
  return s;
}

/** The value of a '...' or E'...' literal token (Redshift rules: backslash escapes, '' is a quote). */
export function stringValue(t: Token): string {
  const body = t.text.replace(/^[EeNn]/, '');
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };
  let out = '';
  for (let i = 1; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && i + 1 < body.length) {
      const e = body[++i]!;
      out += escapes[e] ?? e;
    } else if (c === "'") {
      if (body[i + 1] !== "'") break;
      out += "'";
      i++;
    } else out += c;
  }
  return out;
}

/** The name an identifier token denotes: unquoted words fold to lower case, quoted ones do not. */
export function identifierValue(t: Token): string {
  if (t.kind === 'quoted-ident') return t.text.slice(1, -1).replace(/""/g, '"');
  return t.text.toLowerCase();
}
