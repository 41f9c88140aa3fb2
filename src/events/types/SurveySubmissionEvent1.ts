// SurveySubmissionEvent1 → one surveyquestionresponse (append) per response, without the survey's
// asset and edge path (v1 did not carry them). docs/schema.md#event-types. `responses` is read
// null-safely (NON_EMPTY omits an empty list). The reference cut `response` to 4096 characters;
// the staging layer cuts it to the column's 4096 bytes.
import { z } from 'zod';
import type { Rows } from '../../model/tables.js';
import { commonFields } from '../envelope.js';
import { defineHandler, put } from '../handler.js';
import { long } from '../shapes.js';

/** The members SurveySubmissionEvent1 and SurveySubmissionEvent2 share (v2 adds the survey). */
export const surveyFields = {
  ...commonFields,
  userId: long,
  sectionId: long,
  /** The attempt's UUID. */
  attemptId: z.string(),
  contentAssetId: long,
  contentEdgePath: z.string(),
  responses: z.array(z.object({ questionAssetId: long, response: z.string() })).nullish(),
};

const schema = z.object(surveyFields);

export function rsSurveyResponses(e: z.output<typeof schema>, survey: { assetId: number; edgePath: string } | null): Rows['surveyquestionresponse'][] {
  return (e.responses ?? []).map((r) => ({
    userid: e.userId,
    sectionid: e.sectionId,
    attemptid: e.attemptId,
    time: e.time,
    contentassetid: e.contentAssetId,
    contentedgepath: e.contentEdgePath,
    questionassetid: r.questionAssetId,
    response: r.response,
    surveyassetid: survey?.assetId ?? null,
    surveyedgepath: survey?.edgePath ?? null,
  }));
}

export const handler = defineHandler({
  type: 'SurveySubmissionEvent1',
  schema,
  transform: (e) => rsSurveyResponses(e, null).map((row) => put('surveyquestionresponse', row)),
});
