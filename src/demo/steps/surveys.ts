// Surveys: a learner well along answers the end-of-course survey (SurveySubmissionEvent2, with
// the survey's asset and edge path; a few from a client still sending the legacy
// SurveySubmissionEvent1 without them). The survey hangs off the course root.
import type { Activity, DemoStep } from '../timeline.js';
import { eventJson } from './event-json.js';

export const surveysStep: DemoStep = {
  name: 'surveys',
  plan(world, rng) {
    return world.learning.surveys.map((s): Activity => {
      const r = rng.fork();
      const learner = s.session.enrollment;
      const o = learner.section.offering;
      return {
        at: s.at,
        expand: () => [
          eventJson(r, world, s.version === 2 ? 'SurveySubmissionEvent2' : 'SurveySubmissionEvent1', s.at, {
            actionType: 'submit',
            sessionId: s.session.id,
            userId: learner.user.id,
            sectionId: learner.section.id,
            attemptId: s.attemptId,
            contentAssetId: o.root.assetId,
            contentEdgePath: o.root.edgePath,
            ...(s.version === 2 ? { surveyAssetId: o.survey.assetId, surveyEdgePath: o.survey.edgePath } : {}),
            ...(s.responses.length > 0 ? { responses: s.responses.map((x) => ({ questionAssetId: x.question.assetId, response: x.response })) } : {}),
          }),
        ],
      };
    });
  },
};
