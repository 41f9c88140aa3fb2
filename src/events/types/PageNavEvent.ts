// PageNavEvent → pagenavevent (append). docs/schema.md#event-types; the session key is `sessionId`
// (required: pagenavevent.sessionid is NOT NULL). `clientTime` and `impersonatedUserId` are not
// loaded. The reference cut source, url and title to 1024 characters (the column lengths) and left
// `contentTitle` uncut; the staging layer cuts every string to its column's bytes.
import { z } from 'zod';
import { commonFields } from '../envelope.js';
import { defineHandler, put } from '../handler.js';
import { contentIdSchema, courseIdSchema, entitySchema, long, optString } from '../shapes.js';

export const handler = defineHandler({
  type: 'PageNavEvent',
  schema: z.object({
    ...commonFields,
    sessionId: long,
    user: entitySchema,
    url: z.string(),
    title: optString,
    course: courseIdSchema.nullish(),
    content: contentIdSchema.nullish(),
    /** An `AssetTypeId`, written as its name (e.g. `discussion.1`). */
    contentType: optString,
    contentTitle: optString,
    er: z.boolean().nullish(),
  }),
  transform: (e) => [
    put('pagenavevent', {
      id: e.id,
      time: e.time,
      source: e.source ?? null,
      sessionid: e.sessionId,
      userid: e.user.id,
      userextid: e.user.externalId ?? null,
      url: e.url,
      pagetitle: e.title ?? null,
      sectionid: e.course?.section.id ?? null,
      sectionextid: e.course?.section.externalId ?? null,
      edgepath: e.content?.contentId ?? null,
      assettypeid: e.contentType ?? null,
      assettitle: e.contentTitle ?? null,
      er: e.er ?? null,
    }),
  ],
});
