// ProgressPutEvent2 → per value (only the nodes whose progress changed are sent): progressovertime
// (append), progress (merge, the same values plus `updatetime`) and an activity key unless the
// event is a maintenance re-emission. docs/schema.md#event-types; session key `session` (not loaded).
// `percentage` = completions ÷ total × 100 HALF_UP to 2 places, 0 when total is 0.
//
// Defaults for NOT NULL columns (docs/schema.md#defaults): `skipped` (added later),
// `forCreditGrades` and `forCreditGradesPossible` (optional in the platform's model), `visited`
// and `testedOut` load as 0 when absent. `completions` and `total` are required: the percentage
// is computed from them.
import { z } from 'zod';
import { pushActivityKey } from '../activity.js';
import { commonFields } from '../envelope.js';
import { defineHandler, put, type RowOp } from '../handler.js';
import { int, long } from '../shapes.js';
import { percentage } from '../values.js';

/**
 * A count that loads as 0 when absent. The `?? 0` is applied in `transform`, not by a zod
 * `.transform`: five of those per value were most of this schema's parse time (bench/transform-micro.ts).
 */
const countOrZero = int.nullish();

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
  // The two rows are written out member by member: spreading shared `key`/`counts` objects into
  // each row literal made this the costliest transform (measured, bench/transform-micro.ts).
  transform: (e, ctx) => {
    const ops: RowOp[] = [];
    const { sectionId: sectionid, userId: userid, time } = e;
    for (const v of e.values ?? []) {
      const { edgePath: edgepath, assetId: assetid, completions, total } = v;
      const visited = v.visited ?? 0;
      const testedout = v.testedOut ?? 0;
      const skipped = v.skipped ?? 0;
      const forcreditgrades = v.forCreditGrades ?? 0;
      const forcreditgradespossible = v.forCreditGradesPossible ?? 0;
      const pct = percentage(completions, total);
      ops.push(
        put('progressovertime', {
          sectionid, userid, edgepath, assetid, time,
          completions, total, visited, testedout, skipped, forcreditgrades, forcreditgradespossible,
          percentage: pct,
        }),
        put('progress', {
          sectionid, userid, edgepath, assetid,
          completions, total, visited, testedout, skipped, forcreditgrades, forcreditgradespossible,
          percentage: pct, updatetime: time,
        }),
      );
      pushActivityKey(ops, ctx, e.maintenance, sectionid, userid, edgepath);
    }
    return ops;
  },
});
