// JSON text for a jsonb column of the control schema. PostgreSQL's jsonb refuses the `\u0000`
// escape (a NUL), which an outbox whose datajson column is `json` can hold: rsetl refuses to load
// such an event (events/refused-chars.ts), and the dead letter must still be able to keep it.

/**
 * `JSON.stringify(value ?? null)`, with each NUL of a string or key written as the six characters
 * `\u0000` so jsonb accepts it and a person reading the dead letter sees where it was.
 */
export function jsonbText(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  if (!text.includes('\\u0000')) return text;
  // JSON.stringify writes a NUL as \u0000 and a backslash as \\: a NUL is a \u0000 preceded by an
  // even number of backslashes. It becomes \\u0000, an escaped backslash and `u0000`.
  return text.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\\\u0000');
}
