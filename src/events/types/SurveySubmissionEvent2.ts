// SurveySubmissionEvent2 → as SurveySubmissionEvent1, with `surveyassetid` and `surveyedgepath`.
import { z } from 'zod';
import { defineHandler, put } from '../handler.js';
import { long } from '../shapes.js';
import { rsSurveyResponses, surveyFields } from './SurveySubmissionEvent1.js';

export const handler = defineHandler({
  type: 'SurveySubmissionEvent2',
  schema: z.object({ ...surveyFields, surveyAssetId: long, surveyEdgePath: z.string() }),
  transform: (e) =>
    rsSurveyResponses(e, { assetId: e.surveyAssetId, edgePath: e.surveyEdgePath }).map((row) => put('surveyquestionresponse', row)),
});
