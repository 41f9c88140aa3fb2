// One NDJSON line per row, keys = lower-case column names (COPY ... FORMAT AS JSON 'auto').
// The model drives the encoding: every VARCHAR is cut to its column's BYTE length on a UTF-8
// character boundary (Redshift counts bytes; docs/design.md#staging), lone UTF-16 surrogates become U+FFFD so
// invalid UTF-8 never reaches COPY, and non-finite numbers are refused.
//
// This runs once per staged row, so it is built for speed (bench/transform-micro.ts):
// - the encoder of a column set is generated code (one property read and one value expression per
//   column, the keys spelled out), not a loop of per-column closures over `row[name]`;
// - the line is one `[...].join('')`, a flat string: a line built with `+` is a tree of ~2
//   string pieces per column, which the sink keeps alive until its part is joined, and that tree
//   cost more to collect and flatten than encoding the row did;
// - a string that needs no JSON escape is quoted as is instead of going through JSON.stringify.
import type { ColumnDef } from '../model/columns.js';

export type RowEncoder = (row: Record<string, unknown>) => string;

/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  // Each UTF-16 code unit encodes to at most 3 bytes, so short strings need no measuring.
  if (s.length * 3 <= maxBytes) return s;
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  const buf = Buffer.from(s, 'utf8');
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

// What JSON.stringify escapes in a string (", \, U+0000–U+001F, lone surrogates), widened to every
// surrogate: a string without any of these is its own JSON body, `"` + s + `"`.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function encodeNumber(v: unknown, name: string): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${name}: not a finite number: ${String(v)}`);
  return String(v);
}

/** JSON.stringify(String(v)). */
function encodeText(v: unknown): string {
  const s = typeof v === 'string' ? v : String(v);
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** JSON.stringify(truncateUtf8(String(v).toWellFormed(), max)). */
function encodeVarchar(v: unknown, max: number): string {
  const s = typeof v === 'string' ? v : String(v);
  // No surrogate at all means well-formed already, and a prefix of an escape-free string is escape-free.
  if (NEEDS_ESCAPE.test(s)) return JSON.stringify(truncateUtf8(s.toWellFormed(), max));
  return `"${truncateUtf8(s, max)}"`;
}

/** The JavaScript expression that encodes `v` (known not null or undefined) for column `c`. */
function valueExpression(v: string, name: string, c: ColumnDef): string {
  switch (c.kind) {
    case 'int8':
    case 'int4':
    case 'decimal':
      return `encodeNumber(${v}, ${JSON.stringify(name)})`;
    case 'boolean':
      return `(${v} ? 'true' : 'false')`;
    case 'timestamp':
    case 'date':
      return `encodeText(${v})`;
    case 'varchar':
      return `encodeVarchar(${v}, ${c.length ?? 65535})`;
  }
}

// Encoders by their source: callers build one per table per load (or per staged file), and a
// column set's encoder is a pure function of it, so it is compiled, and warmed up by V8, once.
// The model has a few dozen column sets, so this stays small.
const compiled = new Map<string, RowEncoder>();

/**
 * Builds the encoder of one table (or of any column set, e.g. a table plus an op column). Column
 * names come from the model and enter the generated source only as JSON string literals.
 */
export function rowEncoder(columns: Readonly<Record<string, ColumnDef>>): RowEncoder {
  const cols = Object.entries(columns);
  const reads = cols.map(([name], i) => `const v${i} = row[${JSON.stringify(name)}];`);
  const pieces = cols.map(([name, c], i) => {
    const prefix = `${i === 0 ? '{' : ','}${JSON.stringify(name)}:`;
    return `${JSON.stringify(prefix)}, v${i} === null || v${i} === undefined ? 'null' : ${valueExpression(`v${i}`, name, c)}`;
  });
  const source = `return function encodeRow(row) {\n  ${reads.join('\n  ')}\n  return [${[...pieces, JSON.stringify('}\n')].join(',\n    ')}].join('');\n};`;
  let encoder = compiled.get(source);
  if (!encoder) {
    const make = new Function('encodeNumber', 'encodeText', 'encodeVarchar', source) as (
      n: typeof encodeNumber,
      t: typeof encodeText,
      s: typeof encodeVarchar,
    ) => RowEncoder;
    encoder = make(encodeNumber, encodeText, encodeVarchar);
    compiled.set(source, encoder);
  }
  return encoder;
}
