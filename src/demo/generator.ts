// A realistic, deterministic LMS event stream for the demo and for tests: content published,
// sections with a course tree, hundreds of users enrolling, sessions with section entries and page
// views, and what learners and instructors do in them (attempts, grades, progress, time spent,
// discussions, questions, surveys, tutorials), one learner forgotten, and the daily instructor
// snapshot requests: all 22 handled event types. Same options, same events, in non-decreasing
// time order between `start` and `end`, generated lazily.
//
// The story is a list of steps (steps/*.ts) over one plan (world.ts, learning.ts).
import { createRandom } from './random.js';
import { attemptsStep } from './steps/attempts.js';
import { discussionsStep } from './steps/discussions.js';
import { enrollmentsStep } from './steps/enrollments.js';
import { gradesStep } from './steps/grades.js';
import { obfuscationStep } from './steps/obfuscation.js';
import { progressStep } from './steps/progress.js';
import { publishStep } from './steps/publish.js';
import { qnaStep } from './steps/qna.js';
import { sectionsStep } from './steps/sections.js';
import { sessionsStep } from './steps/sessions.js';
import { snapshotsStep } from './steps/snapshots.js';
import { surveysStep } from './steps/surveys.js';
import { timeSpentStep } from './steps/time-spent.js';
import { tutorialsStep } from './steps/tutorials.js';
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

/** In this order, so that of two activities starting at the same instant the publish comes first. */
export const STEPS: readonly DemoStep[] = [
  publishStep,
  sectionsStep,
  enrollmentsStep,
  sessionsStep,
  tutorialsStep,
  attemptsStep,
  gradesStep,
  progressStep,
  timeSpentStep,
  discussionsStep,
  qnaStep,
  surveysStep,
  obfuscationStep,
  snapshotsStep,
];

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
