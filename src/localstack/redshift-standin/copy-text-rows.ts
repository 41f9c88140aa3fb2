// The fast path of COPY FROM S3: each NDJSON line becomes one row of PostgreSQL's COPY text format
// for the target's columns, streamed straight into the target with COPY FROM STDIN. The line is
// read byte by byte, never decoded into JavaScript strings: a JSON string without escapes is the
// COPY text value as it is (JSON forbids raw control characters, so it holds no tab, newline or
// backslash), and its byte length is what Redshift compares with a VARCHAR's declared length.
//
// It gives exactly what the exact path (the buffer table and jsonb_to_record, copy-load.ts) gives,
// for the lines it accepts: a JSON object whose values for the loaded columns are strings, plain
// decimal numbers, true, false or null (keys no column takes may hold any JSON, which is checked as
// PostgreSQL would parse it). Anything else — a nested value for a column, exponents, -0, \u
// escapes PostgreSQL refuses, invalid UTF-8, a key that 'auto ignorecase' would fold outside ASCII,
// a value longer than its column in bytes, NULL for a NOT NULL column, malformed JSON — throws
// NotFastPath: the caller rolls the COPY back and lets the exact path load the data or name the bad
// line. Values PostgreSQL refuses (an int column given "abc") fail the COPY itself, with the same
// outcome. Text COPY and jsonb_to_record give a column the same text through the same input
// function: a JSON string's value, a number's digits, `true`/`false`.
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { BufferStats } from './copy-buffer-rows.js';
import type { CopyFromS3 } from './copy-command.js';
import { isString, type CopyTarget } from './copy-target.js';

/** The data needs the exact path: the fast path gives up (nothing of it may be kept). */
export class NotFastPath extends Error {
  constructor(reason: string) {
    super(`not on the fast path: ${reason}`);
  }
}

/** Base types whose COPY text input is the input jsonb_to_record uses (json, arrays, enums, composites are not). */
const FAST_TYPES = new Set([
  'int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'bool', 'varchar', 'text',
  'date', 'timestamp', 'timestamptz', 'time', 'timetz', 'uuid',
]);

/** Whether the fast path can load this target; the reason why not otherwise. */
export function fastPathRefusal(target: CopyTarget): string | undefined {
  if (target.relkind !== 'r' && target.relkind !== 'p') return `relation kind ${target.relkind}`;
  // COPY ignores rules, and accepts values for GENERATED ALWAYS identity columns that INSERT refuses.
  if (target.hasRules) return 'rules';
  for (const c of target.columns) {
    if (!FAST_TYPES.has(c.typname)) return `column ${c.name} of type ${c.type}`;
    if (c.identityAlways) return `identity column ${c.name}`;
  }
  return undefined;
}

/** `COPY <target> (<cols>) FROM STDIN`: text format, the bytes are UTF-8 whatever the client's encoding. */
export function textCopySql(target: CopyTarget, ident: (name: string) => string): string {
  return `COPY ${target.qualified} (${target.columns.map((c) => ident(c.name)).join(', ')}) FROM STDIN WITH (FORMAT text, ENCODING 'UTF8')`;
}

const TAB = 0x09, LF = 0x0a, CR = 0x0d, SP = 0x20, QUOTE = 0x22, COMMA = 0x2c, MINUS = 0x2d, DOT = 0x2e, SLASH = 0x2f;
const ZERO = 0x30, NINE = 0x39, COLON = 0x3a, BACKSLASH = 0x5c, LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;
const LOWER_E = 0x65, UPPER_E = 0x45, LOWER_N = 0x6e, LOWER_T = 0x74, LOWER_F = 0x66, LOWER_U = 0x75, LOWER_B = 0x62, LOWER_R = 0x72;
const A_UPPER = 0x41, Z_UPPER = 0x5a;

/** What a line gave a column. */
const MISSING = 0, NULL = 1, STRING = 2, ESCAPED = 3, NUMBER = 4, TRUE = 5, FALSE = 6;

const TRUE_BYTES = Buffer.from('true');
const FALSE_BYTES = Buffer.from('false');
const NULL_BYTES = Buffer.from('null');

const OUT_BYTES = 256 * 1024;

/** Encodes JSON lines into COPY text rows for one target. */
export class TextRowEncoder {
  private readonly names: Buffer[];
  private readonly plainName: Uint8Array;
  private readonly byteLimit: Int32Array;
  private readonly notNull: Uint8Array;
  private readonly stringColumn: Uint8Array;
  private readonly kind: Uint8Array;
  private readonly valueStart: Int32Array;
  private readonly valueEnd: Int32Array;
  private readonly fold: boolean;
  private readonly emptyAsNull: boolean;
  private readonly blanksAsNull: boolean;
  private out = Buffer.allocUnsafe(OUT_BYTES);
  private pos = 0;
  private readonly done: Buffer[] = [];
  private doneBytes = 0;
  rows = 0;

  constructor(target: CopyTarget, cmd: CopyFromS3) {
    const cols = target.columns;
    const n = cols.length;
    this.names = cols.map((c) => Buffer.from(c.name, 'utf8'));
    this.plainName = Uint8Array.from(this.names, (b) => (b.every((x) => x >= SP && x !== QUOTE && x !== BACKSLASH) ? 1 : 0));
    this.byteLimit = Int32Array.from(cols, (c) => c.byteLimit ?? -1);
    this.notNull = Uint8Array.from(cols, (c) => (c.notNull ? 1 : 0));
    this.stringColumn = Uint8Array.from(cols, (c) => (isString(c) ? 1 : 0));
    this.kind = new Uint8Array(n);
    this.valueStart = new Int32Array(n);
    this.valueEnd = new Int32Array(n);
    this.fold = cmd.ignoreCase;
    this.emptyAsNull = cmd.emptyAsNull;
    this.blanksAsNull = cmd.blanksAsNull;
  }

  /** Output of at least `min` bytes (all of it with 0), or undefined. */
  take(min = OUT_BYTES): Buffer | undefined {
    if (this.pos > 0 && this.doneBytes + this.pos >= min) this.finishBuffer(0);
    if (this.done.length === 0) return undefined;
    const all = this.done.length === 1 ? this.done[0]! : Buffer.concat(this.done, this.doneBytes);
    this.done.length = 0;
    this.doneBytes = 0;
    return all;
  }

  private finishBuffer(need: number): void {
    if (this.pos > 0) {
      this.done.push(this.out.subarray(0, this.pos));
      this.doneBytes += this.pos;
    }
    this.out = Buffer.allocUnsafe(Math.max(OUT_BYTES, need));
    this.pos = 0;
  }

  /** Encodes the line src[start, end) (no newline); blank lines are skipped. */
  line(src: Buffer, start: number, end: number): void {
    const kind = this.kind;
    const n = kind.length;
    kind.fill(MISSING);
    let i = skipWs(src, start, end);
    if (i === end) return; // blank line (spaces, tabs, CR): skipped but counted by the caller
    if (src[i] !== LBRACE) throw new NotFastPath('not a JSON object');
    i = skipWs(src, i + 1, end);
    if (i < end && src[i] === RBRACE) i++;
    else {
      let guess = 0;
      for (;;) {
        if (i >= end || src[i] !== QUOTE) throw new NotFastPath('malformed JSON');
        const ks = ++i;
        // Keys usually come in column order: one pass compares the key with the expected name.
        const ke = this.keyIsColumn(src, ks, end, guess);
        let col = guess;
        if (ke >= 0) i = ke;
        else {
          while (i < end) {
            const b = src[i]!;
            if (b === QUOTE) break;
            if (b === BACKSLASH || b < SP) throw new NotFastPath('escaped key');
            i++;
          }
          if (i >= end) throw new NotFastPath('malformed JSON');
          col = this.column(src, ks, i, guess);
        }
        i = skipWs(src, i + 1, end);
        if (i >= end || src[i] !== COLON) throw new NotFastPath('malformed JSON');
        i = skipWs(src, i + 1, end);
        if (i >= end) throw new NotFastPath('malformed JSON');
        const b = src[i]!;
        let k = MISSING;
        let vs = i;
        let ve = i;
        if (b === QUOTE) {
          ve = stringEnd(src, i, end);
          k = stringEscaped ? ESCAPED : STRING;
          vs = i + 1;
          i = ve + 1;
        } else if (b === MINUS || isDigit(b)) {
          k = NUMBER;
          ve = plainNumberEnd(src, i, end, col >= 0);
          i = ve;
        } else if (b === LOWER_T && same(src, i, end, TRUE_BYTES)) {
          k = TRUE;
          i += 4;
        } else if (b === LOWER_F && same(src, i, end, FALSE_BYTES)) {
          k = FALSE;
          i += 5;
        } else if (b === LOWER_N && same(src, i, end, NULL_BYTES)) {
          k = NULL;
          i += 4;
        } else if (col < 0 && (b === LBRACE || b === LBRACKET)) {
          // Not loaded, but PostgreSQL parses the whole line: checked all the same.
          i = skipNested(src, i, end, 1);
        } else throw new NotFastPath('nested or malformed value');
        if (col >= 0) {
          // jsonb keeps the last of duplicate keys; under 'auto ignorecase' which one wins depends on jsonb's key order.
          if (this.fold && kind[col] !== MISSING) throw new NotFastPath('duplicate key');
          kind[col] = k;
          this.valueStart[col] = vs;
          this.valueEnd[col] = ve;
          guess = col + 1 === n ? 0 : col + 1;
        }
        i = skipWs(src, i, end);
        if (i >= end) throw new NotFastPath('malformed JSON');
        if (src[i] === COMMA) {
          i = skipWs(src, i + 1, end);
          continue;
        }
        if (src[i] === RBRACE) {
          i++;
          break;
        }
        throw new NotFastPath('malformed JSON');
      }
    }
    if (skipWs(src, i, end) !== end) throw new NotFastPath('text after the JSON object');
    this.write(src, 2 * (end - start) + 6 * n + 2);
  }

  /** Writes the row of the values just read; `bound` is the most bytes it can take. */
  private write(src: Buffer, bound: number): void {
    if (this.pos + bound > this.out.length) this.finishBuffer(bound);
    const out = this.out;
    const kind = this.kind;
    const n = kind.length;
    let pos = this.pos;
    for (let c = 0; c < n; c++) {
      if (c > 0) out[pos++] = TAB;
      const k = kind[c]!;
      const vs = this.valueStart[c]!;
      const ve = this.valueEnd[c]!;
      const limit = this.byteLimit[c]!;
      const str = this.stringColumn[c] === 1;
      let isNull = k === MISSING || k === NULL;
      if (k === STRING) {
        const len = ve - vs;
        if (str && ((this.emptyAsNull && len === 0) || (this.blanksAsNull && allSpaces(src, vs, ve)))) isNull = true;
        else {
          if (limit >= 0 && len > limit) throw new NotFastPath('value longer than its column');
          if (len > 32) {
            src.copy(out, pos, vs, ve);
            pos += len;
          } else for (let j = vs; j < ve; j++) out[pos++] = src[j]!;
        }
      } else if (k === ESCAPED) {
        const at = pos;
        pos = unescape(src, vs, ve, out, pos);
        if (str && this.blanksAsNull && decodedBlank) {
          pos = at;
          isNull = true;
        } else if (limit >= 0 && decodedBytes > limit) throw new NotFastPath('value longer than its column');
      } else if (k === NUMBER) {
        if (limit >= 0 && ve - vs > limit) throw new NotFastPath('value longer than its column');
        for (let j = vs; j < ve; j++) out[pos++] = src[j]!;
      } else if (k === TRUE || k === FALSE) {
        const word = k === TRUE ? TRUE_BYTES : FALSE_BYTES;
        if (limit >= 0 && word.length > limit) throw new NotFastPath('value longer than its column');
        for (let j = 0; j < word.length; j++) out[pos++] = word[j]!;
      }
      if (isNull) {
        if (this.notNull[c] === 1) throw new NotFastPath('NULL for a NOT NULL column');
        out[pos++] = BACKSLASH;
        out[pos++] = 0x4e; // N
      }
    }
    out[pos++] = LF;
    this.pos = pos;
    this.rows++;
  }

  /** The end of the key starting at ks when it is exactly column c's name (written without escapes), else -1. */
  private keyIsColumn(src: Buffer, ks: number, end: number, c: number): number {
    if (this.fold || this.plainName[c] !== 1) return -1;
    const name = this.names[c]!;
    const ke = ks + name.length;
    if (ke >= end || src[ke] !== QUOTE) return -1;
    for (let j = 0, k = ks; k < ke; j++, k++) if (src[k] !== name[j]) return -1;
    return ke;
  }

  /** The column a key names (-1: none). */
  private column(src: Buffer, ks: number, ke: number, guess: number): number {
    const names = this.names;
    const n = names.length;
    const len = ke - ks;
    if (this.fold) {
      // PostgreSQL's lower() may fold other characters onto ASCII ones: leave those keys to it.
      for (let j = ks; j < ke; j++) if (src[j]! >= 0x80) throw new NotFastPath('non-ASCII key with ignorecase');
    }
    for (let t = 0; t < n; t++) {
      const c = guess + t < n ? guess + t : guess + t - n;
      const name = names[c]!;
      if (name.length !== len) continue;
      let j = 0;
      if (this.fold) {
        for (; j < len; j++) {
          let b = src[ks + j]!;
          if (b >= A_UPPER && b <= Z_UPPER) b += 32;
          if (b !== name[j]) break;
        }
      } else for (; j < len && src[ks + j] === name[j]; j++);
      if (j === len) return c;
    }
    return -1;
  }
}

/** Decoded byte count and blankness of the last unescape(). */
let decodedBytes = 0;
let decodedBlank = true;

/** Writes a JSON string body with escapes (already validated) as a COPY text value. */
function unescape(src: Buffer, s: number, e: number, out: Buffer, pos: number): number {
  let bytes = 0;
  let blank = true;
  for (let j = s; j < e; ) {
    const c = src[j]!;
    if (c !== BACKSLASH) {
      out[pos++] = c;
      bytes++;
      if (c !== SP) blank = false;
      j++;
      continue;
    }
    const x = src[j + 1]!;
    j += 2;
    if (x === LOWER_U) {
      const cp = hex4(src, j, e);
      j += 4;
      if (cp !== SP) blank = false;
      if (cp < 0x80) {
        bytes++;
        pos = copyTextByte(out, pos, cp);
      } else if (cp < 0x800) {
        bytes += 2;
        out[pos++] = 0xc0 | (cp >> 6);
        out[pos++] = 0x80 | (cp & 0x3f);
      } else {
        bytes += 3;
        out[pos++] = 0xe0 | (cp >> 12);
        out[pos++] = 0x80 | ((cp >> 6) & 0x3f);
        out[pos++] = 0x80 | (cp & 0x3f);
      }
      continue;
    }
    blank = false;
    bytes++;
    if (x === QUOTE || x === SLASH) out[pos++] = x;
    else if (x === BACKSLASH) {
      out[pos++] = BACKSLASH;
      out[pos++] = BACKSLASH;
    } else {
      // \b \f \n \r \t mean the same control characters in COPY text.
      out[pos++] = BACKSLASH;
      out[pos++] = x;
    }
  }
  decodedBytes = bytes;
  decodedBlank = blank;
  return pos;
}

/** One ASCII character as COPY text: backslash, tab, newline and carriage return escaped. */
function copyTextByte(out: Buffer, pos: number, b: number): number {
  if (b === BACKSLASH || b === TAB || b === LF || b === CR) {
    out[pos++] = BACKSLASH;
    out[pos++] = b === BACKSLASH ? BACKSLASH : b === TAB ? LOWER_T : b === LF ? LOWER_N : LOWER_R;
  } else out[pos++] = b;
  return pos;
}

/** Whether the last stringEnd() saw a backslash escape. */
let stringEscaped = false;

/**
 * The index of the closing quote of the JSON string opening at i. Escapes are checked; \u0000 and
 * surrogates (PostgreSQL refuses \u0000 and unpaired ones; pairs are rare) go to the exact path.
 */
function stringEnd(src: Buffer, i: number, end: number): number {
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
  stringEscaped = escaped;
  return j;
}

/** The end of the object or array opening at i (a value of a key no column takes), checked as JSON. */
function skipNested(src: Buffer, i: number, end: number, depth: number): number {
  if (depth > 64) throw new NotFastPath('deeply nested value');
  const object = src[i] === LBRACE;
  const close = object ? RBRACE : RBRACKET;
  i = skipWs(src, i + 1, end);
  if (i < end && src[i] === close) return i + 1;
  for (;;) {
    if (object) {
      if (i >= end || src[i] !== QUOTE) throw new NotFastPath('malformed JSON');
      i = skipWs(src, stringEnd(src, i, end) + 1, end);
      if (i >= end || src[i] !== COLON) throw new NotFastPath('malformed JSON');
      i = skipWs(src, i + 1, end);
    }
    if (i >= end) throw new NotFastPath('malformed JSON');
    const b = src[i]!;
    if (b === QUOTE) i = stringEnd(src, i, end) + 1;
    else if (b === LBRACE || b === LBRACKET) i = skipNested(src, i, end, depth + 1);
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

function skipWs(src: Buffer, i: number, end: number): number {
  while (i < end) {
    const b = src[i]!;
    if (b !== SP && b !== TAB && b !== CR && b !== LF) break;
    i++;
  }
  return i;
}

function same(src: Buffer, i: number, end: number, word: Buffer): boolean {
  if (i + word.length > end) return false;
  for (let j = 0; j < word.length; j++) if (src[i + j] !== word[j]) return false;
  return true;
}

function allSpaces(src: Buffer, s: number, e: number): boolean {
  for (let j = s; j < e; j++) if (src[j] !== SP) return false;
  return true;
}

/** The value of 4 hex digits at i, or -1. */
function hex4(src: Buffer, i: number, end: number): number {
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

function isDigit(b: number): boolean {
  return ((b - ZERO) >>> 0) <= 9;
}

/**
 * The end of a JSON number at i that PostgreSQL's numeric_out writes back unchanged: no exponent
 * (1e2 becomes 100; 1e999999 overflows numeric) and, for a `loaded` value, not a negative zero
 * (-0.0 becomes 0.0).
 */
function plainNumberEnd(src: Buffer, i: number, end: number, loaded = true): number {
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

/**
 * COPY text data for the target from the objects' NDJSON lines, in chunks of about 256 KiB. Counts
 * rows and (decompressed) bytes into `stats`, as the buffer path does.
 */
export async function* textRows(
  files: string[],
  open: (url: string) => Promise<Readable>,
  encoder: TextRowEncoder,
  stats: BufferStats,
): AsyncGenerator<Buffer> {
  const lines = (buf: Buffer, start: number, last: number) => {
    // Lines split at an ASCII newline: the whole run is valid UTF-8 exactly when every line is.
    if (!isUtf8(buf.subarray(start, last))) throw new NotFastPath('invalid UTF-8');
    for (let nl = buf.indexOf(LF, start); nl >= 0 && nl <= last; nl = buf.indexOf(LF, start)) {
      encoder.line(buf, start, nl);
      start = nl + 1;
    }
  };
  for (const url of files) {
    const stream = await open(url);
    try {
      /** The start of a line that continues in a later chunk. */
      const carry: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        stats.bytes += chunk.length;
        let start = 0;
        if (carry.length > 0) {
          const nl = chunk.indexOf(LF);
          if (nl < 0) {
            carry.push(chunk);
            continue;
          }
          carry.push(chunk.subarray(0, nl + 1));
          const line = Buffer.concat(carry);
          carry.length = 0;
          lines(line, 0, line.length - 1);
          start = nl + 1;
        }
        const last = chunk.lastIndexOf(LF);
        if (last >= start) {
          lines(chunk, start, last);
          start = last + 1;
        }
        // A copy: the short tail must not keep the whole chunk alive.
        if (start < chunk.length) carry.push(start === 0 ? chunk : Buffer.from(chunk.subarray(start)));
        const out = encoder.take();
        if (out) yield out;
      }
      if (carry.length > 0) {
        const line = Buffer.concat(carry);
        if (!isUtf8(line)) throw new NotFastPath('invalid UTF-8');
        encoder.line(line, 0, line.length);
      }
    } finally {
      stream.destroy();
    }
  }
  stats.rows = encoder.rows;
  const rest = encoder.take(0);
  if (rest) yield rest;
}
