// Encodes one NDJSON line at a time into a row of PostgreSQL's COPY text format for the target's
// columns (the fast path of COPY FROM S3, copy-text-rows.ts), reading the line's bytes with the
// JSON byte scanner and buffering the rows until they are taken.
import type { CopyFromS3 } from './copy-command.js';
import { isString, type CopyTarget } from './copy-target.js';
import { allSpaces, unescape, UnescapedValue } from './copy-text-value.js';
import { FALSE_BYTES, isDigit, JsonStringSpan, NULL_BYTES, plainNumberEnd, same, scanString, skipNested, skipWs, TRUE_BYTES } from './json-byte-scanner.js';
import { NotFastPath } from './not-fast-path.js';

// Byte values as module-local constants: imported from a shared module, they made the encoder's loops ~40% slower.
const A_UPPER = 0x41, BACKSLASH = 0x5c, COLON = 0x3a, COMMA = 0x2c, LBRACE = 0x7b, LBRACKET = 0x5b;
const LF = 0x0a, LOWER_F = 0x66, LOWER_N = 0x6e, LOWER_T = 0x74, MINUS = 0x2d, QUOTE = 0x22, RBRACE = 0x7d;
const SP = 0x20, TAB = 0x09, Z_UPPER = 0x5a;

/** What a line gave a column. */
const MISSING = 0, NULL = 1, STRING = 2, ESCAPED = 3, NUMBER = 4, TRUE = 5, FALSE = 6;

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
  /** The last JSON string scanned and the last escaped value written: scratch space of line() and write(). */
  private readonly span = new JsonStringSpan();
  private readonly unescaped = new UnescapedValue();
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
          const span = scanString(src, i, end, this.span);
          ve = span.close;
          k = span.escaped ? ESCAPED : STRING;
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
          i = skipNested(src, i, end, 1, this.span);
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
        const written = unescape(src, vs, ve, out, pos, this.unescaped);
        pos = written.end;
        if (str && this.blanksAsNull && written.blank) {
          pos = at;
          isNull = true;
        } else if (limit >= 0 && written.bytes > limit) throw new NotFastPath('value longer than its column');
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
