// A realistic, deterministic LMS event stream for the demo and for tests: sections with a course
// tree, hundreds of users enrolling, sessions with section entries and page views. Same options,
// same events, in non-decreasing time order between `start` and `end`.
//
// The story is a list of steps (steps/*.ts) over one plan (world.ts). The 13 handled types not
// generated yet (grades, attempts, progress, time spent, surveys, discussions, Q&A, publish,
// tutorial views, obfuscation, snapshot days) each become one more step in STEPS.
import { createRandom } from './random.js';
import { enrollmentsStep } from './steps/enrollments.js';
import { sectionsStep } from './steps/sections.js';
import { sessionsStep } from './steps/sessions.js';
import { mergeByTime, type DemoStep } from './timeline.js';
import { planWorld, type DemoOptions } from './world.js';

export type { DemoOptions } from './world.js';

/** One event ready for the outbox: `guid` is the event's UUID, `time` its time. */
export interface DemoEvent {
  guid: string;
  time: Date;
  rootId: string;
  datajson: object;
}

export const STEPS: readonly DemoStep[] = [sectionsStep, enrollmentsStep, sessionsStep];

export function* generateDemoEvents(opts: DemoOptions): Generator<DemoEvent> {
  const rng = createRandom(opts.seed ?? 1);
  const world = planWorld(opts, rng);
  const activities = STEPS.flatMap((step) => step.plan(world, rng.fork()));
  for (const draft of mergeByTime(activities, world.end)) {
    // The JSON time follows any clamping of the draft's time.
    draft.datajson.time = new Date(draft.time).toISOString();
    yield { guid: draft.datajson.id, time: new Date(draft.time), rootId: world.rootId, datajson: draft.datajson };
  }
}
