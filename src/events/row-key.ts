// The identity of a row by its key columns, compared by value: what makes two puts "the same key"
// for latest-wins (docs/design.md#latest-wins) and two append rows the same for a dedupKey.
import type { Row } from './row-layout.js';

/** The key of a row compared by value: the JSON of its key column (or of the list of its key columns). */
export function keyString(table: string, columns: readonly string[], row: Row): string {
  // JSON.stringify(value) or JSON.stringify(columns.map(value)), written out: a finite number's
  // JSON is its String() (keys are mostly ids), anything else goes through JSON.stringify.
  if (columns.length === 1) return keyPart(table, columns[0]!, row);
  let out = '[';
  for (let i = 0; i < columns.length; i++) out += (i === 0 ? '' : ',') + keyPart(table, columns[i]!, row);
  return out + ']';
}

function keyPart(table: string, c: string, row: Row): string {
  const v = row[c];
  if (v === undefined || v === null) throw new Error(`combine: ${table} row lacks key column ${c}`);
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : JSON.stringify(v);
}

/** The key columns of a row only: what a delete is staged as (docs/schema.md#key-ops). */
export function pick(columns: readonly string[], row: Row): Row {
  return Object.fromEntries(columns.map((c) => [c, row[c]]));
}
