// A bus schema with its tables and views in a fresh database behind the Redshift stand-in, and a
// small hand-made data set (dates relative to the current UTC date) that exercises every view's
// rules and the instructor snapshot counts. The expected rows live in the tests.
import { startStandinFixture, type StandinFixture } from '../localstack/standin-fixture.js';
import { createWarehouseSchema } from '../../src/warehouse/schema.js';
import { WarehouseSession } from '../../src/warehouse/session.js';
import { createViews } from '../../src/warehouse/views.js';

export const SCHEMA = 'bus_views';

export interface WarehouseFixture {
  fx: StandinFixture;
  s: WarehouseSession;
  /** The warehouse's current_date, YYYY-MM-DD. */
  today: string;
  /** The date `offset` days from today. */
  day(offset: number): string;
  /** A timestamp `offset` days from today at `time` (HH:MM:SS). */
  ts(offset: number, time: string): string;
  stop(): Promise<void>;
}

export async function startWarehouseFixture(prefix: string): Promise<WarehouseFixture> {
  const fx = await startStandinFixture(prefix);
  const s = await WarehouseSession.connect({ connectionString: fx.standin.url }, SCHEMA);
  await createWarehouseSchema(s, SCHEMA);
  await createViews(s, SCHEMA);
  const today = (await s.query<{ d: string }>('SELECT current_date AS d')).rows[0]!.d;
  const base = Date.parse(`${today}T00:00:00Z`);
  const day = (offset: number) => new Date(base + offset * 86_400_000).toISOString().slice(0, 10);
  return {
    fx, s, today, day,
    ts: (offset, time) => `${day(offset)} ${time}`,
    async stop() {
      await s.close();
      await fx.stop();
    },
  };
}

type Value = string | number | boolean | null;

/** One multi-row INSERT (Redshift accepts VALUES lists in INSERT), values bound as parameters. */
export async function insert(s: WarehouseSession, table: string, columns: string[], rows: Value[][]): Promise<void> {
  const params: Value[] = [];
  const tuples = rows.map((r) => `(${r.map((v) => { params.push(v); return `$${params.length}`; }).join(', ')})`);
  await s.query(`INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`, params);
}

/**
 * Users: 100 and 101 instructors, 200 and 201 students. Active sections: 1, 5, 6. Active
 * enrollments: 10, 11 (100 twice in section 1), 13 (101 in 5), 15 (200 in 1), 18 (101 in 6).
 */
export async function insertDataSet(w: WarehouseFixture): Promise<void> {
  const { s, ts } = w;
  await insert(s, 'section', ['id', 'disabled', 'starttime', 'endtime'], [
    [1, null, null, null],
    [2, true, null, null], // disabled
    [3, false, ts(1, '00:00:00'), null], // starts tomorrow
    [4, false, null, ts(-1, '23:59:59')], // ended yesterday
    [5, false, ts(0, '23:00:00'), ts(0, '00:30:00')], // dates, not times, are compared
    [6, false, ts(-10, '00:00:00'), ts(10, '00:00:00')],
  ]);
  await insert(s, 'enrollment', ['id', 'userid', 'sectionid', 'role', 'disabled', 'starttime', 'endtime', 'datasource'], [
    [10, 100, 1, 'instructor', false, null, null, 'SIS'],
    [11, 100, 1, 'instructor', false, null, null, 'LTI'], // a second active instructor enrollment
    [12, 101, 1, 'instructor', true, null, null, null], // disabled
    [13, 101, 5, 'instructor', false, null, ts(1, '00:00:00'), null],
    [14, 100, 2, 'instructor', false, null, null, null], // inactive section
    [15, 200, 1, 'student', false, null, null, null],
    [16, 201, 1, 'student', false, ts(1, '08:00:00'), null, null], // starts tomorrow
    [17, 201, 6, 'student', false, null, ts(-1, '12:00:00'), null], // ended yesterday
    [18, 101, 6, 'instructor', false, ts(0, '12:00:00'), null, null],
  ]);
  await insert(s, 'sectionentry', ['userid', 'sectionid', 'time', 'role'], [
    [100, 1, ts(-3, '10:00:00'), 'instructor'],
    [100, 1, ts(-1, '08:00:00'), 'instructor'],
    [100, 1, ts(0, '00:00:00'), 'instructor'],
    [100, 1, ts(0, '01:00:00'), 'student'], // not an instructor entry
    [101, 6, ts(-5, '23:59:00'), 'instructor'],
    [101, 1, ts(0, '02:00:00'), 'instructor'], // 101 is not active in section 1
  ]);
  const attempt = ['id', 'userid', 'sectionid', 'edgepath', 'assetid', 'state', 'valid', 'manualscore', 'createtime', 'submittime', 'scoretime', 'scoreruserid'];
  await insert(s, 'attempt', attempt, [
    [1000, 200, 1, 'e1', 501, 'Submitted', true, true, ts(-4, '09:00:00'), ts(-3, '23:59:00'), null, null],
    [1001, 200, 1, 'e1', 501, 'Submitted', true, true, ts(-4, '09:00:00'), ts(-2, '00:00:00'), null, null], // 2 days: not overdue
    [1002, 200, 1, 'e2', 503, 'Submitted', true, false, ts(-11, '09:00:00'), ts(-10, '00:00:00'), null, null],
    [1003, 200, 1, 'e2', 503, 'Submitted', false, true, ts(-11, '09:00:00'), ts(-10, '00:00:00'), null, null],
    [1004, 200, 1, 'e2', 503, 'Scored', true, true, ts(-11, '09:00:00'), ts(-10, '00:00:00'), ts(0, '09:00:00'), 100],
    [1005, 200, 5, 'e1', 501, 'Submitted', true, true, ts(-5, '09:00:00'), ts(-4, '12:00:00'), null, null],
    [1006, 200, 2, 'e1', 501, 'Submitted', true, true, ts(-5, '09:00:00'), ts(-4, '12:00:00'), null, null], // no active instructor
    [1007, 200, 1, 'e3', 504, 'Scored', true, true, ts(-3, '09:00:00'), ts(-2, '12:00:00'), ts(-1, '23:59:59'), 100],
    [1008, 200, 1, 'e3', 504, 'Scored', true, false, ts(-3, '09:00:00'), ts(-2, '12:00:00'), ts(0, '10:00:00'), 100],
  ]);
  const post = ['postid', 'userid', 'sectionid', 'edgepath', 'assetid', 'role', 'depth', 'createtime', 'instructorreplyuserid', 'instructorreplytime', 'instructorreplyhourlag'];
  await insert(s, 'discussionpost', post, [
    [300, 100, 1, 'd1', 700, 'instructor', 0, ts(0, '10:00:00'), null, null, null],
    [301, 100, 1, 'd1', 700, 'instructor', 1, ts(0, '11:00:00'), null, null, null],
    [302, 100, 1, 'd1', 700, 'instructor', 2, ts(-1, '11:00:00'), null, null, null],
    [303, 101, 1, 'd1', 700, 'instructor', 0, ts(0, '11:00:00'), null, null, null], // 101 not active in 1
    [304, 200, 1, 'd1', 700, 'student', 0, ts(-2, '08:00:00'), 100, ts(-2, '13:30:00'), 5],
    [305, 200, 1, 'd1', 700, 'student', 1, ts(-2, '09:00:00'), null, null, null],
    [306, 201, 1, 'd1', 700, 'student', 0, ts(-2, '09:00:00'), null, null, null], // 201 not active in 1
    [307, 100, 1, 'd1', 700, 'student', 0, ts(-2, '09:00:00'), null, null, null], // instructor user, student role
  ]);
  await insert(s, 'pagenavevent', ['id', 'time', 'sessionid', 'userid', 'url', 'sectionid', 'edgepath', 'assettypeid', 'assettitle'], [
    ['pv1', ts(0, '12:00:00'), 1, 100, '/d1', 1, 'd1', 'discussion.1', 'Discuss'],
    ['pv2', ts(0, '12:00:00'), 1, 100, '/e1', 1, 'e1', 'lesson.1', 'Lesson'],
    ['pv3', ts(0, '12:00:00'), 2, 200, '/d1', 1, 'd1', 'discussion.1', 'Discuss'],
    ['pv4', ts(-1, '12:00:00'), 3, 101, '/d6', 6, 'd6', 'discussion.1', 'Discuss six'],
    ['pv5', ts(1, '00:00:00'), 1, 100, '/d1', 1, 'd1', 'discussion.1', 'Discuss'], // tomorrow
  ]);
  await insert(s, 'timespentdiscrete', ['userid', 'edgepath', 'sectionid', 'endtime', 'duration', 'assetid', 'eventid'], [
    [200, 'e1', 1, '2021-12-31 10:00:00', 100, 501, 'ev1'], // before 2022: not in timespentmodule
    [200, 'e1', 1, '2022-01-01 00:00:00', 1000, 501, 'ev8'], // not after 2022-01-01
    [200, 'e1', 1, '2022-01-02 00:00:00', 30, 501, 'ev2'],
    [200, 'e1', 1, '2022-01-03 00:00:00', 20, 502, 'ev3'],
    [200, 'e2', 1, '2023-05-01 00:00:00', 40, 503, 'ev4'],
    [200, 'e3', 1, '2023-05-01 00:00:00', 7, 504, 'ev5'], // content without a module
    [200, 'e9', 1, '2023-05-01 00:00:00', 9, 509, 'ev6'], // not in sectioncontent
    [201, 'e1', 1, '2023-01-01 00:00:00', 5, 501, 'ev7'],
  ]);
  await insert(s, 'sectioncontent', ['sectionid', 'edgepath', 'assetid', 'moduleedgepath', 'moduleassetid'], [
    [1, 'm1', 600, null, null],
    [1, 'e1', 501, 'm1', 600],
    [1, 'e2', 503, 'm1', 600],
    [1, 'e3', 504, null, null],
    [1, 'm2', 601, null, null],
    [1, 'e4', 505, 'm2', 601],
  ]);
}
