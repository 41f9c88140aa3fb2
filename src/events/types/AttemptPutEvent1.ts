// AttemptPutEvent1 → attempt (merge) and, for an attempt that is no longer `Open` (Submitted,
// Finalized), an activity key unless the event is a maintenance re-emission. docs/schema.md#event-types;
// session key `session` (not loaded).
// - `scorepercentage`: the grade formula, only when both score points are present;
// - `timetoscorehours` / `timetoscoredays`: whole hours / days from submit to score, only when
//   both times are present and the score is not earlier;
// - `updatetime` = event time; `maxminutes` an INT (a value beyond INT4 is refused, not wrapped).
//
// Defaults for NOT NULL columns: the class is written NON_EMPTY, so an absent `valid` or
// `manualScore` was false; they load as false (docs/schema.md#defaults).
import { z } from 'zod';
import { pushActivityKey } from '../activity.js';
import { commonFields } from '../envelope.js';
import { defineHandler, put } from '../handler.js';
import { instant, int, long } from '../shapes.js';
import { floorDaysBetween, floorHoursBetween, percentage } from '../values.js';

export const handler = defineHandler({
  type: 'AttemptPutEvent1',
  schema: z.object({
    ...commonFields,
    attemptId: long,
    userId: long,
    sectionId: long,
    edgePath: z.string(),
    assetId: long,
    /** `Open`, `Submitted` or `Finalized` (AttemptState.entryName). */
    state: z.string().min(1),
    valid: z.boolean().nullish(),
    manualScore: z.boolean().nullish(),
    createTime: instant,
    submitTime: instant.nullish(),
    scoreTime: instant.nullish(),
    scorePointsAwarded: z.number().nullish(),
    scorePointsPossible: z.number().nullish(),
    scorerUserId: long.nullish(),
    maintenance: z.boolean().nullish(),
    maxMinutes: int.nullish(),
    autoSubmitted: z.boolean().nullish(),
  }),
  transform: (e, ctx) => {
    const awarded = e.scorePointsAwarded ?? null;
    const possible = e.scorePointsPossible ?? null;
    const ops = [
      put('attempt', {
        id: e.attemptId,
        userid: e.userId,
        sectionid: e.sectionId,
        edgepath: e.edgePath,
        assetid: e.assetId,
        state: e.state,
        valid: e.valid ?? false,
        manualscore: e.manualScore ?? false,
        createtime: e.createTime,
        submittime: e.submitTime ?? null,
        scoretime: e.scoreTime ?? null,
        scorepointsawarded: awarded,
        scorepointspossible: possible,
        scorepercentage: awarded !== null && possible !== null ? percentage(awarded, possible) : null,
        scoreruserid: e.scorerUserId ?? null,
        timetoscorehours: floorHoursBetween(e.submitTime, e.scoreTime),
        timetoscoredays: floorDaysBetween(e.submitTime, e.scoreTime),
        updatetime: e.time,
        maxminutes: e.maxMinutes ?? null,
        autosubmitted: e.autoSubmitted ?? null,
      }),
    ];
    return e.state === 'Open' ? ops : pushActivityKey(ops, ctx, e.maintenance, e.sectionId, e.userId, e.edgePath);
  },
});
