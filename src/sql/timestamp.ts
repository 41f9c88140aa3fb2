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
