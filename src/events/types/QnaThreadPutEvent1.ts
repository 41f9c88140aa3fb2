// QnaThreadPutEvent1 → qnathread (first reply wins, `studentclosed` sticky, categories latest; see
// combine and the warehouse rule). docs/schema.md#event-types; session key `session`, optional (not
// loaded). `instructorreplyhourlag` as for discussion posts. `instructorClosed` and `actualUserId`
// are not loaded.
//
// Default: the class is written NON_EMPTY, so an absent `studentClosed` was false (docs/schema.md#defaults).
import { z } from 'zod';
import { commonFields } from '../envelope.js';
import { defineHandler, put } from '../handler.js';
import { instant, long, optString } from '../shapes.js';
import { floorHoursBetween } from '../values.js';

export const handler = defineHandler({
  type: 'QnaThreadPutEvent1',
  schema: z.object({
    ...commonFields,
    threadId: long,
    questionId: long,
    userId: long,
    sectionId: long,
    edgePath: z.string(),
    createTime: instant,
    instructorReplyUserId: long.nullish(),
    instructorReplyTime: instant.nullish(),
    studentClosed: z.boolean().nullish(),
    category: optString,
    subcategory: optString,
  }),
  transform: (e) => [
    put('qnathread', {
      threadid: e.threadId,
      questionid: e.questionId,
      userid: e.userId,
      sectionid: e.sectionId,
      edgepath: e.edgePath,
      createtime: e.createTime,
      instructorreplyuserid: e.instructorReplyUserId ?? null,
      instructorreplytime: e.instructorReplyTime ?? null,
      instructorreplyhourlag: floorHoursBetween(e.createTime, e.instructorReplyTime),
      studentclosed: e.studentClosed ?? false,
      category: e.category ?? null,
      subcategory: e.subcategory ?? null,
    }),
  ],
});
