// Discussions (DiscussionPostPutEvent1, NON_EMPTY): learners start threads and reply to each
// other; instructors start threads too, and reply to learners' threads in a later session. Each
// instructor reply is a post of its own and puts the learner's post again with the reply's author
// and time: the first reply is the one Redshift keeps, a later one is ignored.
import type { DemoPost } from '../learning-plan.js';
import type { Random } from '../random.js';
import type { Activity, DemoDraft, DemoStep } from '../timeline.js';
import type { DemoEnrollment, World } from '../world.js';
import { eventJson, iso } from './event-json.js';

export const discussionsStep: DemoStep = {
  name: 'discussions',
  plan(world, rng) {
    return world.learning.posts.map((p): Activity => {
      const r = rng.fork();
      return { at: p.at, expand: () => postEvents(world, p, r) };
    });
  },
};

function postEvents(world: World, p: DemoPost, r: Random): DemoDraft[] {
  const put = (time: number, session: number, postId: number, author: DemoEnrollment, depth: number, createTime: number, reply?: { userId: number; at: number }) =>
    eventJson(r, world, 'DiscussionPostPutEvent1', time, {
      actionType: 'put',
      session,
      postId,
      userId: author.user.id,
      sectionId: author.section.id,
      edgePath: p.item.page.edgePath,
      assetId: p.item.page.assetId,
      role: author.role,
      depth,
      createTime: iso(createTime),
      ...(reply ? { instructorReplyUserId: reply.userId, instructorReplyTime: iso(reply.at) } : {}),
    });
  const events = [put(p.at, p.session.id, p.id, p.author, p.depth, p.at)];
  for (const reply of p.replies) {
    events.push(
      put(reply.at, reply.session.id, reply.postId, reply.instructor, p.depth + 1, reply.at),
      put(reply.at, reply.session.id, p.id, p.author, p.depth, p.at, { userId: reply.instructor.user.id, at: reply.at }),
    );
  }
  return events;
}
