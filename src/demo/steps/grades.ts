// Grades: a scored attempt puts the learner's grade (GradePutEvent1; a quiz's in the learner's
// session, an assignment's in the scoring instructor's). An instructor who invalidates an attempt
// unsets the grade (GradeUnsetEvent, NON_EMPTY, `subject` = the instructor) and, now and then,
// enters another grade a minute later: an unset and a put of the same key, often in one load.
import type { DemoAttempt } from '../learning-plan.js';
import type { Random } from '../random.js';
import type { Activity, DemoDraft, DemoStep } from '../timeline.js';
import type { World } from '../world.js';
import { entity, eventJson } from './event-json.js';

export const gradesStep: DemoStep = {
  name: 'grades',
  plan(world, rng) {
    return world.learning.attempts.flatMap((a): Activity[] => {
      const score = a.score;
      if (!score) return [];
      const r = rng.fork();
      return [{ at: score.at, expand: () => gradeEvents(world, a, r) }];
    });
  },
};

function gradeEvents(world: World, a: DemoAttempt, r: Random): DemoDraft[] {
  const learner = a.session.enrollment;
  const section = learner.section;
  const page = a.item.page;
  const put = (time: number, sessionId: number, awarded: number) =>
    eventJson(r, world, 'GradePutEvent1', time, {
      actionType: 'put',
      sessionId,
      learner: entity(learner.user),
      section: entity(section),
      edgePath: page.edgePath,
      assetId: page.assetId,
      forCredit: true,
      score: { points_awarded: awarded, points_possible: a.possible, raw_score: a.possible === 0 ? 0 : awarded / a.possible },
      maintenance: null,
    });
  const score = a.score;
  if (!score) return [];
  const events = [put(score.at, (score.by?.session ?? a.session).id, score.awarded)];
  const unset = a.unset;
  if (unset) {
    const o = section.offering;
    events.push(
      eventJson(r, world, 'GradeUnsetEvent', unset.at, {
        actionType: 'save',
        session: unset.session.id,
        course: { section: entity(section), assetGuid: o.root.assetGuid, offeringId: o.id, branchId: o.branchId, commitId: o.commitId },
        contentId: { contentId: page.edgePath, assetId: page.assetGuid },
        learner: entity(learner.user),
        subject: entity(unset.instructor.user),
      }),
    );
    if (unset.regrade) events.push(put(unset.regrade.at, unset.session.id, unset.regrade.awarded));
  }
  return events;
}
