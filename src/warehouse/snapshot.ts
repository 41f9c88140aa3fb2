// Instructor snapshot days (../shared/reference/seed-system.md §4.4; spec §1 step 7): one row per
// (instructor, section) among the instructor rows of `activeenrollment`, with the day's activity
// counts. Set-based and idempotent: a temp stage built by one SELECT, UPDATE of the rows that
// exist, DELETE of those from the stage, INSERT of the rest, DROP of the stage, in one transaction.
// Running a day twice leaves the same rows. A day is a UTC calendar day [day, day + 1), compared
// as a range so Redshift can use the tables' sort keys; the bounds are bound as parameters.
// Unqualified names: run on a session whose search_path is the bus schema (WarehouseSession).
import { instructorsnapshotday } from '../model/tables.js';
import { LEDGER_TABLE } from './ledger.js';
import type { WarehouseSession } from './session.js';
import { ident } from './sql.js';

export const SNAPSHOT_STAGE = 'instructorsnapshotday_stage';
const TARGET = instructorsnapshotday.name;
const KEY = ['userid', 'sectionid', 'date'] as const;
const COUNTS = [
  'numsectionentry', 'numattemptgrade', 'numdiscussionpost', 'numdiscussionreply', 'numdiscussionvisit', 'numdiscussioninteraction',
] as const;

export interface SnapshotDayResult {
  day: string;
  /** Instructor (userid, sectionid) pairs of the day, i.e. rows the day now has. */
  rows: number;
  updated: number;
  inserted: number;
}

/** Validates `YYYY-MM-DD` (a real calendar date) and returns the next day. */
export function nextDay(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || new Date(t).toISOString().slice(0, 10) !== day) throw new Error(`invalid snapshot day ${JSON.stringify(day)} (want YYYY-MM-DD)`);
  return new Date(t + 86_400_000).toISOString().slice(0, 10);
}

/** Counts per (userid, sectionid) of one table's rows in the day [$1, $2); both bound as DATEs. */
const countsOf = (alias: string, from: string, user: string, time: string, where: string) => `LEFT JOIN (
  SELECT ${user} AS userid, sectionid, COUNT(*) AS n FROM ${from}
  WHERE ${where} AND ${time} >= CAST($1 AS DATE) AND ${time} < CAST($2 AS DATE)
  GROUP BY ${user}, sectionid
) ${alias} ON ${alias}.userid = i.userid AND ${alias}.sectionid = i.sectionid`;

const n = (alias: string) => `COALESCE(${alias}.n, 0)`;

export const STAGE_INSERT_SQL = `INSERT INTO ${ident(SNAPSHOT_STAGE)} (${[...KEY, ...COUNTS].map(ident).join(', ')})
SELECT i.userid, i.sectionid, CAST($1 AS DATE), ${['se', 'ag', 'dp', 'dr', 'dv'].map(n).join(', ')},
  ${n('dp')} + ${n('dr')} + ${n('dv')}
FROM (SELECT DISTINCT userid, sectionid FROM activeenrollment WHERE role = 'instructor') i
${countsOf('se', 'sectionentry', 'userid', '"time"', "role = 'instructor'")}
${countsOf('ag', 'attempt', 'scoreruserid', 'scoretime', 'manualscore = true')}
${countsOf('dp', 'discussionpost', 'userid', 'createtime', "role = 'instructor' AND depth = 0")}
${countsOf('dr', 'discussionpost', 'userid', 'createtime', "role = 'instructor' AND depth > 0")}
${countsOf('dv', 'pagenavevent', 'userid', '"time"', "assettypeid = 'discussion.1'")}`;

const t = ident(TARGET);
const st = ident(SNAPSHOT_STAGE);
const matches = (a: string, b: string) => KEY.map((k) => `${a}.${ident(k)} = ${b}.${ident(k)}`).join(' AND ');

/** The statements after the stage is filled, in order: update, delete matched, insert, drop. */
export const APPLY_SQL = {
  update: `UPDATE ${t} SET ${COUNTS.map((c) => `${ident(c)} = s.${ident(c)}`).join(', ')}
FROM ${st} s WHERE ${matches(t, 's')}`,
  deleteMatched: `DELETE FROM ${st} USING ${t} x WHERE ${matches(st, 'x')}`,
  insert: `INSERT INTO ${t} (${[...KEY, ...COUNTS].map(ident).join(', ')})
SELECT ${[...KEY, ...COUNTS].map(ident).join(', ')} FROM ${st}`,
  drop: `DROP TABLE ${st}`,
};

export async function generateSnapshotDay(s: WarehouseSession, day: string): Promise<SnapshotDayResult> {
  const next = nextDay(day);
  await s.query('BEGIN');
  try {
    // The ledger first, like every load (spec §6): a snapshot queues behind a running load of
    // this schema instead of failing it, or itself, with serializable isolation error 1023.
    await s.query(`LOCK ${ident(LEDGER_TABLE)}, ${t}`);
    await s.query(`CREATE TEMP TABLE ${st} (LIKE ${t})`);
    const rows = (await s.query(STAGE_INSERT_SQL, [day, next])).rowCount ?? 0;
    const updated = (await s.query(APPLY_SQL.update)).rowCount ?? 0;
    await s.query(APPLY_SQL.deleteMatched);
    const inserted = (await s.query(APPLY_SQL.insert)).rowCount ?? 0;
    await s.query(APPLY_SQL.drop);
    await s.query('COMMIT', undefined, { duringCommit: true });
    return { day, rows, updated, inserted };
  } catch (e) {
    await s.rollback();
    throw e;
  }
}

/** Generates each distinct day in order, one transaction per day (the same day twice is one run). */
export async function generateSnapshotDays(s: WarehouseSession, days: readonly string[]): Promise<SnapshotDayResult[]> {
  const results: SnapshotDayResult[] = [];
  for (const day of [...new Set(days)]) results.push(await generateSnapshotDay(s, day));
  return results;
}
