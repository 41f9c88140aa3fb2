// One NDJSON line per row, keys = lower-case column names (COPY ... FORMAT AS JSON 'auto').
// The model drives the encoding: every VARCHAR is cut to its column's BYTE length on a UTF-8
// character boundary (Redshift counts bytes; spec §5), lone UTF-16 surrogates become U+FFFD so
// invalid UTF-8 never reaches COPY, and non-finite numbers are refused.
import type { ColumnDef } from '../model/columns.js';
import type { TableDef } from '../model/tables.js';

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

function encodeValue(name: string, c: ColumnDef): (v: unknown) => string {
  switch (c.kind) {
    case 'int8':
    case 'int4':
    case 'decimal':
      return (v) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${name}: not a finite number: ${String(v)}`);
        return String(v);
      };
    case 'boolean':
      return (v) => (v ? 'true' : 'false');
    case 'timestamp':
    case 'date':
      return (v) => JSON.stringify(String(v));
    case 'varchar': {
      const max = c.length ?? 65535;
      return (v) => JSON.stringify(truncateUtf8(String(v).toWellFormed(), max));
    }
  }
}

/** Builds the encoder of one table (or of any column subset, e.g. a delete stage's key). */
export function rowEncoder(columns: Readonly<Record<string, ColumnDef>>): RowEncoder {
  const parts = Object.entries(columns).map(([name, c], i) => ({
    name,
    prefix: `${i === 0 ? '{' : ','}${JSON.stringify(name)}:`,
    encode: encodeValue(name, c),
  }));
  return (row) => {
    let line = '';
    for (const p of parts) {
      const v = row[p.name];
      line += p.prefix + (v === null || v === undefined ? 'null' : p.encode(v));
    }
    return line + '}\n';
  };
}

/** Columns of a delete stage: the table's key columns. */
export function keyColumns(t: TableDef, key: readonly string[]): Record<string, ColumnDef> {
  return Object.fromEntries(key.map((k) => [k, t.columns[k]!]));
}
