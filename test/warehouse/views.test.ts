// The 11 views and the timespent materialized view (docs/schema.md#views) through the Redshift
// stand-in: created idempotently, with the declared columns, and with exactly the rows their rules
// select from a hand-made data set. Tests run in order and share the data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEWS } from '../../src/model/views.js';
import { mvRefreshDue, refreshTimespent } from '../../src/warehouse/materialized-view.js';
import { createViews, createViewsSql } from '../../src/warehouse/views.js';
import { insertDataSet, SCHEMA, startWarehouseFixture, type WarehouseFixture } from './fixture.js';

let w: WarehouseFixture;
const rows = async (sql: string) => (await w.s.query(sql)).rows;

beforeAll(async () => {
  w = await startWarehouseFixture('wh_views');
});
afterAll(async () => {
  await w?.stop();
});

describe('view DDL', () => {
  it('declares the 11 views in the reference order, only timespent materialized, in Redshift SQL', () => {
    expect(VIEWS.map((v) => v.name)).toEqual([
      'activesection', 'activeenrollment', 'mostrecentinstructorentry', 'overdueattempt', 'instructordiscussionthread',
      'instructordiscussionreply', 'instructordiscussionvisit', 'studentdiscussionthread', 'timespent', 'timespentmodule',
      'unscoredattempt',
    ]);
    expect(VIEWS.filter((v) => v.materialized).map((v) => v.name)).toEqual(['timespent']);
    for (const v of VIEWS) expect(v.select).not.toMatch(/::|\binterval\b|\bfilter\s*\(|\blateral\b|\barray\b|date_part|\bnow\(\)/i);
    const all = createViewsSql();
    expect(all).toHaveLength(11);
    expect(all[8]).toMatch(/^CREATE MATERIALIZED VIEW "timespent" AUTO REFRESH NO AS\n/);
    expect(all.filter((s) => s.startsWith('CREATE OR REPLACE VIEW'))).toHaveLength(10);
    expect(createViewsSql(new Set(['timespent'])).some((s) => s.includes('MATERIALIZED'))).toBe(false);
  });

  it('creates the views again without error and leaves the existing MV alone', async () => {
    const again = await createViews(w.s, SCHEMA);
    expect(again.materializedCreated).toEqual([]);
    expect(again.materializedExisting).toEqual(['timespent']);
    expect(again.views).toHaveLength(10);
  });

  it('replaces a view that exists with other columns (CREATE OR REPLACE would be refused), leaving the rest as they are', async () => {
    const direct = await w.fx.direct();
    await direct.query(`DROP VIEW ${SCHEMA}.unscoredattempt`);
    await direct.query(`CREATE VIEW ${SCHEMA}.unscoredattempt AS SELECT 1 AS legacy_column`);
    const r = await createViews(w.s, SCHEMA);
    expect(r.replacedWithNewColumns).toEqual(['unscoredattempt']);
    const cols = await direct.query(
      `SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = 'unscoredattempt' AND a.attnum > 0 ORDER BY a.attnum`,
      [SCHEMA],
    );
    expect(cols.rows.map((x) => x.attname)).toEqual(VIEWS.find((v) => v.name === 'unscoredattempt')!.columns);
    expect((await createViews(w.s, SCHEMA)).replacedWithNewColumns).toBeUndefined();
  });

  it('grants the bus user SELECT on every view', async () => {
    const busUser = `rsetl_bus_${Date.now().toString(36)}`;
    const direct = await w.fx.direct();
    await direct.query(`CREATE ROLE ${busUser}`);
    try {
      expect((await createViews(w.s, SCHEMA, { busUser })).grantedTo).toBe(busUser);
      const r = await direct.query(
        `SELECT c.relname, has_table_privilege($1, c.oid, 'SELECT') AS ok FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $2 AND c.relkind IN ('v', 'm') ORDER BY c.relname`,
        [busUser, SCHEMA],
      );
      expect(r.rows.map((x) => x.relname)).toEqual(VIEWS.map((v) => v.name).sort());
      expect(r.rows.every((x) => x.ok)).toBe(true);
    } finally {
      await direct.query(`DROP OWNED BY ${busUser}; DROP ROLE ${busUser}`);
    }
  });

  it('gives every view exactly its declared columns', async () => {
    for (const v of VIEWS) {
      const r = await w.s.query(`SELECT * FROM ${v.name} WHERE 1 = 0`);
      expect(r.fields.map((f) => f.name), v.name).toEqual(v.columns);
    }
  });
});

describe('view rows', () => {
  beforeAll(async () => insertDataSet(w));

  it('activesection and activeenrollment: not disabled, started by today, not ended before today', async () => {
    expect((await rows('SELECT id FROM activesection ORDER BY id')).map((r) => r.id)).toEqual(['1', '5', '6']);
    expect((await rows('SELECT id FROM activeenrollment ORDER BY id')).map((r) => r.id)).toEqual(['10', '11', '13', '15', '18']);
    expect(await rows('SELECT * FROM activeenrollment WHERE id = 13')).toEqual([
      { id: '13', userid: '101', sectionid: '5', role: 'instructor', disabled: false, starttime: null, endtime: w.ts(1, '00:00:00'), datasource: null },
    ]);
  });

  it('mostrecentinstructorentry: latest instructor entry per active instructor, days ago by date', async () => {
    expect(await rows('SELECT * FROM mostrecentinstructorentry ORDER BY userid, sectionid')).toEqual([
      { userid: '100', sectionid: '1', mostrecententry: w.ts(0, '00:00:00'), daylag: '0' },
      { userid: '101', sectionid: '5', mostrecententry: null, daylag: null },
      { userid: '101', sectionid: '6', mostrecententry: w.ts(-5, '23:59:00'), daylag: '5' },
    ]);
  });

  it('overdueattempt: submitted, valid, manually scored, more than 2 days ago, once per active instructor', async () => {
    const base = { learneruserid: '200', edgepath: 'e1', assetid: '501', state: 'Submitted', valid: true };
    expect(await rows('SELECT * FROM overdueattempt ORDER BY id')).toEqual([
      { id: '1000', instructoruserid: '100', sectionid: '1', createtime: w.ts(-4, '09:00:00'), submittime: w.ts(-3, '23:59:00'), ...base },
      { id: '1005', instructoruserid: '101', sectionid: '5', createtime: w.ts(-5, '09:00:00'), submittime: w.ts(-4, '12:00:00'), ...base },
    ]);
  });

  it('instructor discussion threads, replies and visits: instructor posts and discussion pages of active instructors', async () => {
    const post = { userid: '100', sectionid: '1', edgepath: 'd1', assetid: '700' };
    expect(await rows('SELECT * FROM instructordiscussionthread ORDER BY postid')).toEqual([
      { postid: '300', ...post, createtime: w.ts(0, '10:00:00') },
    ]);
    expect(await rows('SELECT * FROM instructordiscussionreply ORDER BY postid')).toEqual([
      { postid: '301', ...post, createtime: w.ts(0, '11:00:00'), depth: 1 },
      { postid: '302', ...post, createtime: w.ts(-1, '11:00:00'), depth: 2 },
    ]);
    expect(await rows('SELECT * FROM instructordiscussionvisit ORDER BY id')).toEqual([
      { id: 'pv1', userid: '100', sectionid: '1', edgepath: 'd1', assettitle: 'Discuss', time: w.ts(0, '12:00:00') },
      { id: 'pv4', userid: '101', sectionid: '6', edgepath: 'd6', assettitle: 'Discuss six', time: w.ts(-1, '12:00:00') },
      { id: 'pv5', userid: '100', sectionid: '1', edgepath: 'd1', assettitle: 'Discuss', time: w.ts(1, '00:00:00') },
    ]);
  });

  it('studentdiscussionthread: student top-level posts of active students, with the instructor reply', async () => {
    expect(await rows('SELECT * FROM studentdiscussionthread ORDER BY postid')).toEqual([
      {
        postid: '304', userid: '200', sectionid: '1', edgepath: 'd1', assetid: '700', createtime: w.ts(-2, '08:00:00'),
        instructorreplyuserid: '100', instructorreplytime: w.ts(-2, '13:30:00'), instructorreplyhourlag: 5,
      },
    ]);
  });

  it('timespentmodule: time since 2022 summed per module, with the module asset', async () => {
    expect(await rows('SELECT * FROM timespentmodule ORDER BY userid')).toEqual([
      { sectionid: '1', userid: '200', moduleedgepath: 'm1', moduleassetid: '600', duration: '90' },
      { sectionid: '1', userid: '201', moduleedgepath: 'm1', moduleassetid: '600', duration: '5' },
    ]);
  });

  it('unscoredattempt: waiting hours and days counted as boundaries crossed up to GETDATE()', async () => {
    const r = await rows('SELECT u.*, GETDATE() AS now FROM unscoredattempt u ORDER BY id');
    const hour = (t: string) => Math.floor(Date.parse(`${t.replace(' ', 'T')}Z`) / 3_600_000);
    const expected = [
      ['1000', 1, w.ts(-3, '23:59:00'), '3'],
      ['1001', 1, w.ts(-2, '00:00:00'), '2'],
      ['1005', 5, w.ts(-4, '12:00:00'), '4'],
      ['1006', 2, w.ts(-4, '12:00:00'), '4'],
    ] as const;
    expect(r.map((x) => [x.id, x.sectionid, x.submittime, x.waitday])).toEqual(expected.map(([id, sec, t, d]) => [id, String(sec), t, d]));
    for (const x of r) expect(x.waithour).toBe(String(hour(x.now as string) - hour(x.submittime as string)));
  });

  it('timespent: empty until refreshed, then sums and max asset per (user, edgepath, section); survives createViews', async () => {
    expect(await rows('SELECT * FROM timespent')).toEqual([]);
    await refreshTimespent(w.s);
    const expected = [
      { userid: '200', edgepath: 'e1', sectionid: '1', duration: '1150', assetid: '502' },
      { userid: '200', edgepath: 'e2', sectionid: '1', duration: '40', assetid: '503' },
      { userid: '200', edgepath: 'e3', sectionid: '1', duration: '7', assetid: '504' },
      { userid: '200', edgepath: 'e9', sectionid: '1', duration: '9', assetid: '509' },
      { userid: '201', edgepath: 'e1', sectionid: '1', duration: '5', assetid: '501' },
    ];
    expect(await rows('SELECT * FROM timespent ORDER BY userid, edgepath')).toEqual(expected);
    await createViews(w.s, SCHEMA);
    expect(await rows('SELECT * FROM timespent ORDER BY userid, edgepath')).toEqual(expected);
  });
});

describe('mvRefreshDue', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  it.each([
    [null, true],
    [new Date('2024-05-01T11:00:00.001Z'), false],
    [new Date('2024-05-01T11:00:00Z'), true],
    [new Date('2024-04-30T12:00:00Z'), true],
    [new Date('2024-05-01T12:30:00Z'), false],
  ])('last refresh %s: due %s', (last, due) => {
    expect(mvRefreshDue(last, now)).toBe(due);
  });
});
