// Attempts (AttemptPutEvent1, NON_EMPTY): a learner opens an attempt on a quiz or an assignment
// (Open), submits it (Submitted; quizzes are scored on submission and go straight to Finalized),
// and an instructor scores an assignment in a later session of theirs (Finalized, manual score,
// scorer = the instructor). An attempt an instructor invalidates is put again with valid = false.
import type { DemoAttempt } from '../learning-plan.js';
import type { Random } from '../random.js';
import type { Activity, DemoDraft, DemoStep } from '../timeline.js';
import type { World } from '../world.js';
import { eventJson, iso } from './event-json.js';

export const attemptsStep: DemoStep = {
  name: 'attempts',
  plan(world, rng) {
    return world.learning.attempts.map((a): Activity => {
      const r = rng.fork();
      return { at: a.createdAt, expand: () => attemptEvents(world, a, r) };
    });
  },
};

function attemptEvents(world: World, a: DemoAttempt, r: Random): DemoDraft[] {
  const learner = a.session.enrollment;
  const put = (time: number, session: number, state: 'Open' | 'Submitted' | 'Finalized', more: Record<string, unknown> = {}) =>
    eventJson(r, world, 'AttemptPutEvent1', time, {
      actionType: 'put',
      session,
      attemptId: a.id,
      userId: learner.user.id,
      sectionId: learner.section.id,
      edgePath: a.item.page.edgePath,
      assetId: a.item.page.assetId,
      state,
      valid: true,
      manualScore: a.manual,
      createTime: iso(a.createdAt),
      ...(state === 'Open' ? {} : { submitTime: iso(a.submittedAt) }),
      ...(a.maxMinutes !== null ? { maxMinutes: a.maxMinutes } : {}),
      ...(state === 'Open' ? {} : { autoSubmitted: a.autoSubmitted }),
      ...more,
    });
  const scored = (score: NonNullable<DemoAttempt['score']>) => ({
    scoreTime: iso(score.at),
    scorePointsAwarded: score.awarded,
    scorePointsPossible: a.possible,
    ...(score.by ? { scorerUserId: score.by.instructor.user.id } : {}),
  });

  const events = [put(a.createdAt, a.session.id, 'Open')];
  const { score, unset } = a;
  if (!score) return [...events, put(a.submittedAt, a.session.id, 'Submitted')];
  if (score.by) events.push(put(a.submittedAt, a.session.id, 'Submitted'), put(score.at, score.by.session.id, 'Finalized', scored(score)));
  else events.push(put(a.submittedAt, a.session.id, 'Finalized', scored(score)));
  if (unset) events.push(put(unset.at, unset.session.id, 'Finalized', { ...scored(score), valid: false }));
  return events;
}
