// What a load keeps per keyed table, one kind per write rule (docs/schema.md#write-rules): at most
// one row per key, chosen so that the warehouse applying the rows (and deletes) equals applying
// the load's events one by one (docs/design.md#latest-wins). Rows are kept packed (row-layout.ts).
import type { TableDef } from '../model/tables.js';
import { KEEP_WINDOW, packWaiting, type Kept, type Layout, type Row } from './row-layout.js';
import { keyString, pick } from './row-key.js';
import { firstInstructorReply, qnaThread, type Merge } from './special-merges.js';

/** The state kept for one keyed table. */
export interface TableState {
  put(row: Row, seq: number, eventId: string | undefined): void;
  delete(key: Row): void;
  /** The kept rows to put, in first-put order of their keys. */
  puts(): Iterable<Kept>;
  countPuts(): number;
  deletes(): Row[];
}

export function tableState(t: TableDef, layout: Layout): TableState {
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

/** A key deleted by the load (key columns only). */
class Deleted {
  constructor(readonly key: Row) {}
}

/**
 * A table with one entry per key: `merge(previous put or undefined, values of the put)` decides
 * the row a put leaves (the values are the combiner's own: a merge may change them); a delete
 * replaces it, and a later put replaces the delete: deletes and puts cancel by order (sections,
 * enrollments; their deletes never share a key with their puts in the result).
 */
function keyed(
  table: string,
  key: readonly string[],
  layout: Layout,
  merge: Merge,
  /**
   * `merge` returns values unpacked; they are packed (layout.keep) once KEEP_WINDOW more puts have
   * come, so that a key put again meanwhile is never packed in vain (row-layout.ts, KEEP_WINDOW).
   */
  deferred = false,
): TableState {
  const entries = new Map<string, Kept | Deleted>();
  const waiting: string[] = [];
  return {
    put(row, _seq, eventId) {
      const k = keyString(table, key, row);
      const prev = entries.get(k);
      const before = prev instanceof Deleted ? undefined : prev;
      const next = merge(before, layout.values(row, eventId));
      entries.set(k, next);
      if (deferred && next !== before && Array.isArray(next)) {
        waiting.push(k);
        if (waiting.length >= KEEP_WINDOW) packWaiting(entries, waiting, layout);
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
