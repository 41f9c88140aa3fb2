// ProgressPutEvent2 → per value (only the nodes whose progress changed are sent): progressovertime
// (append), progress (merge, the same values plus `updatetime`) and an activity key unless the
// event is a maintenance re-emission. seed-system.md §3.2; session key `session` (not loaded).
// `percentage` = completions ÷ total × 100 HALF_UP to 2 places, 0 when total is 0.
//
// Defaults for NOT NULL columns (spec §5; seed-system.md §9.6 quirk 3): `skipped` (added later),
// `forCreditGrades` and `forCreditGradesPossible` (optional in the platform's model), `visited`
// and `testedOut` load as 0 when absent. `completions` and `total` are required: the percentage
// is computed from them.
import { z } from 'zod';
import { activityKeys } from '../activity.js';
import { commonFields } from '../envelope.js';
import { defineHandler, put, type RowOp } from '../handler.js';
import { int, long } from '../shapes.js';
import { percentage } from '../values.js';

const countOrZero = int.nullish().transform((n) => n ?? 0);

/** `ProgressPutEvent.PValue2`. */
const valueSchema = z.object({
  edgePath: z.string(),
  assetId: long,
  completions: int,
  total: int,
  visited: countOrZero,
  testedOut: countOrZero,
  skipped: countOrZero,
  forCreditGrades: countOrZero,
  forCreditGradesPossible: countOrZero,
});

export const handler = defineHandler({
  type: 'ProgressPutEvent2',
  schema: z.object({
    ...commonFields,
    sectionId: long,
    userId: long,
    values: z.array(valueSchema).nullish(),
    maintenance: z.boolean().nullish(),
  }),
  transform: (e, ctx) => {
    const ops: RowOp[] = [];
    for (const v of e.values ?? []) {
      const key = { sectionid: e.sectionId, userid: e.userId, edgepath: v.edgePath };
      const counts = {
        completions: v.completions,
        total: v.total,
        visited: v.visited,
        testedout: v.testedOut,
        skipped: v.skipped,
        forcreditgrades: v.forCreditGrades,
        forcreditgradespossible: v.forCreditGradesPossible,
      };
      const pct = percentage(v.completions, v.total);
      ops.push(
        put('progressovertime', { ...key, assetid: v.assetId, time: e.time, ...counts, percentage: pct }),
        put('progress', { ...key, assetid: v.assetId, ...counts, percentage: pct, updatetime: e.time }),
        ...activityKeys(ctx, e.maintenance, [key]),
      );
    }
    return ops;
  },
});
