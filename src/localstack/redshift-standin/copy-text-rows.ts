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
//
// The pieces: the JSON byte scanner (json-byte-scanner.ts), COPY text values (copy-text-value.ts),
// the row encoder (text-row-encoder.ts) and the NDJSON line splitter (ndjson-text-rows.ts).
import type { CopyTarget } from './copy-target.js';

export { NotFastPath } from './not-fast-path.js';
export { TextRowEncoder } from './text-row-encoder.js';
export { textRows } from './ndjson-text-rows.js';

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
