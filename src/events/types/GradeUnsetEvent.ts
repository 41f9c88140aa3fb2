// GradeUnsetEvent → delete the grade of (learner, section, edge path), and an activity key unless
// the event is a maintenance re-emission. docs/schema.md#event-types; session key `session` (not loaded).
// `subject` (who unset it) is not loaded.
import { z } from 'zod';
import { pushActivityKey } from '../activity.js';
import { commonFields } from '../envelope.js';
import { defineHandler, del } from '../handler.js';
import { contentIdSchema, courseIdSchema, entitySchema } from '../shapes.js';

export const handler = defineHandler({
  type: 'GradeUnsetEvent',
  schema: z.object({
    ...commonFields,
    course: courseIdSchema,
    contentId: contentIdSchema,
    learner: entitySchema,
    maintenance: z.boolean().nullish(),
  }),
  transform: (e, ctx) => {
    const key = { userid: e.learner.id, sectionid: e.course.section.id, edgepath: e.contentId.contentId };
    return pushActivityKey([del('grade', key)], ctx, e.maintenance, key.sectionid, key.userid, key.edgepath);
  },
});
