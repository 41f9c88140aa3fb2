// Combining the row operations of one load (possibly many coalesced windows) so that the result
// equals applying the events one by one, in order (docs/design.md#latest-wins: the latest event wins for state
// tables; special merges are applied in event order). That is what makes one window and fifty
// windows over the same events give identical tables.
//
// Append tables stream straight through `onAppend` (never buffered); keyed tables are kept, one
// entry per distinct key, so memory is bounded by the number of distinct keys of the load.
//
// What the warehouse does with the result, per table in TABLES order (docs/schema.md#load-order), and
// why that equals sequential application:
// - `puts` go through the table's write rule; a key a load both deletes and puts appears in
//   `deletes` too only for grades, whose deletes run BEFORE their upsert (a grade unset and put
//   again must be inserted afresh, with its new assetid, as two loads would have done);
// - `deletes` of sections and enrollments run after their merge and never share a key with it;
// - `obfuscations` run right after the usr merge (the reference's order), and the merged rows of
//   those ids are already obfuscated, so the order inside the load does not matter;
// - `snapshotDays` are generated after the load commits.
//
// Memory: a load of 250,000 events keeps some 100,000 keyed rows until its end, so each is kept
// as one string, the JSON array of its column values in the table's column order, not as the
// object the transform made: 36 MB for the bench's 250,000 events, against 48 MB as objects built
// as literals and 75 MB as objects built with spreads (V8 gives every `{ ...a, b }` a hidden class
// of its own). An object is also six or more heap objects that each full garbage collection of the
// load walks again; a string is one, never scanned. Rows become objects again only while the
// result is iterated, one at a time. (The last few hundred puts of a merged table wait as arrays
// before they are packed: a key put again meanwhile is never packed in vain; see keyed.)
import { TABLES, tableByName, type TableDef, type TableName } from '../model/tables.js';
import { EVENT_OF } from './event-origin.js';
import type { RowOp } from './handler.js';

type Row = Record<string, unknown>;

/** A keyed table's combined rows: counted up front, each row built when the iteration reaches it. */
export interface CombinedTableRows extends Iterable<object> {
  readonly length: number;
}

export interface CombinedRows {
  /**
   * Rows to write per keyed table, tables in TABLES order (only tables with rows). Each row is a
   * fresh object carrying its event (events/event-origin.ts), made as the table's rows are iterated.
   */
  puts: Map<TableName, CombinedTableRows>;
  /** Keys (key columns only) to delete per deletable table, in TABLES order (only tables with deletes). */
  deletes: Map<TableName, object[]>;
  /**
   * usr ids whose latest usr op in the load is an obfuscation (a later put cancels it), in the
   * order of that obfuscation. Any `puts` row of such an id already has its personal columns null.
   */
  obfuscations: Array<{ id: number }>;
  /** Days (`YYYY-MM-DD`) whose instructor snapshot the load's events requested, first request first, once each. */
  snapshotDays: string[];
}

export interface Combiner {
  /** The ops of one event; `seq` is the event's position in the load and never decreases. */
  /**
   * `eventId`: the event the ops' rows come from, kept with each row (a row tagged with tagRow
   * carries its own; given here, the rows need no tag).
   */
  add(ops: RowOp[], seq: number, eventId?: string): void;
  /** The combined load; read it after the last `add` (its rows are read from the combiner's state). */
  result(): CombinedRows;
}

/** A row's values: its table's columns in column order, then the id of its event (or null). */
type Values = unknown[];

/**
 * A kept row: the JSON text of its values, or the values themselves when JSON would not give them
 * back exactly (undefined, a number that is not finite, anything but a string, number, boolean or null).
 */
type Kept = string | Values;

/** How one table's rows are packed and unpacked. */
interface Layout {
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

function layoutOf(t: TableDef): Layout {
  const columns = Object.keys(t.columns);
  const n = columns.length;
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
 * Puts of a table whose values wait unpacked at most (see keyed). Short on purpose: values that
 * wait longer outlive young-generation collections and are copied to the old generation, only to
 * be dropped there (a window of 4,096 cost more in garbage collection than it saved in packing).
 */
const KEEP_WINDOW = 256;

/** A key deleted by the load (key columns only). */
class Deleted {
  constructor(readonly key: Row) {}
}

/** The state kept for one keyed table. */
interface TableState {
  put(row: Row, seq: number, eventId: string | undefined): void;
  delete(key: Row): void;
  /** The kept rows to put, in first-put order of their keys. */
  puts(): Iterable<Kept>;
  countPuts(): number;
  deletes(): Row[];
}

export function createCombiner(opts: {
  /** An append row, with the event id given to `add` (undefined when none was: the row may carry a tag). */
  onAppend(table: TableName, row: object, eventId: string | undefined): void;
}): Combiner {
  const states = new Map<TableName, { state: TableState; layout: Layout }>();
  const seen = new Map<TableName, Set<string>>(); // append tables with a dedupKey
  const obfuscated = new Set<number>(); // usr ids whose latest usr op is an obfuscation
  const snapshotDays = new Set<string>();
  let lastSeq = -Infinity;

  function stateOf(t: TableDef): TableState {
    const name = t.name as TableName;
    let s = states.get(name);
    if (!s) {
      const layout = layoutOf(t);
      s = { state: newState(t, layout), layout };
      states.set(name, s);
    }
    return s.state;
  }

  return {
    add(ops, seq, eventId) {
      if (seq < lastSeq) throw new Error(`combine: event sequence went backwards (${seq} after ${lastSeq})`);
      lastSeq = seq;
      for (const op of ops) {
        if (op.op === 'obfuscate') {
          if ((op.table as string) !== 'usr') throw new Error(`combine: table ${op.table as string} cannot be obfuscated`);
          obfuscated.delete(op.key.id); // re-inserted: the order is that of the latest obfuscation
          obfuscated.add(op.key.id);
          continue;
        }
        if (op.op === 'generate') {
          if ((op.table as string) !== 'instructorsnapshotday') throw new Error(`combine: table ${op.table as string} is not generated`);
          snapshotDays.add(op.key.date);
          continue;
        }
        const name: TableName = op.table;
        const t: TableDef = tableByName(name);
        if (op.op === 'delete') {
          if (!t.deletable) throw new Error(`combine: table ${t.name} does not accept deletes`);
          stateOf(t).delete(op.key as Row);
          continue;
        }
        const row = op.row as Row;
        if (t.rule.kind === 'append') {
          const dedup = t.rule.dedupKey;
          if (dedup) {
            let keys = seen.get(name);
            if (!keys) seen.set(name, (keys = new Set()));
            const seenBefore = keys.size;
            keys.add(keyString(name, dedup, row));
            if (keys.size === seenBefore) continue; // already there
          }
          opts.onAppend(name, row, eventId);
          continue;
        }
        if (name === 'usr') obfuscated.delete(row.id as number);
        stateOf(t).put(row, seq, eventId);
      }
    },
    result() {
      const puts = new Map<TableName, CombinedTableRows>();
      const deletes = new Map<TableName, object[]>();
      for (const t of TABLES) {
        const s = states.get(t.name);
        if (!s) continue;
        const { state, layout } = s;
        const count = state.countPuts();
        let unpack = (k: Kept): object => layout.unpack(k);
        if (t.name === 'usr' && obfuscated.size > 0) {
          unpack = (k) => {
            const row = layout.unpack(k);
            return obfuscated.has(row.id as number) ? obfuscatedUser(layout, row) : row;
          };
        }
        if (count > 0) puts.set(t.name, rowsOf(count, () => state.puts(), unpack));
        const d = state.deletes();
        if (d.length > 0) deletes.set(t.name, d);
      }
      return { puts, deletes, obfuscations: [...obfuscated].map((id) => ({ id })), snapshotDays: [...snapshotDays] };
    },
  };
}

function rowsOf(length: number, kept: () => Iterable<Kept>, unpack: (k: Kept) => object): CombinedTableRows {
  return {
    length,
    *[Symbol.iterator]() {
      for (const k of kept()) yield unpack(k);
    },
  };
}

function newState(t: TableDef, layout: Layout): TableState {
  const rule = t.rule;
  switch (rule.kind) {
    // Both keep a put's values as they are, packed later (keyed's `deferred`).
    case 'insertNew':
      return keyed(t.name, rule.key, layout, (prev, row) => prev ?? row, true);
    case 'merge':
      return keyed(t.name, rule.key, layout, (_prev, row) => row, true);
    case 'gradeUpsert':
      return gradeUpsert(t.name, rule.key, layout);
    case 'firstInstructorReply':
      return keyed(t.name, rule.key, layout, firstInstructorReply(layout));
    case 'qnaThread':
      return keyed(t.name, rule.key, layout, qnaThread(layout));
    case 'setReplace':
      return setReplace(t.name, rule.key, rule.group, layout);
    case 'append':
    case 'generated':
      throw new Error(`combine: table ${t.name} (${rule.kind}) keeps no state`);
  }
}

/**
 * A table with one entry per key: `merge(previous put or undefined, values of the put)` decides
 * the row a put leaves (the values are the combiner's own: a merge may change them); a delete
 * replaces it.
 */
function keyed(
  table: string,
  key: readonly string[],
  layout: Layout,
  merge: (prev: Kept | undefined, row: Values) => Kept,
  /**
   * `merge` returns values unpacked; they are packed (layout.keep) once KEEP_WINDOW more puts have
   * come. The same key is often put again soon (a learner's user row with each of their events,
   * the progress of a lesson's ancestors with each progress event): packing every put made JSON
   * that the next put of the key threw away (in the bench's stream a tenth of the keyed puts
   * come again within 256 puts). At most KEEP_WINDOW rows per table wait unpacked; a row still
   * unpacked at the end is read as it is (unpack takes both forms).
   */
  deferred = false,
): TableState {
  const entries = new Map<string, Kept | Deleted>();
  const pending: string[] = [];
  const settle = () => {
    for (const k of pending) {
      const e = entries.get(k);
      if (Array.isArray(e)) entries.set(k, layout.keep(e));
    }
    pending.length = 0;
  };
  return {
    put(row, _seq, eventId) {
      const k = keyString(table, key, row);
      const prev = entries.get(k);
      const before = prev instanceof Deleted ? undefined : prev;
      const next = merge(before, layout.values(row, eventId));
      entries.set(k, next);
      if (deferred && next !== before && Array.isArray(next)) {
        pending.push(k);
        if (pending.length >= KEEP_WINDOW) settle();
      }
    },
    delete(keyRow) {
      entries.set(keyString(table, key, keyRow), new Deleted(pick(key, keyRow)));
    },
    *puts() {
      for (const e of entries.values()) if (!(e instanceof Deleted)) yield e;
    },
    countPuts() {
      let n = 0;
      for (const e of entries.values()) if (!(e instanceof Deleted)) n++;
      return n;
    },
    deletes: () => [...entries.values()].flatMap((e) => (e instanceof Deleted ? [e.key] : [])),
  };
}

/**
 * grade: the latest values, but the assetid of the earliest put since the last delete (the
 * reference never updates `assetid` of an existing grade). A key deleted in the load is returned as
 * a delete even when a later put follows: the warehouse applies grade deletes before the upsert, so
 * a grade unset and put again is inserted with its new assetid, as sequential loads would do.
 */
function gradeUpsert(table: string, key: readonly string[], layout: Layout): TableState {
  const assetid = layout.at('assetid');
  const entries = new Map<string, { deleted: Row | null; put: Kept | null }>();
  return {
    put(row, _seq, eventId) {
      const k = keyString(table, key, row);
      const e = entries.get(k) ?? { deleted: null, put: null };
      const v = layout.values(row, eventId);
      if (e.put) v[assetid] = layout.valuesOf(e.put)[assetid];
      e.put = layout.keep(v);
      entries.set(k, e);
    },
    delete(keyRow) {
      entries.set(keyString(table, key, keyRow), { deleted: pick(key, keyRow), put: null });
    },
    *puts() {
      for (const e of entries.values()) if (e.put) yield e.put;
    },
    countPuts() {
      let n = 0;
      for (const e of entries.values()) if (e.put) n++;
      return n;
    },
    deletes: () => [...entries.values()].flatMap((e) => (e.deleted ? [e.deleted] : [])),
  };
}

/** A usr row with every personal column (all but `id`) null, as RsUserDao.obfuscate leaves it. */
function obfuscatedUser(layout: Layout, row: Row): Row {
  return Object.fromEntries(layout.columns.map((c) => [c, c === 'id' ? row[c] : null]));
}

const REPLY = ['instructorreplyuserid', 'instructorreplytime', 'instructorreplyhourlag'] as const;

const absent = (v: unknown) => v === null || v === undefined;

/** discussionpost: the first row stays; its reply columns are filled from a later put only while all three are null. */
function firstInstructorReply(layout: Layout): (kept: Kept | undefined, later: Values) => Kept {
  const reply = REPLY.map((c) => layout.at(c));
  return (kept, later) => {
    if (kept === undefined) return layout.keep(later);
    const first = layout.valuesOf(kept);
    if (!reply.every((i) => absent(first[i]))) return kept;
    for (const i of reply) first[i] = later[i] ?? null;
    return layout.keep(first);
  };
}

/** qnathread: the first row; each reply field keeps its first non-null value; studentclosed is sticky; categories are the latest. */
function qnaThread(layout: Layout): (kept: Kept | undefined, later: Values) => Kept {
  const reply = REPLY.map((c) => layout.at(c));
  const [closed, category, subcategory] = [layout.at('studentclosed'), layout.at('category'), layout.at('subcategory')];
  return (kept, later) => {
    if (kept === undefined) return layout.keep(later);
    const first = layout.valuesOf(kept);
    for (const i of reply) first[i] = first[i] ?? later[i] ?? null;
    first[closed] = first[closed] === true || later[closed] === true;
    first[category] = later[category] ?? null;
    first[subcategory] = later[subcategory] ?? null;
    return layout.keep(first);
  };
}

/**
 * sectioncontent: the rows of the latest event touching a group (a section) replace every earlier
 * event's rows for it; the rows of one event accumulate, a repeated key within it: last wins.
 */
function setReplace(table: string, key: readonly string[], group: readonly string[], layout: Layout): TableState {
  const groups = new Map<string, { seq: number; rows: Map<string, Kept> }>();
  return {
    put(row, seq, eventId) {
      const g = keyString(table, group, row);
      let current = groups.get(g);
      if (!current || current.seq !== seq) groups.set(g, (current = { seq, rows: new Map() }));
      current.rows.set(keyString(table, key, row), layout.keep(layout.values(row, eventId)));
    },
    delete() {
      throw new Error(`combine: table ${table} does not accept deletes`);
    },
    *puts() {
      for (const g of groups.values()) yield* g.rows.values();
    },
    countPuts() {
      let n = 0;
      for (const g of groups.values()) n += g.rows.size;
      return n;
    },
    deletes: () => [],
  };
}

/** The key of a row compared by value: the JSON of its key column (or of the list of its key columns). */
function keyString(table: string, columns: readonly string[], row: Row): string {
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

function pick(columns: readonly string[], row: Row): Row {
  return Object.fromEntries(columns.map((c) => [c, row[c]]));
}
