import { describe, expect, it } from 'vitest';
import { opsOf, without } from './support.js';

const edgePath = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

const finalized = {
  eventType: 'AttemptPutEvent1',
  id: '1e9f3d2c-7b6a-4e5d-8c4b-3a2f1e0d9c8b',
  time: '2025-03-17T09:30:00.250Z',
  source: 'lms.example.edu',
  session: 99887799,
  actionType: 'put',
  attemptId: 880011,
  userId: 51234,
  sectionId: 3012,
  edgePath,
  assetId: 91006,
  state: 'Finalized',
  valid: true,
  manualScore: true,
  createTime: '2025-03-14T15:20:00Z',
  submitTime: '2025-03-14T16:05:10.500Z',
  scoreTime: '2025-03-17T09:29:59.999Z',
  scorePointsAwarded: 17.5,
  scorePointsPossible: 20,
  scorerUserId: 40001,
  maxMinutes: 90,
  autoSubmitted: false,
};

describe('AttemptPutEvent1', () => {
  it('puts the attempt with its score percentage and times to score, and an activity key', () => {
    expect(opsOf(finalized)).toEqual([
      {
        table: 'attempt',
        op: 'put',
        row: {
          id: 880011,
          userid: 51234,
          sectionid: 3012,
          edgepath: edgePath,
          assetid: 91006,
          state: 'Finalized',
          valid: true,
          manualscore: true,
          createtime: '2025-03-14 15:20:00.000',
          submittime: '2025-03-14 16:05:10.500',
          scoretime: '2025-03-17 09:29:59.999',
          scorepointsawarded: 17.5,
          scorepointspossible: 20,
          scorepercentage: 87.5,
          scoreruserid: 40001,
          timetoscorehours: 65,
          timetoscoredays: 2,
          updatetime: '2025-03-17 09:30:00.250',
          maxminutes: 90,
          autosubmitted: false,
        },
      },
      { table: 'activity', op: 'put', row: { id: '0cc10e80-6f49-1cd2-ba56-33aa8fc4e4c8', etltime: '2025-03-20 12:00:00.000', sectionid: 3012, userid: 51234, edgepath: edgePath } },
    ]);
  });

  it('writes an Open attempt with nulls and no activity key (NON_EMPTY: absent valid and manualScore are false)', () => {
    const open = {
      ...without(finalized, 'submitTime', 'scoreTime', 'scorePointsAwarded', 'scorePointsPossible', 'scorerUserId', 'maxMinutes', 'autoSubmitted', 'valid', 'manualScore'),
      state: 'Open',
      time: '2025-03-14T15:20:00.000Z',
    };
    expect(opsOf(open)).toEqual([
      {
        table: 'attempt',
        op: 'put',
        row: {
          id: 880011,
          userid: 51234,
          sectionid: 3012,
          edgepath: edgePath,
          assetid: 91006,
          state: 'Open',
          valid: false,
          manualscore: false,
          createtime: '2025-03-14 15:20:00.000',
          submittime: null,
          scoretime: null,
          scorepointsawarded: null,
          scorepointspossible: null,
          scorepercentage: null,
          scoreruserid: null,
          timetoscorehours: null,
          timetoscoredays: null,
          updatetime: '2025-03-14 15:20:00.000',
          maxminutes: null,
          autosubmitted: null,
        },
      },
    ]);
  });

  it('adds an activity key for a Submitted attempt, none for a maintenance re-emission', () => {
    const submitted = { ...without(finalized, 'scoreTime', 'scorePointsAwarded', 'scorerUserId'), state: 'Submitted' };
    const ops = opsOf(submitted);
    expect(ops.map((o) => o.table)).toEqual(['attempt', 'activity']);
    expect(ops[0]).toMatchObject({ row: { state: 'Submitted', scorepercentage: null, timetoscorehours: null, timetoscoredays: null } });
    expect(opsOf({ ...finalized, maintenance: true }).map((o) => o.table)).toEqual(['attempt']);
  });

  it('leaves the times to score null when the score is earlier than the submission', () => {
    const ops = opsOf({ ...finalized, scoreTime: '2025-03-14T16:05:10.499Z' });
    expect(ops[0]).toMatchObject({ row: { timetoscorehours: null, timetoscoredays: null } });
  });

  it('gives scorepercentage 0 when nothing is possible', () => {
    expect(opsOf({ ...finalized, scorePointsAwarded: 0, scorePointsPossible: 0 })[0]).toMatchObject({ row: { scorepercentage: 0 } });
  });

  it('refuses a maxMinutes beyond INT4 and an attempt without a state', () => {
    expect(() => opsOf({ ...finalized, maxMinutes: 2 ** 31 })).toThrow(/maxMinutes/);
    expect(() => opsOf(without(finalized, 'state'))).toThrow(/state/);
  });
});
