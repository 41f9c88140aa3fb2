// The 20 Redshift tables, each declared once (docs/schema.md#tables, which
// test/docs/schema-doc.test.ts checks against them). The order of `TABLES` is the order of
// operations inside one load transaction (docs/schema.md#load-order), so a load applies its tables
// by walking this list.
import { bool, date, decimal, int4, int8, timestamp, varchar, type Columns, type RowOf } from './columns.js';

/**
 * How a table's staged rows reach the target (docs/schema.md#write-rules):
 * - append: COPY straight into the target (facts, one row per event);
 * - insertNew: rows whose key already exists are dropped; existing rows never change;
 * - merge: full replace of matched rows, insert of the others (Redshift MERGE);
 * - setReplace: every target row of a touched group (a section) is replaced by the staged set;
 * - gradeUpsert / firstInstructorReply / qnaThread: the reference's special upserts;
 * - generated: not staged from events (computed in Redshift after the load).
 */
export type WriteRule =
  | { kind: 'append'; dedupKey?: readonly string[] }
  | { kind: 'insertNew'; key: readonly string[] }
  | { kind: 'merge'; key: readonly string[] }
  | { kind: 'setReplace'; key: readonly string[]; group: readonly string[] }
  | { kind: 'gradeUpsert'; key: readonly string[] }
  | { kind: 'firstInstructorReply'; key: readonly string[] }
  | { kind: 'qnaThread'; key: readonly string[] }
  | { kind: 'generated'; key: readonly string[] };

export interface TableDef<C extends Columns = Columns, N extends string = string> {
  readonly name: N;
  readonly columns: C;
  readonly primaryKey?: readonly (keyof C & string)[];
  readonly distKey?: keyof C & string;
  readonly sortKey?: keyof C & string;
  readonly rule: WriteRule;
  /** Events may delete rows of this table by the rule's key (section, enrollment, grade). */
  readonly deletable?: boolean;
}

function table<const N extends string, C extends Columns>(def: TableDef<C, N>): TableDef<C, N> {
  return def;
}

const v255 = () => varchar(255);

export const asset = table({
  name: 'asset',
  columns: {
    id: int8().nn,
    name: varchar(36).nn,
    typeid: varchar(255).nn,
    title: v255(),
    keywords: v255(),
    forcredit: bool(),
    pointspossible: decimal(),
  },
  primaryKey: ['id'],
  rule: { kind: 'insertNew', key: ['id'] },
});

export const section = table({
  name: 'section',
  columns: {
    id: int8().nn,
    externalid: v255(),
    name: v255(),
    integrationuniqueid: v255(),
    integrationsystemid: int8(),
    integrationsystemidentifier: v255(),
    integrationsystemname: v255(),
    offeringid: int8(),
    offeringgroupid: v255(),
    offeringname: v255(),
    disabled: bool(),
    starttime: timestamp(),
    endtime: timestamp(),
    groupid: v255(),
  },
  primaryKey: ['id'],
  rule: { kind: 'merge', key: ['id'] },
  deletable: true,
});

export const usr = table({
  name: 'usr',
  columns: {
    id: int8().nn,
    externalid: v255(),
    email: v255(),
    username: v255(),
    emaildomain: v255(),
    givenname: v255(),
    familyname: v255(),
    fullname: v255(),
    subtenantid: v255(),
    subtenantname: v255(),
    integration: v255(),
    uniqueid: v255(),
  },
  primaryKey: ['id'],
  rule: { kind: 'merge', key: ['id'] },
});

export const sectioncontent = table({
  name: 'sectioncontent',
  columns: {
    sectionid: int8().nn,
    edgepath: varchar(32).nn,
    assetid: int8().nn,
    parentedgepath: varchar(32),
    parentassetid: int8(),
    courseassetid: int8(),
    moduleedgepath: varchar(32),
    moduleassetid: int8(),
    lessonedgepath: varchar(32),
    lessonassetid: int8(),
    forcreditpointspossible: decimal(),
    forcredititemcount: int8(),
    learningpathindex: int4(),
  },
  primaryKey: ['sectionid', 'edgepath'],
  rule: { kind: 'setReplace', key: ['sectionid', 'edgepath'], group: ['sectionid'] },
});

export const sectionentry = table({
  name: 'sectionentry',
  columns: {
    userid: int8(),
    sectionid: int8(),
    time: timestamp().nn,
    sessionid: int8(),
    role: varchar(64),
    originsectionid: int8(),
  },
  rule: { kind: 'append' },
});

export const session = table({
  name: 'session',
  columns: {
    id: int8().nn,
    start: timestamp().nn,
    userid: int8().nn,
    userextid: varchar(256),
    requesturl: varchar(1024),
    ipaddress: varchar(256),
    referrer: varchar(1024),
    acceptlanguage: varchar(2048),
    useragent: varchar(1024),
    authmethod: varchar(256),
  },
  primaryKey: ['id'],
  rule: { kind: 'insertNew', key: ['id'] },
});

export const sessionevent = table({
  name: 'sessionevent',
  columns: {
    id: varchar(36).nn,
    time: timestamp().nn,
    source: varchar(1024),
    sessionid: int8(),
    actiontype: varchar(256).nn,
    userid: int8().nn,
    userextid: varchar(256),
    requesturl: varchar(1024),
    ipaddress: varchar(256),
    referrer: varchar(1024),
    acceptlanguage: varchar(2048),
    useragent: varchar(1024),
    authmethod: varchar(256),
    lastactive: timestamp(),
    becameactive: timestamp(),
  },
  rule: { kind: 'append' },
});

export const grade = table({
  name: 'grade',
  columns: {
    userid: int8().nn,
    sectionid: int8().nn,
    edgepath: varchar(32).nn,
    assetid: int8().nn,
    time: timestamp().nn,
    forcredit: bool().nn,
    pointsawarded: decimal().nn,
    pointspossible: decimal().nn,
    percentage: decimal().nn,
  },
  primaryKey: ['userid', 'sectionid', 'edgepath'],
  rule: { kind: 'gradeUpsert', key: ['userid', 'sectionid', 'edgepath'] },
  deletable: true,
});

export const surveyquestionresponse = table({
  name: 'surveyquestionresponse',
  columns: {
    userid: int8().nn,
    sectionid: int8().nn,
    attemptid: varchar(36).nn,
    time: timestamp().nn,
    contentassetid: int8().nn,
    contentedgepath: varchar(32).nn,
    questionassetid: int8().nn,
    response: varchar(4096).nn,
    surveyassetid: int8(),
    surveyedgepath: varchar(32),
  },
  rule: { kind: 'append' },
});

export const timespentdiscrete = table({
  name: 'timespentdiscrete',
  columns: {
    userid: int8(),
    edgepath: varchar(32),
    sectionid: int8(),
    endtime: timestamp().nn,
    duration: int8().nn,
    assetid: int8().nn,
    eventid: varchar(36).nn,
    originsectionid: int8(),
  },
  sortKey: 'endtime',
  rule: { kind: 'append' },
});

export const discussionpost = table({
  name: 'discussionpost',
  columns: {
    postid: int8().nn,
    userid: int8().nn,
    sectionid: int8().nn,
    edgepath: varchar(32).nn,
    assetid: int8().nn,
    role: varchar(64).nn,
    depth: int4().nn,
    createtime: timestamp().nn,
    instructorreplyuserid: int8(),
    instructorreplytime: timestamp(),
    instructorreplyhourlag: int4(),
  },
  primaryKey: ['postid'],
  rule: { kind: 'firstInstructorReply', key: ['postid'] },
});

export const enrollment = table({
  name: 'enrollment',
  columns: {
    id: int8().nn,
    userid: int8(),
    sectionid: int8(),
    role: varchar(64).nn,
    disabled: bool().nn,
    starttime: timestamp(),
    endtime: timestamp(),
    datasource: v255(),
  },
  primaryKey: ['id'],
  rule: { kind: 'merge', key: ['id'] },
  deletable: true,
});

export const attempt = table({
  name: 'attempt',
  columns: {
    id: int8().nn,
    userid: int8().nn,
    sectionid: int8().nn,
    edgepath: varchar(32).nn,
    assetid: int8().nn,
    state: varchar(32).nn,
    valid: bool().nn,
    manualscore: bool().nn,
    createtime: timestamp().nn,
    submittime: timestamp(),
    scoretime: timestamp(),
    scorepointsawarded: decimal(),
    scorepointspossible: decimal(),
    scorepercentage: decimal(),
    scoreruserid: int8(),
    timetoscorehours: int4(),
    timetoscoredays: int4(),
    updatetime: timestamp(),
    maxminutes: int4(),
    autosubmitted: bool(),
  },
  primaryKey: ['id'],
  rule: { kind: 'merge', key: ['id'] },
});

export const pagenavevent = table({
  name: 'pagenavevent',
  columns: {
    id: varchar(36).nn,
    time: timestamp().nn,
    source: varchar(1024),
    sessionid: int8().nn,
    userid: int8().nn,
    userextid: varchar(256),
    url: varchar(1024).nn,
    pagetitle: varchar(1024),
    sectionid: int8(),
    sectionextid: varchar(256),
    edgepath: varchar(32),
    assettypeid: v255(),
    assettitle: v255(),
    er: bool(),
  },
  rule: { kind: 'append' },
});

const progressCounts = {
  completions: int4().nn,
  total: int4().nn,
  visited: int4().nn,
  testedout: int4().nn,
  skipped: int4().nn,
  forcreditgrades: int4().nn,
  forcreditgradespossible: int4().nn,
};

export const progress = table({
  name: 'progress',
  columns: {
    sectionid: int8().nn,
    userid: int8().nn,
    edgepath: varchar(32).nn,
    assetid: int8().nn,
    ...progressCounts,
    percentage: decimal(),
    updatetime: timestamp(),
  },
  primaryKey: ['sectionid', 'userid', 'edgepath'],
  distKey: 'edgepath',
  rule: { kind: 'merge', key: ['sectionid', 'userid', 'edgepath'] },
});

export const progressovertime = table({
  name: 'progressovertime',
  columns: {
    sectionid: int8().nn,
    userid: int8().nn,
    edgepath: varchar(32).nn,
    assetid: int8().nn,
    time: timestamp().nn,
    ...progressCounts,
    percentage: decimal().nn,
  },
  sortKey: 'time',
  rule: { kind: 'append' },
});

export const tutorialview = table({
  name: 'tutorialview',
  columns: {
    userid: int8().nn,
    time: timestamp().nn,
    tutorialname: varchar(255).nn,
    autoplay: bool().nn,
    step: int4().nn,
    complete: bool().nn,
  },
  rule: { kind: 'append' },
});

export const qnathread = table({
  name: 'qnathread',
  columns: {
    threadid: int8().nn,
    questionid: int8().nn,
    userid: int8().nn,
    sectionid: int8().nn,
    edgepath: varchar(32).nn,
    createtime: timestamp().nn,
    instructorreplyuserid: int8(),
    instructorreplytime: timestamp(),
    instructorreplyhourlag: int4(),
    studentclosed: bool().nn,
    category: varchar(256),
    subcategory: varchar(256),
  },
  primaryKey: ['threadid'],
  rule: { kind: 'qnaThread', key: ['threadid'] },
});

// rsetl keys activity rows by (sectionid, userid, edgepath, etltime) instead of a random UUID, so a
// replayed load cannot add duplicates (docs/schema.md#activity); `id` is a deterministic hash of that key.
export const activity = table({
  name: 'activity',
  columns: {
    id: varchar(36).nn,
    etltime: timestamp().nn,
    sectionid: int8().nn,
    userid: int8().nn,
    edgepath: varchar(32).nn,
  },
  primaryKey: ['id'],
  sortKey: 'etltime',
  rule: { kind: 'append', dedupKey: ['id'] },
});

export const instructorsnapshotday = table({
  name: 'instructorsnapshotday',
  columns: {
    userid: int8().nn,
    sectionid: int8().nn,
    date: date().nn,
    numsectionentry: int4(),
    numattemptgrade: int4(),
    numdiscussionpost: int4(),
    numdiscussionreply: int4(),
    numdiscussionvisit: int4(),
    numdiscussioninteraction: int4(),
  },
  primaryKey: ['userid', 'sectionid', 'date'],
  sortKey: 'date',
  rule: { kind: 'generated', key: ['userid', 'sectionid', 'date'] },
});

/** Every table, in load order (docs/schema.md#load-order). */
export const TABLES = [
  asset,
  section,
  usr,
  sectioncontent,
  sectionentry,
  session,
  sessionevent,
  grade,
  surveyquestionresponse,
  timespentdiscrete,
  discussionpost,
  enrollment,
  attempt,
  pagenavevent,
  progress,
  progressovertime,
  tutorialview,
  qnathread,
  activity,
  instructorsnapshotday,
] as const;

export type AnyTable = (typeof TABLES)[number];
export type TableName = AnyTable['name'];

/** Row types per table name, derived from the declarations above. */
export type Rows = { [T in AnyTable as T['name']]: RowOf<T['columns']> };

/**
 * Creation order (the old system's; docs/schema.md#load-order): dimensions first, so
 * informational REFERENCES clauses would resolve. rsetl emits no FK clauses, but keeps the
 * reference's order for readability.
 */
export const CREATION_ORDER: readonly TableName[] = [
  'asset', 'usr', 'section', 'session', 'sessionevent', 'activity', 'attempt', 'enrollment', 'grade',
  'pagenavevent', 'progress', 'progressovertime', 'sectionentry', 'sectioncontent', 'instructorsnapshotday',
  'surveyquestionresponse', 'timespentdiscrete', 'tutorialview', 'discussionpost', 'qnathread',
];

/** The same list, widened to the common TableDef type for code that walks every table. */
export const TABLE_DEFS: readonly TableDef[] = TABLES as unknown as readonly TableDef[];

const BY_NAME = new Map<string, TableDef>(TABLE_DEFS.map((t) => [t.name, t]));

export function tableByName(name: string): TableDef {
  const t = BY_NAME.get(name);
  if (!t) throw new Error(`unknown table ${name}`);
  return t;
}

/** The key columns a row of this table is identified by, or undefined for plain append tables. */
export function keyOf(t: TableDef): readonly string[] | undefined {
  return 'key' in t.rule ? t.rule.key : t.rule.kind === 'append' ? t.rule.dedupKey : undefined;
}
