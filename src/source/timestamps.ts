// PostgreSQL `timestamp without time zone` values as microseconds since the epoch (UTC).
// The outbox's `time` column holds UTC wall-clock times; rsetl reads them as text (never as a JS
// Date, which would apply the host's time zone) and does window arithmetic on integers. 2^53 µs is
// year 2255, so a JS number is exact.

const PG_TS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

export function parsePgTimestamp(text: string): number {
  const m = PG_TS.exec(text);
  if (!m) throw new Error(`not a timestamp: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac = ''] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return ms * 1000 + Number(frac.padEnd(6, '0'));
}

export function formatPgTimestamp(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const frac = String(micros % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${frac}`;
}

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_MILLI = 1_000;
