// Every event type into every table through the local stack. The same stream is loaded twice:
// once in a single load and once in ~50 windows (two domains, two schemas); both must end with
// identical tables, and the tables must match expectations computed from the raw events here,
// independently of rsetl's transforms and combine step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEtl } from '../../src/admin/init-etl.js';
import { generateDemoEvents, type DemoEvent } from '../../src/demo/generator.js';
import { insertOutboxEvents } from '../../src/demo/outbox.js';
import { CREATION_ORDER } from '../../src/model/tables.js';
import { pollOnce, type BusOutcome } from '../../src/pipeline/poller.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let t: TestStack;
let stream: DemoEvent[];
let single: BusOutcome;
let windowed: BusOutcome;

const kind = (e: DemoEvent) => (e.datajson as { eventType: string }).eventType;
const all = (type: string) => stream.filter((e) => kind(e) === type).map((e) => e.datajson as Record<string, any>);

async function rows(sql: string, params?: unknown[]): Promise<Record<string, any>[]> {
  return t.warehouse(sql, params);
}
const count = async (table: string) => (await rows(`select count(*)::int as n from one.${table}`))[0]!.n as number;

beforeAll(async () => {
  t = await startTestStack();
  const end = new Date(Date.now() - 10 * 60_000);
  const start = new Date(end.getTime() - 5 * 3600_000);
  stream = [...generateDemoEvents({ start, end, users: 80, sections: 3, seed: 11 })];
  const since = '2000-01-01 00:00:00';
  await initEtl(t.conn, t.config, { schema: 'one', rootId: '1', since });
  await initEtl(t.conn, t.config, { schema: 'fifty', rootId: '2', since });
  await insertOutboxEvents(t.source, stream.map((e) => ({ ...e, rootId: '1' })), { firstId: 1_000_000 });
  await insertOutboxEvents(t.source, stream.map((e) => ({ ...e, rootId: '2' })), { firstId: 50_000_000 });
  [single] = (await pollOnce(t.conn, t.config, { buses: ['one'] })).buses as [BusOutcome];
  [windowed] = (await pollOnce(t.conn, t.config, { buses: ['fifty'], limit: Math.ceil(stream.length / 50) })).buses as [BusOutcome];
}, 180_000);

afterAll(async () => {
  await t?.stop();
});

describe('the whole schema', () => {
  it('loads the stream in one load, and in about fifty', () => {
    expect(stream.length).toBeGreaterThan(3000);
    expect(new Set(stream.map(kind)).size).toBe(22);
    expect(single.status).toBe('caught-up');
    expect(single.loads.filter((l) => l.outcome === 'loaded')).toHaveLength(1);
    expect(windowed.status).toBe('caught-up');
    expect(windowed.loads.filter((l) => l.outcome === 'loaded').length).toBeGreaterThanOrEqual(50);
  });

  it('fills every table', async () => {
    for (const table of CREATION_ORDER) expect(await count(table), table).toBeGreaterThan(0);
  });

  it('gives identical tables whether the stream came in one load or in fifty windows', async () => {
    for (const table of CREATION_ORDER.filter((x) => x !== 'activity')) {
      const diff = await rows(
        `select count(*)::int as n from ((select * from one.${table} except all select * from fifty.${table})
           union all (select * from fifty.${table} except all select * from one.${table})) d`,
      );
      expect(diff[0]!.n, table).toBe(0);
    }
    // activity is per ETL run (etltime): compare what was active, not when it was loaded.
    const activity = await rows(
      `select count(*)::int as n from ((select sectionid, userid, edgepath from one.activity except select sectionid, userid, edgepath from fifty.activity)
         union all (select sectionid, userid, edgepath from fifty.activity except select sectionid, userid, edgepath from one.activity)) d`,
    );
    expect(activity[0]!.n).toBe(0);
    const mv = await rows(`select count(*)::int as n from ((select * from one.timespent except all select * from fifty.timespent) union all (select * from fifty.timespent except all select * from one.timespent)) d`);
    expect(mv[0]!.n).toBe(0);
  });
});

describe('table contents, computed from the raw events', () => {
  it('appends one row per fact event (per response, per progress value)', async () => {
    expect(await count('pagenavevent')).toBe(all('PageNavEvent').length);
    expect(await count('sessionevent')).toBe(all('SessionEvent').length);
    expect(await count('sectionentry')).toBe(all('SectionEntryEvent1').length);
    expect(await count('tutorialview')).toBe(all('TutorialViewEvent1').length);
    expect(await count('timespentdiscrete')).toBe(all('TimeSpentEvent2').filter((d) => d.edgePath != null && d.assetId != null).length);
    const responses = [...all('SurveySubmissionEvent1'), ...all('SurveySubmissionEvent2')].reduce((a, d) => a + (d.responses?.length ?? 0), 0);
    expect(await count('surveyquestionresponse')).toBe(responses);
    expect(await count('progressovertime')).toBe(all('ProgressPutEvent2').reduce((a, d) => a + (d.values?.length ?? 0), 0));
    const [v2] = await rows(`select count(*)::int as n from one.surveyquestionresponse where surveyassetid is not null`);
    expect(v2!.n).toBe(all('SurveySubmissionEvent2').reduce((a, d) => a + (d.responses?.length ?? 0), 0));
  });

  it('keeps one row per entity, in its latest state', async () => {
    expect(await count('asset')).toBe(new Set(all('PublishContentEvent1').flatMap((d) => (d.assets ?? []).map((a: { id: number }) => a.id))).size);
    const progressKeys = new Set(all('ProgressPutEvent2').flatMap((d) => (d.values ?? []).map((v: { edgePath: string }) => `${d.sectionId}|${d.userId}|${v.edgePath}`)));
    expect(await count('progress')).toBe(progressKeys.size);

    const attempts = new Map<number, string>();
    for (const d of all('AttemptPutEvent1')) attempts.set(d.attemptId, d.state);
    expect(await count('attempt')).toBe(attempts.size);
    const stored = await rows(`select id::text as id, state from one.attempt`);
    for (const r of stored) expect(r.state, `attempt ${r.id}`).toBe(attempts.get(Number(r.id)));

    const grades = new Map<string, boolean>();
    for (const e of stream) {
      const d = e.datajson as Record<string, any>;
      if (kind(e) === 'GradePutEvent1') grades.set(`${d.learner.id}|${d.section.id}|${d.edgePath}`, true);
      if (kind(e) === 'GradeUnsetEvent') grades.set(`${d.learner.id}|${d.course.section.id}|${d.contentId.contentId}`, false);
    }
    expect(await count('grade')).toBe([...grades.values()].filter(Boolean).length);
    expect([...grades.values()].some((live) => !live) || all('GradeUnsetEvent').length > 0).toBe(true);
  });

  it('records only the first instructor reply of a discussion post', async () => {
    const firstReply = new Map<number, number | null>();
    for (const d of all('DiscussionPostPutEvent1')) {
      if (!firstReply.has(d.postId) || firstReply.get(d.postId) == null) firstReply.set(d.postId, d.instructorReplyUserId ?? null);
    }
    expect(await count('discussionpost')).toBe(firstReply.size);
    const stored = await rows(`select postid::text as postid, instructorreplyuserid::text as r from one.discussionpost`);
    for (const r of stored) expect(r.r === null ? null : Number(r.r), `post ${r.postid}`).toBe(firstReply.get(Number(r.postid)));
    expect(stored.some((r) => r.r !== null)).toBe(true);
  });

  it('keeps a Q&A thread closed once the student closed it, with the latest category', async () => {
    const closed = new Map<number, boolean>();
    const category = new Map<number, string | null>();
    for (const d of all('QnaThreadPutEvent1')) {
      closed.set(d.threadId, (closed.get(d.threadId) ?? false) || Boolean(d.studentClosed));
      category.set(d.threadId, d.category ?? null);
    }
    const stored = await rows(`select threadid::text as id, studentclosed, category from one.qnathread`);
    expect(stored).toHaveLength(closed.size);
    for (const r of stored) {
      expect(r.studentclosed, `thread ${r.id}`).toBe(closed.get(Number(r.id)));
      expect(r.category, `thread ${r.id}`).toBe(category.get(Number(r.id)));
    }
  });

  it('obfuscates the personal columns of a forgotten user', async () => {
    const [forgotten] = all('UserObfuscateEvent1');
    const [row] = await rows(`select * from one.usr where id = $1`, [forgotten!.userId]);
    expect(row).toBeDefined();
    const { id, ...personal } = row!;
    expect(Object.values(personal).every((v) => v === null)).toBe(true);
    expect(id).toBe(String(forgotten!.userId));
  });

  it('writes activity once per (section, user, edge path) of a load, never for maintenance events', async () => {
    const [dups] = await rows(`select count(*)::int as n from (select sectionid, userid, edgepath, etltime from one.activity group by 1, 2, 3, 4 having count(*) > 1) d`);
    expect(dups!.n).toBe(0);
    const keys = new Set<string>();
    for (const e of stream) {
      const d = e.datajson as Record<string, any>;
      if (d.maintenance === true) continue;
      switch (kind(e)) {
        case 'GradePutEvent1':
          keys.add(`${d.section.id}|${d.learner.id}|${d.edgePath}`);
          break;
        case 'GradeUnsetEvent':
          keys.add(`${d.course.section.id}|${d.learner.id}|${d.contentId.contentId}`);
          break;
        case 'TimeSpentEvent2':
          if (d.edgePath != null && d.assetId != null) keys.add(`${d.context.id}|${d.user.id}|${d.edgePath}`);
          break;
        case 'AttemptPutEvent1':
          if (d.state !== 'Open') keys.add(`${d.sectionId}|${d.userId}|${d.edgePath}`);
          break;
        case 'ProgressPutEvent2':
          for (const v of d.values ?? []) keys.add(`${d.sectionId}|${d.userId}|${v.edgePath}`);
          break;
      }
    }
    expect(await count('activity')).toBe(keys.size);
  });

  it('refreshes the timespent materialized view after the load and generates the requested snapshot days', async () => {
    const [mv] = await rows(`select count(*)::int as n from one.timespent`);
    const [groups] = await rows(`select count(*)::int as n from (select distinct userid, edgepath, sectionid from one.timespentdiscrete) g`);
    expect(mv!.n).toBe(groups!.n);
    const days = new Set(all('InstructorSnapshotDayCreateEvent1').map((d) => String(d.snapshotDay).slice(0, 10)));
    const [snap] = await rows(`select count(distinct date)::int as n from one.instructorsnapshotday`);
    expect(snap!.n).toBe(days.size);
    const bus = (await (await t.conn.control()).buses.findBus('one'));
    expect(bus.pendingSnapshotDays).toEqual([]);
    expect(bus.lastMvRefresh).not.toBeNull();
  });
});
