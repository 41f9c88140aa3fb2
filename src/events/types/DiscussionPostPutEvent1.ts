// DiscussionPostPutEvent1 → discussionpost (first instructor reply wins, see combine and the
// warehouse rule). docs/schema.md#event-types; session key `session` (not loaded). `role` is `instructor`
// for moderators' posts, else `student`. `instructorreplyhourlag` = whole hours from the post's
// creation to the first instructor reply, null when either is missing or the reply is earlier.
//
// Defaults for NOT NULL columns: the class is written NON_EMPTY, so an absent `role` was the empty
// string and an absent `depth` 0; they load as '' and 0 (docs/schema.md#defaults).
import { z } from 'zod';
import { commonFields } from '../envelope.js';
import { defineHandler, put } from '../handler.js';
import { instant, int, long, optString } from '../shapes.js';
import { floorHoursBetween } from '../values.js';

export const handler = defineHandler({
  type: 'DiscussionPostPutEvent1',
  schema: z.object({
    ...commonFields,
    postId: long,
    userId: long,
    sectionId: long,
    edgePath: z.string(),
    assetId: long,
    role: optString,
    depth: int.nullish(),
    createTime: instant,
    instructorReplyUserId: long.nullish(),
    instructorReplyTime: instant.nullish(),
  }),
  transform: (e) => [
    put('discussionpost', {
      postid: e.postId,
      userid: e.userId,
      sectionid: e.sectionId,
      edgepath: e.edgePath,
      assetid: e.assetId,
      role: e.role ?? '',
      depth: e.depth ?? 0,
      createtime: e.createTime,
      instructorreplyuserid: e.instructorReplyUserId ?? null,
      instructorreplytime: e.instructorReplyTime ?? null,
      instructorreplyhourlag: floorHoursBetween(e.createTime, e.instructorReplyTime),
    }),
  ],
});
