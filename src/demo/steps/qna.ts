// Questions and answers (QnaThreadPutEvent1, NON_EMPTY): a learner asks about an activity; the
// instructor answers in a later session, often categorising the thread, sometimes re-categorising
// it later; the learner may close it. Every put carries the thread's whole state at that moment
// (reply fields, the latest category, studentClosed), as the platform's single event type does.
import type { DemoThread } from '../learning-plan.js';
import type { Random } from '../random.js';
import type { Activity, DemoDraft, DemoStep } from '../timeline.js';
import type { World } from '../world.js';
import { eventJson, iso } from './event-json.js';

export const qnaStep: DemoStep = {
  name: 'qna',
  plan(world, rng) {
    return world.learning.threads.map((t): Activity => {
      const r = rng.fork();
      return { at: t.createdAt, expand: () => threadEvents(world, t, r) };
    });
  },
};

function threadEvents(world: World, t: DemoThread, r: Random): DemoDraft[] {
  const learner = t.session.enrollment;
  const put = (time: number, session: number) => {
    const reply = t.reply && t.reply.at <= time ? t.reply : null;
    const category = t.categories.filter((c) => c.at <= time).at(-1);
    return eventJson(r, world, 'QnaThreadPutEvent1', time, {
      actionType: 'put',
      session,
      threadId: t.id,
      questionId: t.questionId,
      userId: learner.user.id,
      sectionId: learner.section.id,
      edgePath: t.item.page.edgePath,
      createTime: iso(t.createdAt),
      ...(reply ? { instructorReplyUserId: reply.instructor.user.id, instructorReplyTime: iso(reply.at) } : {}),
      instructorClosed: false,
      studentClosed: t.closed !== null && t.closed.at <= time,
      ...(category ? { category: category.category, ...(category.subcategory ? { subcategory: category.subcategory } : {}) } : {}),
    });
  };
  const events = [put(t.createdAt, t.session.id)];
  const changes = [
    ...(t.reply ? [{ at: t.reply.at, session: t.reply.session.id }] : []),
    ...t.categories.filter((c) => c.at !== t.reply?.at).map((c) => ({ at: c.at, session: c.session.id })),
    ...(t.closed ? [{ at: t.closed.at, session: t.closed.session.id }] : []),
  ].sort((a, b) => a.at - b.at);
  for (const c of changes) events.push(put(c.at, c.session));
  return events;
}
