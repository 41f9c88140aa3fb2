// Instructor snapshot days (docs/schema.md#snapshot-days, docs/design.md#after-load): one row per
// (instructor, section) among the instructor rows of `activeenrollment`, with the day's activity
// counts. Set-based and idempotent: a temp stage built by one SELECT over every requested day,
// UPDATE of the rows that exist, DELETE of those from the stage, INSERT of the rest, DROP of the
// stage, in one transaction. Running a day twice leaves the same rows. A day is a UTC calendar day
// [day, day + 1), filtered by a range too so Redshift can use the tables' sort keys; days and
// bounds are bound as parameters.
// Unqualified names: run on a session whose search_path is the bus schema (WarehouseSession).
import { instructorsnapshotday } from '../model/tables.js';
import { LEDGER_TABLE } from './ledger.js';
import type { WarehouseSession } from './session.js';
import { ident } from '../sql/quote.js';

export const SNAPSHOT_STAGE = 'instructorsnapshotday_stage';
const TARGET = instructorsnapshotday.name;
const KEY = ['userid', 'sectionid', 'date'] as const;
const COUNTS = [
  'numsectionentry', 'numattemptgrade', 'numdiscussionpost', 'numdiscussionreply', 'numdiscussionvisit', 'numdiscussioninteraction',
] as const;

export interface SnapshotDayResult {
  /** The distinct days generated, in calendar order. */
  days: string[];
  /** Instructor (userid, sectionid, day) rows the days now have. */
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

/**
 * Counts per (userid, sectionid, day) of one table's rows on the requested days: $1 and $2 bound
 * the range [first day, last day + 1) (the sort keys' zone maps skip the rest), $3… are the days.
 */
const countsOf = (alias: string, from: string, user: string, time: string, where: string, days: string) => `LEFT JOIN (
  SELECT ${user} AS userid, sectionid, CAST(${time} AS DATE) AS day, COUNT(*) AS n FROM ${from}
  WHERE ${where} AND ${time} >= CAST($1 AS DATE) AND ${time} < CAST($2 AS DATE) AND CAST(${time} AS DATE) IN (${days})
  GROUP BY ${user}, sectionid, CAST(${time} AS DATE)
) ${alias} ON ${alias}.userid = i.userid AND ${alias}.sectionid = i.sectionid AND ${alias}.day = d.day`;

const n = (alias: string) => `COALESCE(${alias}.n, 0)`;

/** Fills the stage with every active instructor × section × requested day (`dayCount` days bound from $3). */
export function stageInsertSql(dayCount: number): string {
  const params = Array.from({ length: dayCount }, (_, i) => `CAST($${i + 3} AS DATE)`);
  const days = params.join(', ');
  return `INSERT INTO ${ident(SNAPSHOT_STAGE)} (${[...KEY, ...COUNTS].map(ident).join(', ')})
SELECT i.userid, i.sectionid, d.day, ${['se', 'ag', 'dp', 'dr', 'dv'].map(n).join(', ')},
  ${n('dp')} + ${n('dr')} + ${n('dv')}
FROM (SELECT DISTINCT userid, sectionid FROM activeenrollment WHERE role = 'instructor') i
CROSS JOIN (${params.map((p) => `SELECT ${p} AS day`).join(' UNION ALL ')}) d
${countsOf('se', 'sectionentry', 'userid', '"time"', "role = 'instructor'", days)}
${countsOf('ag', 'attempt', 'scoreruserid', 'scoretime', 'manualscore = true', days)}
${countsOf('dp', 'discussionpost', 'userid', 'createtime', "role = 'instructor' AND depth = 0", days)}
${countsOf('dr', 'discussionpost', 'userid', 'createtime', "role = 'instructor' AND depth > 0", days)}
${countsOf('dv', 'pagenavevent', 'userid', '"time"', "assettypeid = 'discussion.1'", days)}`;
}

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

/**
 * Generates the distinct days in ONE transaction of nine statements however many days a poll
 * requested: after a backlog, dozens of days would otherwise cost a transaction each.
 */
export async function generateSnapshotDays(s: WarehouseSession, requested: readonly string[]): Promise<SnapshotDayResult> {
  const days = [...new Set(requested)].sort();
  if (days.length === 0) return { days, rows: 0, updated: 0, inserted: 0 };
  for (const d of days) nextDay(d); // throws on anything but a calendar date
  const end = nextDay(days.at(-1)!);
  await s.query('BEGIN');
  try {
    // The ledger first, like every load (docs/design.md#concurrency): a snapshot queues behind a running load of
    // this schema instead of failing it, or itself, with serializable isolation error 1023.
    await s.query(`LOCK ${ident(LEDGER_TABLE)}, ${t}`);
    await s.query(`CREATE TEMP TABLE ${st} (LIKE ${t})`);
    const rows = (await s.query(stageInsertSql(days.length), [days[0]!, end, ...days])).rowCount ?? 0;
    const updated = (await s.query(APPLY_SQL.update)).rowCount ?? 0;
    await s.query(APPLY_SQL.deleteMatched);
    const inserted = (await s.query(APPLY_SQL.insert)).rowCount ?? 0;
    await s.query(APPLY_SQL.drop);
    await s.query('COMMIT', undefined, { duringCommit: true });
    return { days, rows, updated, inserted };
  } catch (e) {
    await s.rollback();
    throw e;
  }
}

/** One day (`rsetl` and tests; the poll generates all its pending days at once). */
export function generateSnapshotDay(s: WarehouseSession, day: string): Promise<SnapshotDayResult> {
  return generateSnapshotDays(s, [day]);
}
