import { describe, expect, it } from 'vitest';
import { opsOf, without } from './support.js';

const post = {
  eventType: 'DiscussionPostPutEvent1',
  id: '3d813cbb-47fb-42ba-91df-831e1593ac29',
  session: 99887766,
  source: 'lms.example.edu',
  time: '2025-03-15T10:00:00.000Z',
  actionType: 'put',
  postId: 770001,
  userId: 51234,
  sectionId: 3012,
  edgePath: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  assetId: 91007,
  role: 'student',
  depth: 0,
  createTime: '2025-03-14T15:45:30Z',
  instructorReplyUserId: 40001,
  instructorReplyTime: '2025-03-15T09:45:29.999Z',
};

describe('DiscussionPostPutEvent1', () => {
  it('puts the post with the whole hours until the first instructor reply', () => {
    expect(opsOf(post)).toEqual([
      {
        table: 'discussionpost',
        op: 'put',
        row: {
          postid: 770001,
          userid: 51234,
          sectionid: 3012,
          edgepath: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          assetid: 91007,
          role: 'student',
          depth: 0,
          createtime: '2025-03-14 15:45:30.000',
          instructorreplyuserid: 40001,
          instructorreplytime: '2025-03-15 09:45:29.999',
          instructorreplyhourlag: 17,
        },
      },
    ]);
  });

  it('leaves the reply columns null without a reply, and the lag null for a reply before the post', () => {
    expect(opsOf(without(post, 'instructorReplyUserId', 'instructorReplyTime'))[0]).toMatchObject({
      row: { instructorreplyuserid: null, instructorreplytime: null, instructorreplyhourlag: null },
    });
    expect(opsOf({ ...post, instructorReplyTime: '2025-03-14T15:45:29.000Z' })[0]).toMatchObject({ row: { instructorreplyhourlag: null } });
  });

  it('loads an absent role and depth (NON_EMPTY) as the empty string and 0', () => {
    expect(opsOf(without(post, 'role', 'depth'))[0]).toMatchObject({ row: { role: '', depth: 0 } });
  });
});

describe('QnaThreadPutEvent1', () => {
  const thread = {
    eventType: 'QnaThreadPutEvent1',
    id: '8f14e45f-ceea-467a-9575-1f8f0c4f2a6b',
    session: 99887766,
    source: 'lms.example.edu',
    time: '2025-03-16T12:00:00.000Z',
    actionType: 'put',
    threadId: 660001,
    questionId: 660101,
    userId: 51234,
    actualUserId: 51234,
    sectionId: 3012,
    edgePath: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
    createTime: '2025-03-14T15:50:00.000Z',
    instructorReplyUserId: 40001,
    instructorReplyTime: '2025-03-16T11:59:00.000Z',
    instructorClosed: true,
    studentClosed: true,
    category: 'Content',
    subcategory: 'Typo',
  };

  it('puts the thread with the reply hour lag; instructorClosed and actualUserId are not loaded', () => {
    expect(opsOf(thread)).toEqual([
      {
        table: 'qnathread',
        op: 'put',
        row: {
          threadid: 660001,
          questionid: 660101,
          userid: 51234,
          sectionid: 3012,
          edgepath: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
          createtime: '2025-03-14 15:50:00.000',
          instructorreplyuserid: 40001,
          instructorreplytime: '2025-03-16 11:59:00.000',
          instructorreplyhourlag: 44,
          studentclosed: true,
          category: 'Content',
          subcategory: 'Typo',
        },
      },
    ]);
  });

  it('writes a new question: no reply, not closed (absent studentClosed is false), no categories', () => {
    const created = without(thread, 'instructorReplyUserId', 'instructorReplyTime', 'category', 'subcategory', 'studentClosed', 'instructorClosed', 'session', 'actualUserId');
    expect(opsOf(created)[0]).toMatchObject({
      row: { instructorreplyuserid: null, instructorreplytime: null, instructorreplyhourlag: null, studentclosed: false, category: null, subcategory: null },
    });
  });
});
