// Instructor snapshots: the platform's daily analytics job asks for the snapshot of the previous
// day (InstructorSnapshotDayCreateEvent1, snapshotDay = now − 1 day, docs/schema.md#snapshot-days). It runs
// at 00:30 UTC on every day of the range; a range without a run (shorter than a day) gets one at
// its end, so the table is always filled.
import type { Activity, DemoStep } from '../timeline.js';
import { eventJson, iso } from './event-json.js';

const DAY = 24 * 3_600_000;
const RUN_AT = 30 * 60_000; // 00:30 UTC

export const snapshotsStep: DemoStep = {
  name: 'snapshots',
  plan(world, rng) {
    const runs: number[] = [];
    for (let t = Math.floor(world.start / DAY) * DAY + RUN_AT; t <= world.end; t += DAY) if (t > world.start) runs.push(t);
    if (runs.length === 0) runs.push(world.end);
    return runs.map((at): Activity => {
      const r = rng.fork();
      return { at, expand: () => [eventJson(r, world, 'InstructorSnapshotDayCreateEvent1', at, { actionType: 'snapshot', snapshotDay: iso(at - DAY) })] };
    });
  },
};
