// Values as PostgreSQL's COPY text format wants them, written from the bytes of a JSON line
// (text-row-encoder.ts): JSON string bodies with their escapes turned into COPY text escapes.
import { hex4 } from './json-byte-scanner.js';

// Byte values as module-local constants: imported from a shared module, they made the encoder's loops ~40% slower.
const BACKSLASH = 0x5c, CR = 0x0d, LF = 0x0a, LOWER_N = 0x6e, LOWER_R = 0x72, LOWER_T = 0x74, LOWER_U = 0x75;
const QUOTE = 0x22, SLASH = 0x2f, SP = 0x20, TAB = 0x09;

/** What unescape() wrote: where the output ends, the decoded value's byte count, and whether it is all spaces. */
export class UnescapedValue {
  end = 0;
  bytes = 0;
  blank = true;
}

/** Writes a JSON string body with escapes (already validated) at out[pos] as a COPY text value, recorded into `written` (returned). */
export function unescape(src: Buffer, s: number, e: number, out: Buffer, pos: number, written: UnescapedValue): UnescapedValue {
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
  written.end = pos;
  written.bytes = bytes;
  written.blank = blank;
  return written;
}

/** One ASCII character as COPY text: backslash, tab, newline and carriage return escaped. */
function copyTextByte(out: Buffer, pos: number, b: number): number {
  if (b === BACKSLASH || b === TAB || b === LF || b === CR) {
    out[pos++] = BACKSLASH;
    out[pos++] = b === BACKSLASH ? BACKSLASH : b === TAB ? LOWER_T : b === LF ? LOWER_N : LOWER_R;
  } else out[pos++] = b;
  return pos;
}

/** Whether src[s, e) is all ASCII spaces (true when empty). */
export function allSpaces(src: Buffer, s: number, e: number): boolean {
  for (let j = s; j < e; j++) if (src[j] !== SP) return false;
  return true;
}
