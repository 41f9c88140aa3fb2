import { describe, expect, it } from 'vitest';
import { createCombiner, type CombinedRows } from '../../src/events/combine.js';
import { del, generateSnapshotDay, obfuscate, put, type RowOp } from '../../src/events/handler.js';
import { tableByName, type Rows, type TableName } from '../../src/model/tables.js';
import { eventOf, tagRow } from '../../src/events/event-origin.js';
import { grade, user } from './rows.js';

/** The result with each table's rows read into an array (the combiner builds them as they are iterated). */
function read(c: CombinedRows) {
  return { ...c, puts: new Map([...c.puts].map(([t, rows]) => [t, [...rows]])) };
}

function combine(events: RowOp[][]) {
  const appended: [TableName, object][] = [];
  const c = createCombiner({ onAppend: (t, r) => appended.push([t, r]) });
  events.forEach((ops, seq) => c.add(ops, seq));
  const { puts, deletes, obfuscations, snapshotDays } = read(c.result());
  return { appended, puts, deletes, obfuscations, snapshotDays };
}

const section = (id: number, name: string): Rows['section'] => ({
  id,
  externalid: null,
  name,
  integrationuniqueid: null,
  integrationsystemid: null,
  integrationsystemidentifier: null,
  integrationsystemname: null,
  offeringid: null,
  offeringgroupid: null,
  offeringname: null,
  disabled: false,
  starttime: null,
  endtime: null,
  groupid: null,
});

const content = (sectionid: number, edgepath: string, assetid: number): Rows['sectioncontent'] => ({
  sectionid,
  edgepath,
  assetid,
  parentedgepath: null,
  parentassetid: null,
  courseassetid: null,
  moduleedgepath: null,
  moduleassetid: null,
  lessonedgepath: null,
  lessonassetid: null,
  forcreditpointspossible: null,
  forcredititemcount: null,
  learningpathindex: null,
});

const session = (id: number, start: string): Rows['session'] => ({
  id,
  start,
  userid: 1,
  userextid: null,
  requesturl: null,
  ipaddress: null,
  referrer: null,
  acceptlanguage: null,
  useragent: null,
  authmethod: null,
});

const post = (reply: number | null, lag: number | null = null): Rows['discussionpost'] => ({
  postid: 9,
  userid: 1,
  sectionid: 2,
  edgepath: 'e1',
  assetid: 3,
  role: 'student',
  depth: 0,
  createtime: '2025-01-01 00:00:00.000',
  instructorreplyuserid: reply,
  instructorreplytime: reply === null ? null : '2025-01-02 00:00:00.000',
  instructorreplyhourlag: lag,
});

// (cast: the spread of a Partial row is wider than the row while TableName is a plain string)
const thread = (over: Partial<Rows['qnathread']>): Rows['qnathread'] => ({
  threadid: 5,
  questionid: 6,
  userid: 1,
  sectionid: 2,
  edgepath: 'e1',
  createtime: '2025-01-01 00:00:00.000',
  instructorreplyuserid: null,
  instructorreplytime: null,
  instructorreplyhourlag: null,
  studentclosed: false,
  category: null,
  subcategory: null,
  ...over,
}) as Rows['qnathread'];

describe('combine: merge tables (section, usr, enrollment)', () => {
  it('keeps the latest put of a key', () => {
    const { puts } = combine([[put('section', section(1, 'a'))], [put('section', section(1, 'b'))], [put('section', section(2, 'c'))]]);
    expect(puts.get('section')).toEqual([section(1, 'b'), section(2, 'c')]);
  });

  it('turns a delete followed by a put into a put', () => {
    const { puts, deletes } = combine([[del('section', { id: 1 })], [put('section', section(1, 'back'))]]);
    expect(puts.get('section')).toEqual([section(1, 'back')]);
    expect(deletes.has('section')).toBe(false);
  });

  it('turns a put followed by a delete into a delete', () => {
    const { puts, deletes } = combine([[put('section', section(1, 'a'))], [del('section', { id: 1 })]]);
    expect(puts.has('section')).toBe(false);
    expect(deletes.get('section')).toEqual([{ id: 1 }]);
  });

  it('deletes by the key columns only', () => {
    const { deletes } = combine([[del('enrollment', { id: 7, role: 'x' })]]);
    expect(deletes.get('enrollment')).toEqual([{ id: 7 }]);
  });

  it('refuses deletes on tables that are not deletable', () => {
    expect(() => combine([[del('usr', { id: 1 })]])).toThrow(/does not accept deletes/);
  });
});

describe('combine: insertNew (session, asset)', () => {
  it('keeps the first row of a key within a load', () => {
    const { puts } = combine([[put('session', session(1, '2025-01-01 00:00:00.000'))], [put('session', session(1, '2025-01-02 00:00:00.000'))]]);
    expect(puts.get('session')).toEqual([session(1, '2025-01-01 00:00:00.000')]);
  });
});

describe('combine: setReplace (sectioncontent)', () => {
  it('lets the latest event touching a section replace the earlier events’ rows of that section', () => {
    const { puts } = combine([
      [put('sectioncontent', content(1, 'a', 10)), put('sectioncontent', content(1, 'b', 11)), put('sectioncontent', content(2, 'x', 20))],
      [put('sectioncontent', content(1, 'c', 12))],
    ]);
    expect(puts.get('sectioncontent')).toEqual([content(1, 'c', 12), content(2, 'x', 20)]);
  });

  it('accumulates the rows of one event; a repeated key within it: last wins', () => {
    const { puts } = combine([[put('sectioncontent', content(1, 'a', 10)), put('sectioncontent', content(1, 'b', 11)), put('sectioncontent', content(1, 'a', 99))]]);
    expect(puts.get('sectioncontent')).toEqual([content(1, 'a', 99), content(1, 'b', 11)]);
  });

  it('leaves a section untouched by an event without rows for it', () => {
    const { puts } = combine([[put('sectioncontent', content(1, 'a', 10))], [put('section', section(1, 's'))]]);
    expect(puts.get('sectioncontent')).toEqual([content(1, 'a', 10)]);
  });
});

describe('combine: gradeUpsert', () => {
  it('keeps the latest values but the assetid of the earliest put', () => {
    const { puts } = combine([[put('grade', grade(100, 5))], [put('grade', grade(200, 8))]]);
    expect(puts.get('grade')).toEqual([{ ...grade(200, 8), assetid: 100 }]);
  });

  it('takes the assetid of the first put after a delete, and keeps the delete (applied before the upsert)', () => {
    const { puts, deletes } = combine([[put('grade', grade(100, 5))], [del('grade', { userid: 1, sectionid: 2, edgepath: 'e1' })], [put('grade', grade(200, 8))]]);
    expect(puts.get('grade')).toEqual([grade(200, 8)]);
    expect(deletes.get('grade')).toEqual([{ userid: 1, sectionid: 2, edgepath: 'e1' }]);
  });

  it('returns an unset followed by a put as the delete and the put, so the row is inserted with its new assetid', () => {
    const { puts, deletes } = combine([[del('grade', { userid: 1, sectionid: 2, edgepath: 'e1' })], [put('grade', grade(300, 2))], [put('grade', grade(400, 9))]]);
    expect(deletes.get('grade')).toEqual([{ userid: 1, sectionid: 2, edgepath: 'e1' }]);
    expect(puts.get('grade')).toEqual([{ ...grade(400, 9), assetid: 300 }]);
  });

  it('leaves only the delete when the last op of the key is an unset', () => {
    const { puts, deletes } = combine([[del('grade', { userid: 1, sectionid: 2, edgepath: 'e1' })], [put('grade', grade(300, 2))], [del('grade', { userid: 1, sectionid: 2, edgepath: 'e1' })]]);
    expect(puts.has('grade')).toBe(false);
    expect(deletes.get('grade')).toEqual([{ userid: 1, sectionid: 2, edgepath: 'e1' }]);
  });

  it('turns a put followed by an unset into a delete of the key', () => {
    const { puts, deletes } = combine([[put('grade', grade(100, 5))], [del('grade', { userid: 1, sectionid: 2, edgepath: 'e1' })]]);
    expect(puts.has('grade')).toBe(false);
    expect(deletes.get('grade')).toEqual([{ userid: 1, sectionid: 2, edgepath: 'e1' }]);
  });
});

describe('combine: firstInstructorReply (discussionpost)', () => {
  it('keeps the first instructor reply of a discussion post', () => {
    const { puts } = combine([[put('discussionpost', post(null))], [put('discussionpost', { ...post(41, 24), role: 'changed' })], [put('discussionpost', post(42, 48))]]);
    expect(puts.get('discussionpost')).toEqual([post(41, 24)]);
  });
});

describe('combine: qnaThread', () => {
  it('keeps the first reply fields, makes studentclosed sticky and takes the latest categories', () => {
    const { puts } = combine([
      [put('qnathread', thread({ category: 'billing', subcategory: 'refund' }))],
      [put('qnathread', thread({ instructorreplyuserid: 41, instructorreplytime: '2025-01-01 03:00:00.000', instructorreplyhourlag: 3, studentclosed: true, category: 'tech', subcategory: 'login' }))],
      [put('qnathread', thread({ instructorreplyuserid: 42, instructorreplytime: '2025-01-01 09:00:00.000', instructorreplyhourlag: 9, studentclosed: false, category: 'tech', subcategory: null }))],
    ]);
    expect(puts.get('qnathread')).toEqual([
      thread({ instructorreplyuserid: 41, instructorreplytime: '2025-01-01 03:00:00.000', instructorreplyhourlag: 3, studentclosed: true, category: 'tech', subcategory: null }),
    ]);
  });
});

describe('combine: usr obfuscation', () => {
  const blank = (id: number): Rows['usr'] => ({
    id,
    externalid: null,
    email: null,
    username: null,
    emaildomain: null,
    givenname: null,
    familyname: null,
    fullname: null,
    subtenantid: null,
    subtenantname: null,
    integration: null,
    uniqueid: null,
  });

  it('loads a user put and then obfuscated in the load with every personal column null, and obfuscates the id', () => {
    const { puts, obfuscations } = combine([[put('usr', user(1, 'a@x.edu'))], [put('usr', user(2, 'b@x.edu'))], [obfuscate(1)]]);
    expect(puts.get('usr')).toEqual([blank(1), user(2, 'b@x.edu')]);
    expect(obfuscations).toEqual([{ id: 1 }]);
  });

  it('lets a later put cancel an obfuscation', () => {
    const { puts, obfuscations } = combine([[put('usr', user(1, 'a@x.edu'))], [obfuscate(1)], [put('usr', user(1, 'new@x.edu'))]]);
    expect(puts.get('usr')).toEqual([user(1, 'new@x.edu')]);
    expect(obfuscations).toEqual([]);
  });

  it('obfuscates an id without a put in the load (a user loaded earlier)', () => {
    const { puts, obfuscations } = combine([[obfuscate(7)], [obfuscate(3)], [obfuscate(7)]]);
    expect(puts.has('usr')).toBe(false);
    expect(obfuscations).toEqual([{ id: 3 }, { id: 7 }]);
  });

  it('follows the latest op through put, obfuscate, put, obfuscate', () => {
    const { puts, obfuscations } = combine([[put('usr', user(1, 'a@x.edu'))], [obfuscate(1)], [put('usr', user(1, 'b@x.edu'))], [obfuscate(1)]]);
    expect(puts.get('usr')).toEqual([blank(1)]);
    expect(obfuscations).toEqual([{ id: 1 }]);
  });
});

describe('combine: instructor snapshot days', () => {
  it('lists the requested days once each, in first-request order', () => {
    const { snapshotDays, puts } = combine([[generateSnapshotDay('2025-03-02')], [generateSnapshotDay('2025-03-01')], [generateSnapshotDay('2025-03-02')]]);
    expect(snapshotDays).toEqual(['2025-03-02', '2025-03-01']);
    expect(puts.size).toBe(0);
  });
});

describe('combine: append tables', () => {
  const entry = (userid: number): Rows['sectionentry'] => ({ userid, sectionid: 2, time: '2025-01-01 00:00:00.000', sessionid: 3, role: 'student', originsectionid: null });

  it('streams appended rows at once, in order, and keeps none', () => {
    const appended: unknown[] = [];
    const c = createCombiner({ onAppend: (t, r) => appended.push([t, r]) });
    c.add([put('sectionentry', entry(1))], 0);
    expect(appended).toEqual([['sectionentry', entry(1)]]);
    c.add([put('sectionentry', entry(1)), put('sectionentry', entry(2))], 1);
    expect(appended).toHaveLength(3);
    expect(c.result()).toEqual({ puts: new Map(), deletes: new Map(), obfuscations: [], snapshotDays: [] });
  });

  it('drops a row whose dedupKey was already seen in the load', () => {
    const act = (id: string): Rows['activity'] => ({ id, etltime: '2025-01-01 00:00:00.000', sectionid: 2, userid: 1, edgepath: 'e1' });
    const { appended } = combine([[put('activity', act('k1'))], [put('activity', act('k1')), put('activity', act('k2'))]]);
    expect(appended).toEqual([
      ['activity', act('k1')],
      ['activity', act('k2')],
    ]);
  });
});

describe('combine: windows', () => {
  it('gives the same result for one window or many, because it follows event order', () => {
    const events: RowOp[][] = [
      [put('section', section(1, 'a')), put('sectioncontent', content(1, 'a', 1))],
      [del('section', { id: 1 })],
      [put('section', section(1, 'b')), put('sectioncontent', content(1, 'b', 2))],
      [put('session', session(5, '2025-01-01 00:00:00.000'))],
      [put('session', session(5, '2025-01-09 00:00:00.000'))],
    ];
    const all = combine(events);
    const c = createCombiner({ onAppend: () => {} });
    // "Windows" of 2, 2 and 1 events fed to the same combiner with their load-wide positions.
    [events.slice(0, 2), events.slice(2, 4), events.slice(4)].reduce((seq, w) => {
      w.forEach((ops, i) => c.add(ops, seq + i));
      return seq + w.length;
    }, 0);
    expect(read(c.result())).toEqual({ puts: all.puts, deletes: all.deletes, obfuscations: all.obfuscations, snapshotDays: all.snapshotDays });
  });

  it('lists tables in load order', () => {
    const { puts } = combine([[put('session', session(5, '2025-01-01 00:00:00.000')), put('section', section(1, 'a'))]]);
    expect([...puts.keys()]).toEqual(['section', 'session']);
  });

  it('refuses a sequence that goes backwards', () => {
    const c = createCombiner({ onAppend: () => {} });
    c.add([], 5);
    expect(() => c.add([], 4)).toThrow(/backwards/);
  });
});

describe('combine: kept rows', () => {
  it('gives each kept row back with the event that decided it', () => {
    const { puts } = combine([
      [put('section', tagRow(section(1, 'a'), '11'))],
      [put('section', tagRow(section(1, 'b'), '12'))],
      [put('session', tagRow(session(5, '2025-01-01 00:00:00.000'), '13'))],
      [put('session', tagRow(session(5, '2025-01-02 00:00:00.000'), '14'))],
      [put('grade', tagRow(grade(100, 5), '15'))],
      [put('grade', tagRow(grade(200, 8), '16'))],
      [put('discussionpost', tagRow(post(null), '17'))],
      [put('discussionpost', tagRow(post(41, 24), '18'))],
      [put('sectioncontent', tagRow(content(1, 'a', 10), '19'))],
    ]);
    const events = (t: TableName) => (puts.get(t) ?? []).map((r) => eventOf(r));
    expect(events('section')).toEqual(['12']); // latest wins
    expect(events('session')).toEqual(['13']); // first wins
    expect(events('grade')).toEqual(['16']); // the latest values (with the first assetid)
    expect(events('discussionpost')).toEqual(['17']); // the first row, reply filled in
    expect(events('sectioncontent')).toEqual(['19']);
  });

  it('counts the rows of a table up front and can read them more than once', () => {
    const c = createCombiner({ onAppend: () => {} });
    c.add([put('section', section(1, 'a')), put('section', section(2, 'b'))], 0);
    c.add([del('section', { id: 1 })], 1);
    const rows = c.result().puts.get('section')!;
    expect(rows.length).toBe(1);
    expect([...rows]).toEqual([section(2, 'b')]);
    expect([...rows]).toEqual([section(2, 'b')]);
  });

  it('gives a row every column of its table, a column the transform left out as undefined', () => {
    const partial: Partial<Rows['section']> = section(3, 'x');
    delete partial.name;
    const { puts } = combine([[put('section', partial as Rows['section'])]]);
    const [row] = puts.get('section') as Record<string, unknown>[];
    expect(Object.keys(row!)).toEqual(Object.keys(tableByName('section').columns));
    expect(row!.name).toBeUndefined();
  });
});
