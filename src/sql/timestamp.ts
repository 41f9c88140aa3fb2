// rsetl's one timestamp formatter: an instant as the text PostgreSQL and Redshift read for a
// TIMESTAMP (without time zone) column, in UTC. Part of the base layer (docs/design.md#layers).

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC: the form of every TIMESTAMP value staged for Redshift. */
export function formatTimestamp(ms: number): string {
  const t = new Date(ms);
  return (
    `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1, 2)}-${pad(t.getUTCDate(), 2)} ` +
    `${pad(t.getUTCHours(), 2)}:${pad(t.getUTCMinutes(), 2)}:${pad(t.getUTCSeconds(), 2)}.${pad(t.getUTCMilliseconds(), 3)}`
  );
}

/**
 * The decimal value of `s[from..to)`, or NaN unless every character is an ASCII digit: the
 * timestamp parsers read fixed-position fields with it, without a regex or a substring per field.
 */
export function digitsAt(s: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}
