import { describe, expect, it } from 'vitest';
import { opsOf, without } from './support.js';

const v1 = {
  eventType: 'SurveySubmissionEvent1',
  id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  time: '2025-03-20T18:02:03.004Z',
  sessionId: 99887766,
  source: 'lms.example.edu',
  actionType: 'submit',
  userId: 51234,
  sectionId: 3012,
  attemptId: 'f0e1d2c3-b4a5-4697-8877-665544332211',
  contentAssetId: 91020,
  contentEdgePath: 'ffeeddccbbaa99887766554433221100',
  responses: [
    { questionAssetId: 91021, response: 'Strongly agree' },
    { questionAssetId: 91022, response: 'Más ejemplos, por favor — ¡gracias! 细胞' },
  ],
};

const row = (questionassetid: number, response: string, survey: { surveyassetid: number | null; surveyedgepath: string | null }) => ({
  table: 'surveyquestionresponse',
  op: 'put',
  row: {
    userid: 51234,
    sectionid: 3012,
    attemptid: 'f0e1d2c3-b4a5-4697-8877-665544332211',
    time: '2025-03-20 18:02:03.004',
    contentassetid: 91020,
    contentedgepath: 'ffeeddccbbaa99887766554433221100',
    questionassetid,
    response,
    ...survey,
  },
});

describe('SurveySubmissionEvent1', () => {
  it('appends one surveyquestionresponse per response, without the survey', () => {
    const none = { surveyassetid: null, surveyedgepath: null };
    expect(opsOf(v1)).toEqual([row(91021, 'Strongly agree', none), row(91022, 'Más ejemplos, por favor — ¡gracias! 细胞', none)]);
  });

  it('reads absent responses as none, and keeps a long response whole (the stager cuts bytes)', () => {
    expect(opsOf(without(v1, 'responses'))).toEqual([]);
    const long = 'ü'.repeat(3000);
    expect(opsOf({ ...v1, responses: [{ questionAssetId: 91021, response: long }] })[0]).toMatchObject({ row: { response: long } });
  });
});

describe('SurveySubmissionEvent2', () => {
  const v2 = { ...v1, eventType: 'SurveySubmissionEvent2', surveyAssetId: 91019, surveyEdgePath: '00112233445566778899aabbccddeeff' };

  it('appends the responses with the survey asset and edge path', () => {
    const survey = { surveyassetid: 91019, surveyedgepath: '00112233445566778899aabbccddeeff' };
    expect(opsOf(v2)).toEqual([row(91021, 'Strongly agree', survey), row(91022, 'Más ejemplos, por favor — ¡gracias! 细胞', survey)]);
  });

  it('refuses a v2 event without the survey', () => {
    expect(() => opsOf(without(v2, 'surveyAssetId'))).toThrow(/surveyAssetId/);
  });
});
