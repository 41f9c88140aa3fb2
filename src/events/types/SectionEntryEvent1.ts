// SectionEntryEvent1 → usr (merge, via rsUser) and sectionentry (append). docs/schema.md#event-types;
// the session key is `sessionId` (required: the platform's field is a plain Long).
import { z } from 'zod';
import { commonFields } from '../envelope.js';
import { defineHandler, put } from '../handler.js';
import { long, optString, rsUser, userDataSchema } from '../shapes.js';

export const handler = defineHandler({
  type: 'SectionEntryEvent1',
  schema: z.object({
    ...commonFields,
    sessionId: long,
    user: userDataSchema,
    role: optString,
    sectionId: long,
    originSectionId: long.nullish(),
  }),
  transform: (e) => [
    put('usr', rsUser(e.user)),
    put('sectionentry', {
      userid: e.user.id,
      sectionid: e.sectionId,
      time: e.time,
      sessionid: e.sessionId,
      role: e.role ?? null,
      originsectionid: e.originSectionId ?? null,
    }),
  ],
});
