// PostgreSQL `timestamp without time zone` values as microseconds since the epoch (UTC).
// The outbox's `time` column holds UTC wall-clock times; rsetl reads them as text (never as a JS
// Date, which would apply the host's time zone) and does window arithmetic on integers. 2^53 µs is
// year 2255, so a JS number is exact.

import { digitsAt, formatTimestamp } from '../sql/timestamp.js';

const PG_TS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

export function parsePgTimestamp(text: string): number {
  // Every outbox row's time goes through here (the watermark): the usual form is read digit by
  // digit, with the same arithmetic as below; anything else takes the regex.
  const fast = plainTimestampMicros(text);
  if (fast === fast) return fast; // not NaN
  const m = PG_TS.exec(text);
  if (!m) throw new Error(`not a timestamp: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac = ''] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return ms * 1000 + Number(frac.padEnd(6, '0'));
}

/** parsePgTimestamp of `YYYY-MM-DD HH:MM:SS[.f…f]` (PostgreSQL's output form), else NaN. */
function plainTimestampMicros(t: string): number {
  const n = t.length;
  if (n !== 19 && (n < 21 || n > 26)) return NaN;
  if (t.charCodeAt(4) !== 0x2d || t.charCodeAt(7) !== 0x2d || t.charCodeAt(13) !== 0x3a || t.charCodeAt(16) !== 0x3a) return NaN;
  const sep = t.charCodeAt(10);
  if (sep !== 0x20 && sep !== 0x54) return NaN;
  let frac = 0;
  if (n > 19) {
    if (t.charCodeAt(19) !== 0x2e) return NaN;
    frac = digitsAt(t, 20, n);
    for (let i = n; i < 26; i++) frac *= 10; // padEnd(6, '0')
  }
  const ms = Date.UTC(digitsAt(t, 0, 4), digitsAt(t, 5, 7) - 1, digitsAt(t, 8, 10), digitsAt(t, 11, 13), digitsAt(t, 14, 16), digitsAt(t, 17, 19));
  return ms * 1000 + frac;
}

export function formatPgTimestamp(micros: number): string {
  const frac = String(micros % 1_000_000).padStart(6, '0');
  return `${formatTimestamp(Math.floor(micros / 1000)).slice(0, 19)}.${frac}`;
}

export const MICROS_PER_SECOND = 1_000_000;
