// Property: combining a load's events and applying the result with each table's write rule gives
// the same tables as loading the events one by one, or in any split into windows. The warehouse
// rules are modelled here in memory (docs/schema.md#write-rules), the way the Redshift statements apply them.
import { describe, expect, it } from 'vitest';
import { createRandom, type Random } from '../../src/demo/random.js';
import { createCombiner, type CombinedRows } from '../../src/events/combine.js';
import { del, obfuscate, put, type RowOp } from '../../src/events/handler.js';
import { TABLE_DEFS, keyOf, tableByName, type Rows, type TableName } from '../../src/model/tables.js';

type Row = Record<string, unknown>;
type Tables = Map<string, Map<string, Row>>;

const keyString = (cols: readonly string[], row: Row) => JSON.stringify(cols.map((c) => row[c]));
const REPLY = ['instructorreplyuserid', 'instructorreplytime', 'instructorreplyhourlag'];

/**
 * One load as the warehouse applies it: table by table in TABLES order; grade deletes before the
 * grade upsert, other deletes after their table's puts; usr obfuscations right after the usr merge.
 */
function applyLoad(target: Tables, combined: CombinedRows): void {
  const tableOf = (name: string) => {
    const table = target.get(name) ?? new Map<string, Row>();
    target.set(name, table);
    return table;
  };
  const applyDeletes = (name: TableName) => {
    const key = keyOf(tableByName(name)) as readonly string[];
    for (const k of combined.deletes.get(name) ?? []) tableOf(name).delete(keyString(key, k as Row));
  };
  for (const t of TABLE_DEFS) {
    const name = t.name as TableName;
    const rule = t.rule;
    if (rule.kind === 'gradeUpsert') applyDeletes(name);
    const rows = [...(combined.puts.get(name) ?? [])] as Row[];
    const key = keyOf(t) as readonly string[];
    const table = tableOf(name);
    if (rule.kind === 'setReplace') {
      const groups = new Set(rows.map((r) => keyString(rule.group, r)));
      for (const [k, r] of table) if (groups.has(keyString(rule.group, r))) table.delete(k);
    }
    for (const row of rows) {
      const k = keyString(key, row);
      const old = table.get(k);
      if (!old) {
        table.set(k, row);
        continue;
      }
      switch (rule.kind) {
        case 'insertNew':
          break;
        case 'gradeUpsert':
          table.set(k, { ...row, assetid: old.assetid });
          break;
        case 'firstInstructorReply':
          if (REPLY.every((c) => old[c] === null)) table.set(k, { ...old, ...Object.fromEntries(REPLY.map((c) => [c, row[c]])) });
          break;
        case 'qnaThread':
          table.set(k, {
            ...old,
            ...Object.fromEntries(REPLY.map((c) => [c, old[c] ?? row[c]])),
            studentclosed: old.studentclosed === true || row.studentclosed === true,
            category: row.category,
            subcategory: row.subcategory,
          });
          break;
        default:
          table.set(k, row);
      }
    }
    if (name === 'usr') {
      for (const { id } of combined.obfuscations) {
        const k = keyString(['id'], { id });
        const old = table.get(k);
        if (old) table.set(k, Object.fromEntries(Object.keys(old).map((c) => [c, c === 'id' ? old[c] : null])));
      }
    }
    if (rule.kind !== 'gradeUpsert') applyDeletes(name);
  }
}

function load(target: Tables, events: RowOp[][]): void {
  const c = createCombiner({ onAppend: () => {} });
  events.forEach((ops, seq) => c.add(ops, seq));
  applyLoad(target, c.result());
}

function snapshot(target: Tables): Record<string, Row[]> {
  const out: Record<string, Row[]> = {};
  for (const [name, rows] of [...target].sort(([a], [b]) => a.localeCompare(b))) {
    if (rows.size === 0) continue;
    out[name] = [...rows].sort(([a], [b]) => a.localeCompare(b)).map(([, r]) => r);
  }
  return out;
}

function randomEvent(r: Random, ids = 3): RowOp[] {
  const id = r.int(1, ids);
  const ts = `2025-01-0${r.int(1, 9)} 00:00:00.000`;
  switch (r.int(0, 6)) {
    case 0:
      return r.chance(0.3)
        ? [del('section', { id })]
        : [put('section', { id, externalid: null, name: `s${r.int(1, 99)}`, integrationuniqueid: null, integrationsystemid: null, integrationsystemidentifier: null, integrationsystemname: null, offeringid: null, offeringgroupid: null, offeringname: null, disabled: r.chance(0.5), starttime: null, endtime: null, groupid: null } as Rows['section'])];
    case 1:
      return [put('session', { id, start: ts, userid: r.int(1, 9), userextid: null, requesturl: null, ipaddress: null, referrer: null, acceptlanguage: null, useragent: null, authmethod: null } as Rows['session'])];
    case 2:
      return Array.from({ length: r.int(1, 3) }, () =>
        put('sectioncontent', { sectionid: id, edgepath: `e${r.int(1, 4)}`, assetid: r.int(1, 99), parentedgepath: null, parentassetid: null, courseassetid: null, moduleedgepath: null, moduleassetid: null, lessonedgepath: null, lessonassetid: null, forcreditpointspossible: null, forcredititemcount: null, learningpathindex: null } as Rows['sectioncontent']),
      );
    case 3: {
      // The asset of a put varies, so the rule that keeps an existing grade's assetid (and inserts
      // a grade unset and put again with its new one) is exercised.
      const key = { userid: id, sectionid: 1, edgepath: `e${id}` };
      return r.chance(0.3) ? [del('grade', key)] : [put('grade', { ...key, assetid: r.int(100, 103), time: ts, forcredit: true, pointsawarded: r.int(0, 10), pointspossible: 10, percentage: 0 } as Rows['grade'])];
    }
    case 6:
      return r.chance(0.35)
        ? [obfuscate(id)]
        : [put('usr', { id, externalid: `x${r.int(1, 9)}`, email: r.pick(['a@x.edu', null]), username: null, emaildomain: null, givenname: r.pick(['Ada', 'Alan']), familyname: null, fullname: null, subtenantid: null, subtenantname: null, integration: null, uniqueid: null } as Rows['usr'])];
    case 4: {
      const reply = r.chance(0.4);
      return [put('discussionpost', { postid: id, userid: r.int(1, 9), sectionid: 1, edgepath: 'e', assetid: 1, role: 'student', depth: 0, createtime: ts, instructorreplyuserid: reply ? r.int(1, 9) : null, instructorreplytime: reply ? ts : null, instructorreplyhourlag: reply && r.chance(0.8) ? r.int(0, 9) : null } as Rows['discussionpost'])];
    }
    default: {
      const reply = r.chance(0.4);
      return [put('qnathread', { threadid: id, questionid: r.int(1, 9), userid: 1, sectionid: 1, edgepath: 'e', createtime: ts, instructorreplyuserid: reply ? r.int(1, 9) : null, instructorreplytime: r.chance(0.5) && reply ? ts : null, instructorreplyhourlag: null, studentclosed: r.chance(0.3), category: r.pick(['a', 'b', null]), subcategory: r.pick(['x', null]) } as Rows['qnathread'])];
    }
  }
}

describe('combine: one window or many', () => {
  it('gives the same tables as loading the events one by one, for every write rule', () => {
    const r = createRandom(20250314);
    for (let trial = 0; trial < 300; trial++) {
      const events = Array.from({ length: r.int(1, 25) }, () => randomEvent(r));
      const existing = Array.from({ length: r.int(0, 10) }, () => randomEvent(r));

      const oneByOne: Tables = new Map();
      load(oneByOne, existing);
      for (const e of events) load(oneByOne, [e]);

      const together: Tables = new Map();
      load(together, existing);
      load(together, events);

      const windows: Tables = new Map();
      load(windows, existing);
      for (let i = 0; i < events.length; ) {
        const n = r.int(1, 5);
        load(windows, events.slice(i, i + n));
        i += n;
      }
      expect(snapshot(together), `trial ${trial}`).toEqual(snapshot(oneByOne));
      expect(snapshot(windows), `trial ${trial}`).toEqual(snapshot(oneByOne));
    }
  });

  it('gives the same tables for a load long enough that merged rows wait unpacked and are packed (combine.ts KEEP_WINDOW)', () => {
    // Thousands of puts per merged table (more than wait unpacked), over thousands of keys: a key is
    // put again both within the puts that wait and long after they were packed; deletes and
    // obfuscations fall on either. Compared with windows too short to pack anything, which the
    // test above holds to loading the events one by one.
    const r = createRandom(20251203);
    const merged = new Set(['section', 'usr', 'session', 'grade']);
    const events: RowOp[][] = [];
    while (events.length < 30_000) {
      const e = randomEvent(r, 2500);
      if (merged.has(e[0]!.table)) events.push(e);
    }
    const together: Tables = new Map();
    load(together, events);
    const windows: Tables = new Map();
    for (let i = 0; i < events.length; i += 400) load(windows, events.slice(i, i + 400));
    expect(snapshot(together)).toEqual(snapshot(windows));
  });

  it('names the tables it was exercised on', () => {
    const names: TableName[] = ['section', 'session', 'sectioncontent', 'grade', 'discussionpost', 'qnathread', 'usr'];
    expect(names.map((n) => tableByName(n).rule.kind)).toEqual(['merge', 'insertNew', 'setReplace', 'gradeUpsert', 'firstInstructorReply', 'qnaThread', 'merge']);
  });
});
