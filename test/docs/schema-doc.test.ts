// docs/schema.md against the model it documents: the tables (load order, write rule kind, key,
// deletes, sort and distribution keys, and the event types that feed them), the views (order, kind,
// columns) and the handled and ignored event types must match src/model/tables.ts,
// src/model/views.ts and src/events/registry.ts exactly — nothing missing, nothing extra. A change
// to the model fails here until the document says the same.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HANDLERS_BY_TYPE, IGNORED_EVENT_TYPES } from '../../src/events/registry.js';
import { keyOf, TABLE_DEFS, type TableDef } from '../../src/model/tables.js';
import { VIEWS } from '../../src/model/views.js';
import { tableRowsAfter } from './markdown-table.js';

const DOC = 'docs/schema.md';
const markdown = readFileSync(fileURLToPath(new URL(`../../${DOC}`, import.meta.url)), 'utf8');

interface DocTable {
  header: string[];
  rows: string[][];
}

/** The first markdown table after the anchor `<a id="…"></a>`: its header cells and body rows. */
function tableAfter(anchor: string): DocTable {
  return tableRowsAfter(markdown, anchor, DOC);
}

/** The `code` spans of a cell, in order. */
const codes = (cell: string | undefined): string[] => [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** The cell of a row under a header name. */
function column(t: DocTable, name: string): (row: string[]) => string {
  const i = t.header.indexOf(name);
  if (i < 0) throw new Error(`${DOC}: a table lacks the column "${name}" (has ${t.header.join(', ')})`);
  return (row) => row[i] ?? '';
}

/** How the document writes a table's sort and distribution keys: `SORTKEY \`c\``, `DISTKEY \`c\``, or —. */
function sortDist(t: TableDef): string {
  const parts = [...(t.sortKey ? [`SORTKEY \`${t.sortKey}\``] : []), ...(t.distKey ? [`DISTKEY \`${t.distKey}\``] : [])];
  return parts.length ? parts.join(', ') : '—';
}

describe(`${DOC}, section "Tables"`, () => {
  const doc = tableAfter('tables');
  const name = column(doc, 'table');
  const byName = new Map(doc.rows.map((r) => [codes(name(r))[0] ?? name(r), r]));

  it('lists every table of the model, in load order, and no other', () => {
    expect(doc.rows.map((r) => codes(name(r))[0] ?? `(no table name in "${name(r)}")`)).toEqual(TABLE_DEFS.map((t) => t.name));
  });

  it.each(TABLE_DEFS.map((t) => [t.name, t] as const))('%s: write rule kind, key, deletes and sort/dist keys as declared', (table, t) => {
    const row = byName.get(table);
    expect(row, `${DOC} has no row for table ${table}`).toBeDefined();
    const rule = codes(column(doc, 'rule')(row!));
    expect(rule[0], `rule kind of ${table}`).toBe(t.rule.kind);
    // setReplace names its group ("`setReplace` per `sectionid`"); other rules name nothing more.
    expect(rule.slice(1), `rule of ${table}: only setReplace names a group`).toEqual(t.rule.kind === 'setReplace' ? [...t.rule.group] : []);
    const keyCell = column(doc, 'key')(row!);
    const key = keyOf(t) ?? [];
    expect(codes(keyCell), `key of ${table}`).toEqual([...key]);
    if (key.length === 0) expect(keyCell, `key of ${table}: none, written —`).toBe('—');
    expect(column(doc, 'deletes')(row!), `deletes of ${table}`).toBe(t.deletable ? 'yes' : 'no');
    expect(column(doc, 'sort / dist')(row!), `sort / dist of ${table}`).toBe(sortDist(t));
  });

  it('names as feeding events exactly the handled event types', () => {
    const named = new Set(doc.rows.flatMap((r) => codes(column(doc, 'fed by')(r)).filter((c) => /^[A-Z]\w*Event\d*$/.test(c))));
    expect([...named].sort()).toEqual([...HANDLERS_BY_TYPE.keys()].sort());
  });
});

describe(`${DOC}, section "Views"`, () => {
  const doc = tableAfter('views');
  const name = column(doc, 'view');

  it('lists every view of the model, in creation order, and no other', () => {
    expect(doc.rows.map((r) => codes(name(r))[0] ?? `(no view name in "${name(r)}")`)).toEqual(VIEWS.map((v) => v.name));
  });

  it.each(VIEWS.map((v) => [v.name, v] as const))('%s: kind and output columns as declared', (view, v) => {
    const row = doc.rows.find((r) => codes(name(r))[0] === view);
    expect(row, `${DOC} has no row for view ${view}`).toBeDefined();
    expect(column(doc, 'kind')(row!), `kind of ${view}`).toBe(v.materialized ? 'materialized' : 'view');
    expect(codes(column(doc, 'columns')(row!)), `columns of ${view}`).toEqual([...v.columns]);
  });
});

describe(`${DOC}, section "Events"`, () => {
  it('lists every handled event type, in the registry, and no other', () => {
    const doc = tableAfter('event-types');
    const types = doc.rows.map((r) => codes(column(doc, 'event type')(r))[0] ?? '');
    expect([...types].sort()).toEqual([...HANDLERS_BY_TYPE.keys()].sort());
    expect(new Set(types).size).toBe(types.length);
  });

  it('lists every ignored event type, and no other', () => {
    const doc = tableAfter('ignored-types');
    const types = doc.rows.map((r) => codes(column(doc, 'ignored event type')(r))[0] ?? '');
    expect([...types].sort()).toEqual([...IGNORED_EVENT_TYPES].sort());
    expect(new Set(types).size).toBe(types.length);
  });
});
