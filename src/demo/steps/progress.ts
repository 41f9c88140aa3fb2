// Progress (ProgressPutEvent2): after each change of a learner's progress, the values of the nodes
// that changed, the activity and its lesson, module and course (learning.ts, progress-tracker.ts).
import type { Activity, DemoStep } from '../timeline.js';
import { eventJson } from './event-json.js';

export const progressStep: DemoStep = {
  name: 'progress',
  plan(world, rng) {
    return world.learning.progress.map((p): Activity => {
      const r = rng.fork();
      const learner = p.session.enrollment;
      return {
        at: p.at,
        expand: () => [
          eventJson(r, world, 'ProgressPutEvent2', p.at, {
            actionType: 'put',
            session: p.session.id,
            sectionId: learner.section.id,
            userId: learner.user.id,
            values: p.values,
            maintenance: null,
          }),
        ],
      };
    });
  },
};
