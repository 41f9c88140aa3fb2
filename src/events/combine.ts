// Combining the row operations of one load (possibly many coalesced windows) so that the result
// equals applying the events one by one, in order (docs/design.md#latest-wins: the latest event wins for state
// tables; special merges are applied in event order). That is what makes one window and fifty
// windows over the same events give identical tables.
//
// Append tables stream straight through `onAppend` (never buffered); keyed tables are kept, one
// entry per distinct key (keyed-tables.ts, packed as row-layout.ts describes), so memory is
// bounded by the number of distinct keys of the load.
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
import { TABLES, tableByName, type TableDef, type TableName } from '../model/tables.js';
import type { RowOp } from './handler.js';
import { tableState, type TableState } from './keyed-tables.js';
import { keyString } from './row-key.js';
import { layoutOf, type Kept, type Layout, type Row } from './row-layout.js';

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
      s = { state: tableState(t, layout), layout };
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

/** A usr row with every personal column (all but `id`) null, as RsUserDao.obfuscate leaves it. */
function obfuscatedUser(layout: Layout, row: Row): Row {
  return Object.fromEntries(layout.columns.map((c) => [c, c === 'id' ? row[c] : null]));
}
