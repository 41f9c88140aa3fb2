// GradePutEvent1 → grade (the reference's grade upsert) and an activity key unless the event is a
// maintenance re-emission. docs/schema.md#derived-values. `percentage` = awarded ÷ possible × 100 HALF_UP to
// 2 places, 0 when nothing is possible (`percentage`).
//
// Default: `Score` is written NON_EMPTY and the reference read an absent double as 0.0, so an absent
// `points_awarded` or `points_possible` loads as 0 (both columns are NOT NULL; docs/schema.md#defaults).
import { z } from 'zod';
import { pushActivityKey } from '../activity.js';
import { commonFields } from '../envelope.js';
import { defineHandler, put } from '../handler.js';
import { entitySchema, long } from '../shapes.js';
import { percentage } from '../values.js';

/** `Score`: the JSON names are snake case; `raw_score` is derived and not read. */
const scoreSchema = z.object({ points_awarded: z.number().nullish(), points_possible: z.number().nullish() });

export const handler = defineHandler({
  type: 'GradePutEvent1',
  schema: z.object({
    ...commonFields,
    sessionId: long.nullish(),
    learner: entitySchema,
    section: entitySchema,
    edgePath: z.string(),
    assetId: long,
    forCredit: z.boolean(),
    score: scoreSchema,
    maintenance: z.boolean().nullish(),
  }),
  transform: (e, ctx) => {
    const awarded = e.score.points_awarded ?? 0;
    const possible = e.score.points_possible ?? 0;
    const ops = [
      put('grade', {
        userid: e.learner.id,
        sectionid: e.section.id,
        edgepath: e.edgePath,
        assetid: e.assetId,
        time: e.time,
        forcredit: e.forCredit,
        pointsawarded: awarded,
        pointspossible: possible,
        percentage: percentage(awarded, possible),
      }),
    ];
    return pushActivityKey(ops, ctx, e.maintenance, e.section.id, e.learner.id, e.edgePath);
  },
});
