// How a load's keyed rows are held in memory until its end (docs/design.md#latest-wins, last
// paragraph): each row as one string, the JSON array of its column values in the table's column
// order, not as the object the transform made.
//
// Why: a load of 250,000 events keeps some 100,000 keyed rows until its end: 36 MB for the bench's
// 250,000 events as strings, against 48 MB as objects built as literals and 75 MB as objects built
// with spreads (V8 gives every `{ ...a, b }` a hidden class of its own). An object is also six or
// more heap objects that each full garbage collection of the load walks again; a string is one,
// never scanned. Rows become objects again only while the combined result is iterated, one at a
// time. Packing is CPU the load pays per put (docs/benchmark.md#cpu-profile), hence the generated
// conversions and the KEEP_WINDOW deferral below.
import type { TableDef } from '../model/tables.js';
import { EVENT_OF } from './event-origin.js';

export type Row = Record<string, unknown>;

/** A row's values: its table's columns in column order, then the id of its event (or null). */
export type Values = unknown[];

/**
 * A kept row: the JSON text of its values, or the values themselves when JSON would not give them
 * back exactly (undefined, a number that is not finite, anything but a string, number, boolean or null).
 */
export type Kept = string | Values;

/** How one table's rows are packed and unpacked. */
export interface Layout {
  readonly columns: readonly string[];
  /** Position of a column in a row's values (throws for a column the table does not have). */
  at(column: string): number;
  values(row: Row, eventId?: string): Values;
  keep(values: Values): Kept;
  /** The values of a kept row; the caller may change them (they are the combiner's own). */
  valuesOf(kept: Kept): Values;
  unpack(kept: Kept): Row;
}

const jsonExact = (v: unknown) =>
  v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

export function layoutOf(t: TableDef): Layout {
  const columns = Object.keys(t.columns);
  const index = new Map(columns.map((c, i) => [c, i]));
  const valuesOf = (kept: Kept): Values => (typeof kept === 'string' ? (JSON.parse(kept) as Values) : kept);
  const { values, row } = compiledLayout(columns);
  return {
    columns,
    at(column) {
      const i = index.get(column);
      if (i === undefined) throw new Error(`combine: table ${t.name} has no column ${column}`);
      return i;
    },
    values,
    keep(values) {
      for (let i = 0; i < values.length; i++) if (!jsonExact(values[i])) return values;
      return JSON.stringify(values);
    },
    valuesOf,
    unpack: (kept) => row(valuesOf(kept)),
  };
}

/**
 * A table's row ⇄ values conversions as generated code: an array literal of the columns read by
 * name, and an object literal of the values, the column names spelled out. Every keyed put and
 * every combined row goes through them; the loops they replace read `row[columns[i]]`, a property
 * whose name is only known at run time, which V8 cannot make fast. Column names come from the
 * model and enter the source only as JSON string literals.
 */
type CompiledLayout = { values: (row: Row, eventId?: string) => Values; row: (values: Values) => Row };
/** A cache only: the same column list always compiles to the same code, so each is compiled once per process. */
const compiledLayouts = new Map<string, CompiledLayout>();

function compiledLayout(columns: readonly string[]): CompiledLayout {
  const key = JSON.stringify(columns);
  let c = compiledLayouts.get(key);
  if (!c) {
    if (columns.includes('__proto__')) throw new Error('combine: a column named __proto__');
    const names = columns.map((col) => JSON.stringify(col));
    const n = columns.length;
    const values = new Function('EVENT_OF', `return function values(row, eventId) {\n  const e = eventId === undefined ? row[EVENT_OF] : eventId;\n  return [${names.map((k) => `row[${k}]`).join(', ')}, e === undefined || e === null ? null : e];\n};`)(EVENT_OF) as CompiledLayout['values'];
    // tagRow's symbol, set as tagRow does, after the columns.
    const row = new Function('EVENT_OF', `return function row(v) {\n  const r = { ${names.map((k, i) => `${k}: v[${i}]`).join(', ')} };\n  const e = v[${n}];\n  if (typeof e === 'string') r[EVENT_OF] = e;\n  return r;\n};`)(EVENT_OF) as (values: Values) => Row;
    compiledLayouts.set(key, (c = { values, row }));
  }
  return c;
}

/**
 * Puts of a table whose values may wait unpacked at most before packWaiting packs them. The same
 * key is often put again soon (a learner's user row with each of their events, the progress of a
 * lesson's ancestors with each progress event): packing every put made JSON that the next put of
 * the key threw away (in the bench's stream a tenth of the keyed puts come again within 256
 * puts). Short on purpose: values that wait longer outlive young-generation collections and are
 * copied to the old generation, only to be dropped there (a window of 4,096 cost more in garbage
 * collection than it saved in packing; docs/benchmark.md#cpu-profile).
 */
export const KEEP_WINDOW = 256;

/**
 * Packs the entries of `waiting` (keys of `entries`) still held as values, and empties `waiting`.
 * An entry that is not an array is already packed or is no row (a delete). A row still unpacked at
 * the end of the load is read as it is: unpack takes both forms.
 */
export function packWaiting<Other extends object>(entries: Map<string, Kept | Other>, waiting: string[], layout: Layout): void {
  for (const k of waiting) {
    const e = entries.get(k);
    if (Array.isArray(e)) entries.set(k, layout.keep(e));
  }
  waiting.length = 0;
}
