// TimeSpentEvent2 → usr (merge, always) and, only when both `edgePath` and `assetId` are present,
// timespentdiscrete (append) plus an activity key unless the event is a maintenance re-emission.
// docs/schema.md#event-types. `context` is the section; `durationSpent` is in milliseconds; `commitId` is
// not loaded.
import { z } from 'zod';
import { pushActivityKey } from '../activity.js';
import { commonFields } from '../envelope.js';
import { defineHandler, put, type RowOp } from '../handler.js';
import { entitySchema, long, optString, rsUser, userDataSchema } from '../shapes.js';

export const handler = defineHandler({
  type: 'TimeSpentEvent2',
  schema: z.object({
    ...commonFields,
    sessionId: long.nullish(),
    user: userDataSchema,
    context: entitySchema,
    commitId: long.nullish(),
    edgePath: optString,
    assetId: long.nullish(),
    durationSpent: long,
    maintenance: z.boolean().nullish(),
    originSectionId: long.nullish(),
  }),
  transform: (e, ctx) => {
    const ops: RowOp[] = [put('usr', rsUser(e.user))];
    const { edgePath, assetId } = e;
    if (edgePath === null || edgePath === undefined || assetId === null || assetId === undefined) return ops;
    ops.push(
      put('timespentdiscrete', {
        userid: e.user.id,
        edgepath: edgePath,
        sectionid: e.context.id,
        endtime: e.time,
        duration: e.durationSpent,
        assetid: assetId,
        eventid: e.id,
        originsectionid: e.originSectionId ?? null,
      }),
    );
    return pushActivityKey(ops, ctx, e.maintenance, e.context.id, e.user.id, edgePath);
  },
});
