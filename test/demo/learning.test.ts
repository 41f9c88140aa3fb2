// The learning story of the demo stream: every learner event points at an enrolled user and at
// content published for the section, and each kind of event shows the variants the loader must
// handle (states, unsets, replies, closes, events without an edge path, ...).
import { describe, expect, it } from 'vitest';
import { generateDemoEvents, type DemoEvent } from '../../src/demo/generator.js';

const start = new Date('2025-01-06T00:00:00.000Z');
const end = new Date('2025-03-31T00:00:00.000Z');
const events: DemoEvent[] = [...generateDemoEvents({ start, end })];
const json = (e: DemoEvent) => e.datajson as Record<string, any>;
const ofType = (type: string) => events.filter((e) => json(e).eventType === type).map(json);
const ms = (iso: string) => new Date(iso).getTime();
const DAY = 86_400_000;

/** (user, section) → role, as enrolled by EnrollmentCreateEvent2 before `time`. */
function enrolledRole(userId: number, sectionId: number, time: string): string | undefined {
  return ofType('EnrollmentCreateEvent2').find((e) => e.user.id === userId && e.sectionId === sectionId && ms(e.time) <= ms(time))?.role;
}

/** Section → edge path → asset id, of the section's content tree. */
const trees = new Map<number, Map<string, number>>();
for (const c of ofType('SectionCreateEvent2')) trees.set(c.section.id, new Map((c.contents as any[]).map((n) => [n.edgePath, n.assetId])));

/** Asset id → the time of the first publish that carried it. */
const published = new Map<number, number>();
for (const p of ofType('PublishContentEvent1')) for (const a of p.assets as any[]) if (!published.has(a.id)) published.set(a.id, ms(p.time));

function expectPublished(sectionId: number, edgePath: string, assetId: number, time: string) {
  expect(trees.get(sectionId)?.get(edgePath), `${edgePath} in section ${sectionId}`).toBe(assetId);
  expect(published.get(assetId), `asset ${assetId} published`).toBeLessThanOrEqual(ms(time));
}

describe('the demo learning story', () => {
  it('publishes every asset of the content trees, survey questions included, before anything refers to it', () => {
    const publishes = ofType('PublishContentEvent1');
    const first = publishes.filter((p) => p.sectionIds === undefined);
    const updates = publishes.filter((p) => p.sectionIds !== undefined);
    expect(first).toHaveLength(3);
    expect(updates.length).toBeGreaterThan(0);
    const types = new Set(first.flatMap((p) => (p.assets as any[]).map((a) => a.typeId)));
    for (const t of ['course.1', 'lesson.1', 'discussion.1', 'assessment.1', 'assignment.1', 'survey.1', 'surveyChoiceQuestion.1', 'surveyEssayQuestion.1']) expect(types.has(t), t).toBe(true);
    for (const [, tree] of trees) for (const assetId of tree.values()) expect(published.has(assetId)).toBe(true);
    const firstSection = Math.min(...ofType('SectionCreateEvent2').map((s) => ms(s.time)));
    expect(Math.max(...first.map((p) => ms(p.time)))).toBeLessThanOrEqual(firstSection);
    for (const u of updates) for (const id of u.sectionIds as number[]) expect(trees.has(id)).toBe(true);
    for (const n of ofType('PageNavEvent').filter((n) => n.content)) expect(published.get(trees.get(n.course.section.id)!.get(n.content.contentId)!)).toBeLessThanOrEqual(ms(n.time));
  });

  it('moves attempts from Open through Submitted to Finalized, scored by hand by the section’s instructors', () => {
    const attempts = ofType('AttemptPutEvent1');
    const byId = new Map<number, any[]>();
    for (const a of attempts) byId.set(a.attemptId, [...(byId.get(a.attemptId) ?? []), a]);
    for (const [, puts] of byId) {
      expect(puts[0].state).toBe('Open');
      const order = ['Open', 'Submitted', 'Finalized'];
      for (let i = 1; i < puts.length; i++) expect(order.indexOf(puts[i].state)).toBeGreaterThanOrEqual(order.indexOf(puts[i - 1].state));
    }
    const manual = attempts.filter((a) => a.state === 'Finalized' && a.manualScore);
    expect(manual.length).toBeGreaterThan(50);
    for (const a of manual) expect(enrolledRole(a.scorerUserId, a.sectionId, a.time)).toBe('instructor');
    expect([...byId.values()].filter((puts) => puts.at(-1).state === 'Submitted').length).toBeGreaterThan(0); // awaiting a score
    expect(attempts.some((a) => a.state === 'Finalized' && !a.manualScore && a.scorerUserId === undefined)).toBe(true);
    expect(attempts.some((a) => a.maxMinutes === 20 && a.autoSubmitted === true)).toBe(true);
    expect(attempts.some((a) => a.valid === false)).toBe(true);
  });

  it('points grades, attempts, progress, time spent, posts, questions and surveys at enrolled learners and published content', () => {
    for (const g of ofType('GradePutEvent1')) {
      expect(enrolledRole(g.learner.id, g.section.id, g.time)).toBe('student');
      expectPublished(g.section.id, g.edgePath, g.assetId, g.time);
    }
    for (const g of ofType('GradeUnsetEvent')) {
      expect(enrolledRole(g.learner.id, g.course.section.id, g.time)).toBe('student');
      expect(enrolledRole(g.subject.id, g.course.section.id, g.time)).toBe('instructor');
      expect(trees.get(g.course.section.id)?.has(g.contentId.contentId)).toBe(true);
    }
    for (const a of ofType('AttemptPutEvent1')) {
      expect(enrolledRole(a.userId, a.sectionId, a.time)).toBe('student');
      expectPublished(a.sectionId, a.edgePath, a.assetId, a.time);
    }
    for (const p of ofType('ProgressPutEvent2')) {
      expect(enrolledRole(p.userId, p.sectionId, p.time)).toBe('student');
      for (const v of p.values) expectPublished(p.sectionId, v.edgePath, v.assetId, p.time);
    }
    for (const t of ofType('TimeSpentEvent2')) {
      expect(enrolledRole(t.user.id, t.context.id, t.time)).toBe('student');
      if (t.edgePath !== null) expectPublished(t.context.id, t.edgePath, t.assetId, t.time);
    }
    for (const d of ofType('DiscussionPostPutEvent1')) {
      expect(enrolledRole(d.userId, d.sectionId, d.time)).toBe(d.role);
      expectPublished(d.sectionId, d.edgePath, d.assetId, d.time);
    }
    for (const q of ofType('QnaThreadPutEvent1')) {
      expect(enrolledRole(q.userId, q.sectionId, q.time)).toBe('student');
      expect(trees.get(q.sectionId)?.has(q.edgePath)).toBe(true);
      if (q.instructorReplyUserId !== undefined) expect(enrolledRole(q.instructorReplyUserId, q.sectionId, q.time)).toBe('instructor');
    }
    for (const s of [...ofType('SurveySubmissionEvent1'), ...ofType('SurveySubmissionEvent2')]) {
      expect(enrolledRole(s.userId, s.sectionId, s.time)).toBe('student');
      expectPublished(s.sectionId, s.contentEdgePath, s.contentAssetId, s.time);
      for (const r of s.responses ?? []) expect(published.has(r.questionAssetId)).toBe(true);
    }
  });

  it('grades learners, unsets some grades and puts a few of them again a minute later', () => {
    const puts = ofType('GradePutEvent1');
    const unsets = ofType('GradeUnsetEvent');
    expect(puts.length).toBeGreaterThan(300);
    expect(unsets.length).toBeGreaterThan(5);
    const again = unsets.filter((u) =>
      puts.some((p) => p.learner.id === u.learner.id && p.edgePath === u.contentId.contentId && ms(p.time) > ms(u.time) && ms(p.time) - ms(u.time) < 2 * 60_000),
    );
    expect(again.length).toBeGreaterThan(0);
    expect(puts.some((p) => p.score.points_awarded % 1 !== 0)).toBe(true);
  });

  it('sends progress for the changed nodes only: the activity and its containers', () => {
    for (const p of ofType('ProgressPutEvent2')) {
      expect(p.values.length).toBe(4); // activity, lesson, module, course
      expect(p.values[0].total).toBe(1);
      expect(p.values[3].edgePath).toBe('_root_');
    }
    const values = ofType('ProgressPutEvent2').flatMap((p) => p.values);
    expect(values.some((v: any) => v.skipped > 0)).toBe(true);
    expect(values.some((v: any) => v.forCreditGrades === undefined)).toBe(true);
    expect(values.some((v: any) => v.forCreditGrades > 0)).toBe(true);
  });

  it('sends time spent with and without an edge path and asset', () => {
    const spent = ofType('TimeSpentEvent2');
    expect(spent.filter((t) => t.edgePath !== null && t.assetId !== null).length).toBeGreaterThan(500);
    expect(spent.filter((t) => t.edgePath === null && t.assetId === null).length).toBeGreaterThan(50);
  });

  it('has instructors reply to discussion threads: the first reply and some later ones', () => {
    const posts = ofType('DiscussionPostPutEvent1');
    const instructorPosts = posts.filter((p) => p.role === 'instructor');
    expect(instructorPosts.some((p) => p.depth === 0)).toBe(true);
    expect(instructorPosts.some((p) => p.depth === 1)).toBe(true);
    const replied = posts.filter((p) => p.instructorReplyUserId !== undefined);
    expect(replied.length).toBeGreaterThan(20);
    const repliesPerPost = new Map<number, number>();
    for (const p of replied) repliesPerPost.set(p.postId, (repliesPerPost.get(p.postId) ?? 0) + 1);
    expect([...repliesPerPost.values()].some((n) => n > 1)).toBe(true);
    for (const p of replied) expect(ms(p.instructorReplyTime)).toBeGreaterThanOrEqual(ms(p.createTime));
    expect(posts.some((p) => p.role === 'student' && p.depth === 1)).toBe(true);
  });

  it('has learners ask questions that instructors answer and categorise and learners close', () => {
    const puts = ofType('QnaThreadPutEvent1');
    const threads = new Set(puts.map((q) => q.threadId));
    expect(threads.size).toBeGreaterThan(20);
    expect(puts.some((q) => q.studentClosed === true)).toBe(true);
    expect(puts.some((q) => q.instructorReplyUserId !== undefined)).toBe(true);
    const categories = new Map<number, Set<string>>();
    for (const q of puts) if (q.category) categories.set(q.threadId, new Set([...(categories.get(q.threadId) ?? []), `${q.category}/${q.subcategory}`]));
    expect([...categories.values()].some((c) => c.size > 1)).toBe(true);
  });

  it('has learners answer the survey, v2 mostly and v1 now and then, one essay longer than 4096 bytes', () => {
    const v1 = ofType('SurveySubmissionEvent1');
    const v2 = ofType('SurveySubmissionEvent2');
    expect(v1.length).toBeGreaterThan(0);
    expect(v2.length).toBeGreaterThan(v1.length);
    for (const s of v1) expect(s.surveyAssetId).toBeUndefined();
    const responses = [...v1, ...v2].flatMap((s) => s.responses ?? []).map((r: any) => String(r.response));
    expect(responses.filter((r) => Buffer.byteLength(r) > 4096)).toHaveLength(1);
  });

  it('has users close tutorials, played automatically on a first visit or replayed', () => {
    const views = ofType('TutorialViewEvent1');
    expect(views.some((v) => v.autoPlay && v.complete)).toBe(true);
    expect(views.some((v) => v.autoPlay && !v.complete)).toBe(true);
    expect(views.some((v) => !v.autoPlay)).toBe(true);
  });

  it('obfuscates one learner who dropped the course, after their last event', () => {
    const [gdpr, ...more] = ofType('UserObfuscateEvent1');
    expect(more).toHaveLength(0);
    const id = gdpr!.userId;
    const enrollments = ofType('EnrollmentCreateEvent2').filter((e) => e.user.id === id);
    expect(enrollments).toEqual([expect.objectContaining({ role: 'student' })]);
    expect(ofType('EnrollmentDeleteEvent1').some((d) => d.enrollmentId === enrollments[0]!.enrollmentId && ms(d.time) < ms(gdpr!.time))).toBe(true);
    const mentions = (e: Record<string, any>) =>
      [e.userId, e.user?.id, e.learner?.id, e.scorerUserId, e.instructorReplyUserId, e.subject?.id].includes(id);
    const index = events.findIndex((e) => json(e).eventType === 'UserObfuscateEvent1');
    expect(events.slice(index + 1).filter((e) => mentions(json(e)))).toEqual([]);
    expect(events.slice(0, index).filter((e) => mentions(json(e))).length).toBeGreaterThan(5);
  });

  it('requests the instructor snapshot of the previous day, every day', () => {
    const snapshots = ofType('InstructorSnapshotDayCreateEvent1');
    expect(snapshots).toHaveLength(84);
    for (const s of snapshots) expect(ms(s.time) - ms(s.snapshotDay)).toBe(DAY);
    expect(new Set(snapshots.map((s) => s.snapshotDay.slice(0, 10))).size).toBe(84);
  });

  it('has instructors enter their sections and visit the discussions', () => {
    const instructors = new Set(ofType('EnrollmentCreateEvent2').filter((e) => e.role === 'instructor').map((e) => e.user.id));
    expect(ofType('SectionEntryEvent1').filter((e) => e.role === 'instructor').length).toBeGreaterThan(40);
    expect(ofType('PageNavEvent').filter((n) => instructors.has(n.user.id) && n.contentType === 'discussion.1').length).toBeGreaterThan(20);
  });
});
