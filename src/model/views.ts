// The 11 Redshift views (docs/schema.md#views), each declared once, in the old system's
// creation order: later views read earlier ones. Bodies are Redshift SQL over the bus
// schema's UNQUALIFIED table names, so they are created with search_path on that schema
// (warehouse/views.ts). Only functions real Redshift has: DATEDIFF counts day/hour boundaries
// crossed, TRUNC(timestamp) is its date, current_date and GETDATE() are UTC (sessions run in UTC,
// docs/design.md#transform). "Holds an active enrollment" is a join to the DISTINCT (userid, sectionid) pairs, so a
// user with two active enrollments in one section does not duplicate rows.
import { ident } from '../sql/quote.js';
import { enrollment, section } from './tables.js';

export interface ViewDef {
  readonly name: string;
  /** Output columns, in order. */
  readonly columns: readonly string[];
  /** `timespent` only: a MATERIALIZED VIEW ... AUTO REFRESH NO, refreshed by rsetl (at most hourly). */
  readonly materialized: boolean;
  /** The SELECT that defines the view. */
  readonly select: string;
}

const sectionColumns = Object.keys(section.columns);
const enrollmentColumns = Object.keys(enrollment.columns);
const list = (alias: string, cols: readonly string[]) => cols.map((c) => `${alias}.${ident(c)}`).join(', ');

/** Not disabled (null counts as enabled), started by today and not ended before today. */
const isActive = (a: string) =>
  `(${a}.disabled IS NULL OR ${a}.disabled = false)
  AND (${a}.starttime IS NULL OR TRUNC(${a}.starttime) <= current_date)
  AND (${a}.endtime IS NULL OR TRUNC(${a}.endtime) >= current_date)`;

/** The distinct (userid, sectionid) pairs holding an active enrollment in a role. */
const holders = (role: 'instructor' | 'student') =>
  `(SELECT DISTINCT userid, sectionid FROM activeenrollment WHERE role = '${role}')`;

const view = (name: string, columns: readonly string[], select: string, materialized = false): ViewDef => ({
  name, columns, materialized, select: select.trim(),
});

const postColumns = ['postid', 'userid', 'sectionid', 'edgepath', 'assetid', 'createtime'];

export const VIEWS: readonly ViewDef[] = [
  view('activesection', sectionColumns, `
SELECT ${list('s', sectionColumns)}
FROM section s
WHERE ${isActive('s')}`),

  view('activeenrollment', enrollmentColumns, `
SELECT ${list('e', enrollmentColumns)}
FROM enrollment e
JOIN activesection s ON s.id = e.sectionid
WHERE ${isActive('e')}`),

  view('mostrecentinstructorentry', ['userid', 'sectionid', 'mostrecententry', 'daylag'], `
SELECT e.userid, e.sectionid, MAX(se."time") AS mostrecententry,
  DATEDIFF(day, MAX(se."time"), current_date) AS daylag
FROM activeenrollment e
LEFT JOIN sectionentry se ON se.userid = e.userid AND se.sectionid = e.sectionid AND se.role = 'instructor'
WHERE e.role = 'instructor'
GROUP BY e.userid, e.sectionid`),

  view('overdueattempt', ['id', 'instructoruserid', 'learneruserid', 'sectionid', 'edgepath', 'assetid', 'state', 'valid', 'createtime', 'submittime'], `
SELECT a.id, i.userid AS instructoruserid, a.userid AS learneruserid, a.sectionid, a.edgepath, a.assetid,
  a.state, a.valid, a.createtime, a.submittime
FROM attempt a
JOIN ${holders('instructor')} i ON i.sectionid = a.sectionid
WHERE a.state = 'Submitted' AND a.manualscore = true AND a.valid = true
  AND DATEDIFF(day, a.submittime, current_date) > 2`),

  view('instructordiscussionthread', postColumns, `
SELECT ${list('p', postColumns)}
FROM discussionpost p
JOIN ${holders('instructor')} i ON i.userid = p.userid AND i.sectionid = p.sectionid
WHERE p.role = 'instructor' AND p.depth = 0`),

  view('instructordiscussionreply', [...postColumns, 'depth'], `
SELECT ${list('p', [...postColumns, 'depth'])}
FROM discussionpost p
JOIN ${holders('instructor')} i ON i.userid = p.userid AND i.sectionid = p.sectionid
WHERE p.role = 'instructor' AND p.depth > 0`),

  view('instructordiscussionvisit', ['id', 'userid', 'sectionid', 'edgepath', 'assettitle', 'time'], `
SELECT ${list('v', ['id', 'userid', 'sectionid', 'edgepath', 'assettitle', 'time'])}
FROM pagenavevent v
JOIN ${holders('instructor')} i ON i.userid = v.userid AND i.sectionid = v.sectionid
WHERE v.assettypeid = 'discussion.1'`),

  view('studentdiscussionthread', [...postColumns, 'instructorreplyuserid', 'instructorreplytime', 'instructorreplyhourlag'], `
SELECT ${list('p', [...postColumns, 'instructorreplyuserid', 'instructorreplytime', 'instructorreplyhourlag'])}
FROM discussionpost p
JOIN ${holders('student')} i ON i.userid = p.userid AND i.sectionid = p.sectionid
WHERE p.role = 'student' AND p.depth = 0`),

  view('timespent', ['userid', 'edgepath', 'sectionid', 'duration', 'assetid'], `
SELECT userid, edgepath, sectionid, SUM(duration) AS duration, MAX(assetid) AS assetid
FROM timespentdiscrete
GROUP BY userid, edgepath, sectionid`, true),

  // The reference calls this a slow query: every timespentdiscrete row since 2022 joins its content.
  view('timespentmodule', ['sectionid', 'userid', 'moduleedgepath', 'moduleassetid', 'duration'], `
SELECT t.sectionid, t.userid, t.moduleedgepath, m.assetid AS moduleassetid, t.duration
FROM (
  SELECT d.sectionid, d.userid, c.moduleedgepath, SUM(d.duration) AS duration
  FROM timespentdiscrete d
  JOIN sectioncontent c ON c.sectionid = d.sectionid AND c.edgepath = d.edgepath
  WHERE d.endtime > '2022-01-01'
  GROUP BY d.sectionid, d.userid, c.moduleedgepath
) t
JOIN sectioncontent m ON m.sectionid = t.sectionid AND m.edgepath = t.moduleedgepath`),

  view('unscoredattempt', ['id', 'userid', 'sectionid', 'edgepath', 'assetid', 'createtime', 'submittime', 'waithour', 'waitday'], `
SELECT id, userid, sectionid, edgepath, assetid, createtime, submittime,
  DATEDIFF(hour, submittime, GETDATE()) AS waithour,
  DATEDIFF(day, submittime, GETDATE()) AS waitday
FROM attempt
WHERE state = 'Submitted' AND valid = true AND manualscore = true`),
];

/** The DDL of one view: CREATE OR REPLACE for plain views; the MV's CREATE (not re-runnable). */
export function createViewSql(v: ViewDef): string {
  return v.materialized
    ? `CREATE MATERIALIZED VIEW ${ident(v.name)} AUTO REFRESH NO AS\n${v.select}`
    : `CREATE OR REPLACE VIEW ${ident(v.name)} AS\n${v.select}`;
}
