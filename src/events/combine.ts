// Combining the row operations of one load (possibly many coalesced windows) so that the result
// equals applying the events one by one, in order (spec §5: the latest event wins for state
// tables; special merges are applied in event order). That is what makes one window and fifty
// windows over the same events give identical tables.
//
// Append tables stream straight through `onAppend` (never buffered); keyed tables are kept, one
// entry per distinct key, so memory is bounded by the number of distinct keys of the load.
//
// What the warehouse does with the result, per table in TABLES order (seed-system.md §5), and
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

type Row = Record<string, unknown>;

export interface CombinedRows {
  /** Rows to write per keyed table, tables in TABLES order (only tables with rows). */
  puts: Map<TableName, object[]>;
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
  add(ops: RowOp[], seq: number): void;
  result(): CombinedRows;
}

type Entry = { kind: 'put'; row: Row } | { kind: 'delete'; key: Row };

/** The state kept for one keyed table. */
interface TableState {
  put(row: Row, seq: number): void;
  delete(key: Row): void;
  puts(): Row[];
  deletes(): Row[];
}

export function createCombiner(opts: { onAppend(table: TableName, row: object): void }): Combiner {
  const states = new Map<TableName, TableState>();
  const seen = new Map<TableName, Set<string>>(); // append tables with a dedupKey
  const obfuscated = new Set<number>(); // usr ids whose latest usr op is an obfuscation
  const snapshotDays = new Set<string>();
  let lastSeq = -Infinity;

  function stateOf(t: TableDef): TableState {
    const name = t.name as TableName;
    let s = states.get(name);
    if (!s) {
      s = newState(t);
      states.set(name, s);
    }
    return s;
  }

  return {
    add(ops, seq) {
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
            const k = keyString(name, dedup, row);
            if (keys.has(k)) continue;
            keys.add(k);
          }
          opts.onAppend(name, row);
          continue;
        }
        if (name === 'usr') obfuscated.delete(row.id as number);
        stateOf(t).put(row, seq);
      }
    },
    result() {
      const puts = new Map<TableName, object[]>();
      const deletes = new Map<TableName, object[]>();
      for (const t of TABLES) {
        const s = states.get(t.name);
        if (!s) continue;
        let p = s.puts();
        const d = s.deletes();
        if (t.name === 'usr' && obfuscated.size > 0) p = p.map((row) => (obfuscated.has(row.id as number) ? obfuscatedUser(row) : row));
        if (p.length > 0) puts.set(t.name, p);
        if (d.length > 0) deletes.set(t.name, d);
      }
      return { puts, deletes, obfuscations: [...obfuscated].map((id) => ({ id })), snapshotDays: [...snapshotDays] };
    },
  };
}

function newState(t: TableDef): TableState {
  const rule = t.rule;
  switch (rule.kind) {
    case 'insertNew':
      return keyed(t.name, rule.key, (prev, row) => (prev?.kind === 'put' ? prev.row : row));
    case 'merge':
      return keyed(t.name, rule.key, (_prev, row) => row);
    case 'gradeUpsert':
      return gradeUpsert(t.name, rule.key);
    case 'firstInstructorReply':
      return keyed(t.name, rule.key, (prev, row) => (prev?.kind === 'put' ? firstInstructorReply(prev.row, row) : row));
    case 'qnaThread':
      return keyed(t.name, rule.key, (prev, row) => (prev?.kind === 'put' ? qnaThread(prev.row, row) : row));
    case 'setReplace':
      return setReplace(t.name, rule.key, rule.group);
    case 'append':
    case 'generated':
      throw new Error(`combine: table ${t.name} (${rule.kind}) keeps no state`);
  }
}

/** A table with one entry per key: `merge(previous, row)` decides the row a put leaves; a delete replaces it. */
function keyed(table: string, key: readonly string[], merge: (prev: Entry | undefined, row: Row) => Row): TableState {
  const entries = new Map<string, Entry>();
  return {
    put(row) {
      const k = keyString(table, key, row);
      entries.set(k, { kind: 'put', row: merge(entries.get(k), row) });
    },
    delete(keyRow) {
      entries.set(keyString(table, key, keyRow), { kind: 'delete', key: pick(key, keyRow) });
    },
    puts: () => [...entries.values()].flatMap((e) => (e.kind === 'put' ? [e.row] : [])),
    deletes: () => [...entries.values()].flatMap((e) => (e.kind === 'delete' ? [e.key] : [])),
  };
}

/**
 * grade: the latest values, but the assetid of the earliest put since the last delete (the
 * reference never updates `assetid` of an existing grade). A key deleted in the load is returned as
 * a delete even when a later put follows: the warehouse applies grade deletes before the upsert, so
 * a grade unset and put again is inserted with its new assetid, as sequential loads would do.
 */
function gradeUpsert(table: string, key: readonly string[]): TableState {
  const entries = new Map<string, { deleted: Row | null; put: Row | null }>();
  return {
    put(row) {
      const k = keyString(table, key, row);
      const e = entries.get(k) ?? { deleted: null, put: null };
      e.put = e.put ? { ...row, assetid: e.put.assetid } : row;
      entries.set(k, e);
    },
    delete(keyRow) {
      entries.set(keyString(table, key, keyRow), { deleted: pick(key, keyRow), put: null });
    },
    puts: () => [...entries.values()].flatMap((e) => (e.put ? [e.put] : [])),
    deletes: () => [...entries.values()].flatMap((e) => (e.deleted ? [e.deleted] : [])),
  };
}

/** A usr row with every personal column (all but `id`) null, as RsUserDao.obfuscate leaves it. */
function obfuscatedUser(row: Row): Row {
  return Object.fromEntries(Object.keys(tableByName('usr').columns).map((c) => [c, c === 'id' ? row[c] : null]));
}

const REPLY = ['instructorreplyuserid', 'instructorreplytime', 'instructorreplyhourlag'] as const;

/** discussionpost: the first row stays; its reply columns are filled from a later put only while all three are null. */
function firstInstructorReply(first: Row, later: Row): Row {
  if (!REPLY.every((c) => first[c] === null || first[c] === undefined)) return first;
  return { ...first, ...Object.fromEntries(REPLY.map((c) => [c, later[c] ?? null])) };
}

/** qnathread: the first row; each reply field keeps its first non-null value; studentclosed is sticky; categories are the latest. */
function qnaThread(first: Row, later: Row): Row {
  const row: Row = { ...first };
  for (const c of REPLY) row[c] = first[c] ?? later[c] ?? null;
  row.studentclosed = first.studentclosed === true || later.studentclosed === true;
  row.category = later.category ?? null;
  row.subcategory = later.subcategory ?? null;
  return row;
}

/**
 * sectioncontent: the rows of the latest event touching a group (a section) replace every earlier
 * event's rows for it; the rows of one event accumulate, a repeated key within it: last wins.
 */
function setReplace(table: string, key: readonly string[], group: readonly string[]): TableState {
  const groups = new Map<string, { seq: number; rows: Map<string, Row> }>();
  return {
    put(row, seq) {
      const g = keyString(table, group, row);
      let current = groups.get(g);
      if (!current || current.seq !== seq) groups.set(g, (current = { seq, rows: new Map() }));
      current.rows.set(keyString(table, key, row), row);
    },
    delete() {
      throw new Error(`combine: table ${table} does not accept deletes`);
    },
    puts: () => [...groups.values()].flatMap((g) => [...g.rows.values()]),
    deletes: () => [],
  };
}

/** The key of a row compared by value: the JSON of its key columns. */
function keyString(table: string, columns: readonly string[], row: Row): string {
  return JSON.stringify(
    columns.map((c) => {
      const v = row[c];
      if (v === undefined || v === null) throw new Error(`combine: ${table} row lacks key column ${c}`);
      return v;
    }),
  );
}

function pick(columns: readonly string[], row: Row): Row {
  return Object.fromEntries(columns.map((c) => [c, row[c]]));
}
