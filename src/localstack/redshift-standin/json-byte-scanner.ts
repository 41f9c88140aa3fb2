// Reads JSON in a UTF-8 buffer byte by byte, without decoding it into JavaScript strings: the
// pieces of a line the COPY fast path (text-row-encoder.ts) needs. Whatever the fast path cannot
// take as it is — exponents, \u escapes PostgreSQL refuses, malformed JSON — throws NotFastPath.
import { NotFastPath } from './not-fast-path.js';

// Byte values as module-local constants: imported from a shared module, they made the encoder's loops ~40% slower.
const BACKSLASH = 0x5c, COLON = 0x3a, CR = 0x0d, COMMA = 0x2c, DOT = 0x2e, LBRACE = 0x7b, LBRACKET = 0x5b;
const LF = 0x0a, LOWER_B = 0x62, LOWER_E = 0x65, LOWER_F = 0x66, LOWER_N = 0x6e, LOWER_R = 0x72;
const LOWER_T = 0x74, LOWER_U = 0x75, MINUS = 0x2d, NINE = 0x39, QUOTE = 0x22, RBRACE = 0x7d;
const RBRACKET = 0x5d, SLASH = 0x2f, SP = 0x20, TAB = 0x09, UPPER_E = 0x45, ZERO = 0x30;

export const TRUE_BYTES = Buffer.from('true');
export const FALSE_BYTES = Buffer.from('false');
export const NULL_BYTES = Buffer.from('null');

/** What scanString() found: the index of the closing quote, and whether the string holds a backslash escape. */
export class JsonStringSpan {
  close = 0;
  escaped = false;
}

/**
 * The JSON string opening at i, recorded into `span` (returned). Escapes are checked; \u0000 and
 * surrogates (PostgreSQL refuses \u0000 and unpaired ones; pairs are rare) go to the exact path.
 */
export function scanString(src: Buffer, i: number, end: number, span: JsonStringSpan): JsonStringSpan {
  let escaped = false;
  let j = i + 1;
  for (;;) {
    if (j >= end) throw new NotFastPath('malformed JSON');
    const c = src[j]!;
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      escaped = true;
      const e = src[j + 1];
      if (e === LOWER_U) {
        const cp = hex4(src, j + 2, end);
        if (cp <= 0 || (cp >= 0xd800 && cp <= 0xdfff)) throw new NotFastPath('\\u escape');
        j += 6;
      } else if (e === QUOTE || e === BACKSLASH || e === SLASH || e === LOWER_B || e === LOWER_F || e === LOWER_N || e === LOWER_R || e === LOWER_T) {
        j += 2;
      } else throw new NotFastPath('malformed JSON');
      continue;
    }
    if (c < SP) throw new NotFastPath('control character in a string');
    j++;
  }
  span.close = j;
  span.escaped = escaped;
  return span;
}

/** The end of the object or array opening at i (a value of a key no column takes), checked as JSON; `span` is scratch space. */
export function skipNested(src: Buffer, i: number, end: number, depth: number, span: JsonStringSpan): number {
  if (depth > 64) throw new NotFastPath('deeply nested value');
  const object = src[i] === LBRACE;
  const close = object ? RBRACE : RBRACKET;
  i = skipWs(src, i + 1, end);
  if (i < end && src[i] === close) return i + 1;
  for (;;) {
    if (object) {
      if (i >= end || src[i] !== QUOTE) throw new NotFastPath('malformed JSON');
      i = skipWs(src, scanString(src, i, end, span).close + 1, end);
      if (i >= end || src[i] !== COLON) throw new NotFastPath('malformed JSON');
      i = skipWs(src, i + 1, end);
    }
    if (i >= end) throw new NotFastPath('malformed JSON');
    const b = src[i]!;
    if (b === QUOTE) i = scanString(src, i, end, span).close + 1;
    else if (b === LBRACE || b === LBRACKET) i = skipNested(src, i, end, depth + 1, span);
    else if (b === MINUS || isDigit(b)) i = plainNumberEnd(src, i, end, false);
    else if (b === LOWER_T && same(src, i, end, TRUE_BYTES)) i += 4;
    else if (b === LOWER_F && same(src, i, end, FALSE_BYTES)) i += 5;
    else if (b === LOWER_N && same(src, i, end, NULL_BYTES)) i += 4;
    else throw new NotFastPath('malformed JSON');
    i = skipWs(src, i, end);
    if (i < end && src[i] === COMMA) i = skipWs(src, i + 1, end);
    else if (i < end && src[i] === close) return i + 1;
    else throw new NotFastPath('malformed JSON');
  }
}

/** The first index from i that is not JSON whitespace (end at most). */
export function skipWs(src: Buffer, i: number, end: number): number {
  while (i < end) {
    const b = src[i]!;
    if (b !== SP && b !== TAB && b !== CR && b !== LF) break;
    i++;
  }
  return i;
}

/** Whether `word` is at src[i, end). */
export function same(src: Buffer, i: number, end: number, word: Buffer): boolean {
  if (i + word.length > end) return false;
  for (let j = 0; j < word.length; j++) if (src[i + j] !== word[j]) return false;
  return true;
}

/** The value of 4 hex digits at i, or -1. */
export function hex4(src: Buffer, i: number, end: number): number {
  if (i + 4 > end) return -1;
  let v = 0;
  for (let j = i; j < i + 4; j++) {
    const b = src[j]!;
    const d = b >= ZERO && b <= NINE ? b - ZERO : b >= 0x61 && b <= 0x66 ? b - 0x57 : b >= 0x41 && b <= 0x46 ? b - 0x37 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** Whether b is an ASCII digit. */
export function isDigit(b: number): boolean {
  return ((b - ZERO) >>> 0) <= 9;
}

/**
 * The end of a JSON number at i that PostgreSQL's numeric_out writes back unchanged: no exponent
 * (1e2 becomes 100; 1e999999 overflows numeric) and, for a `loaded` value, not a negative zero
 * (-0.0 becomes 0.0).
 */
export function plainNumberEnd(src: Buffer, i: number, end: number, loaded = true): number {
  let j = i;
  const negative = src[j] === MINUS;
  if (negative) j++;
  let zero = true;
  if (j < end && src[j] === ZERO) j++;
  else if (j < end && src[j]! > ZERO && src[j]! <= NINE) {
    zero = false;
    for (j++; j < end && isDigit(src[j]!); j++);
  } else throw new NotFastPath('malformed number');
  if (j < end && src[j] === DOT) {
    j++;
    const digits = j;
    for (let b = 0; j < end && isDigit((b = src[j]!)); j++) if (b !== ZERO) zero = false;
    if (j === digits) throw new NotFastPath('malformed number');
  }
  if (j < end && (src[j] === LOWER_E || src[j] === UPPER_E)) throw new NotFastPath('number with an exponent');
  // PostgreSQL's numeric has limits on digits; far below them, nothing to check.
  if (j - i > 1000) throw new NotFastPath('very long number');
  if (negative && zero && loaded) throw new NotFastPath('negative zero');
  return j;
}
