import { describe, expect, it } from 'vitest';
import { activityId } from '../../src/events/activity.js';
import { ctx, opsOf, without } from './support.js';

const edgePath = '4b0f5a1c2d3e4f5061728394a5b6c7d8';
const activity = { table: 'activity', op: 'put', row: { id: 'bb1fe7c1-db33-badb-0291-74ad9c0f8a13', etltime: '2025-03-20 12:00:00.000', sectionid: 3012, userid: 51234, edgepath: edgePath } };

describe('activityId', () => {
  it('is a 36-character UUID-formatted hash of (section, user, edge path, load time)', () => {
    const id = activityId(3012, 51234, edgePath, ctx.loadTime);
    expect(id).toBe('bb1fe7c1-db33-badb-0291-74ad9c0f8a13');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('differs when any part of the key differs', () => {
    const ids = new Set([
      activityId(3012, 51234, edgePath, ctx.loadTime),
      activityId(3013, 51234, edgePath, ctx.loadTime),
      activityId(3012, 51235, edgePath, ctx.loadTime),
      activityId(3012, 51234, '_root_', ctx.loadTime),
      activityId(3012, 51234, edgePath, '2025-03-20 12:00:00.001'),
      activityId(301, 251234, edgePath, ctx.loadTime),
    ]);
    expect(ids.size).toBe(6);
  });
});

describe('GradePutEvent1', () => {
  const put = {
    eventType: 'GradePutEvent1',
    id: 'e3b0c442-98fc-4c14-9afb-f4c8996fb924',
    time: '2025-03-14T15:09:26.535Z',
    source: 'lms.example.edu',
    sessionId: 99887766,
    actionType: 'put',
    learner: { id: 51234, externalId: 'S0051234' },
    section: { id: 3012, externalId: 'BIO-101-S25' },
    edgePath,
    assetId: 91004,
    forCredit: true,
    score: { points_awarded: 2.675, points_possible: 3, raw_score: 0.8916666666666667 },
  };

  it('puts the grade with a HALF-UP percentage and an activity key', () => {
    expect(opsOf(put)).toEqual([
      {
        table: 'grade',
        op: 'put',
        row: { userid: 51234, sectionid: 3012, edgepath: edgePath, assetid: 91004, time: '2025-03-14 15:09:26.535', forcredit: true, pointsawarded: 2.675, pointspossible: 3, percentage: 89.17 },
      },
      activity,
    ]);
  });

  it('gives percentage 0 when nothing is possible, and reads absent score points as 0', () => {
    expect(opsOf({ ...put, score: { points_awarded: 0, points_possible: 0 } })[0]).toMatchObject({ row: { pointsawarded: 0, pointspossible: 0, percentage: 0 } });
    expect(opsOf({ ...put, score: { points_possible: 5 } })[0]).toMatchObject({ row: { pointsawarded: 0, pointspossible: 5, percentage: 0 } });
  });

  it('adds no activity key for a maintenance re-emission, but one for maintenance false', () => {
    expect(opsOf({ ...put, maintenance: true }).map((o) => o.table)).toEqual(['grade']);
    expect(opsOf({ ...put, maintenance: false }).map((o) => o.table)).toEqual(['grade', 'activity']);
  });

  it('takes an event without a sessionId', () => {
    expect(opsOf(without(put, 'sessionId'))).toHaveLength(2);
  });

  it('refuses an event without a score or forCredit', () => {
    expect(() => opsOf(without(put, 'score'))).toThrow(/score/);
    expect(() => opsOf(without(put, 'forCredit'))).toThrow(/forCredit/);
  });
});

describe('GradeUnsetEvent', () => {
  const unset = {
    eventType: 'GradeUnsetEvent',
    id: '9c8b7a6f-5e4d-4c3b-8a29-1f0e9d8c7b6a',
    session: 99887766,
    source: 'lms.example.edu',
    time: '2025-03-15T08:00:00.000Z',
    actionType: 'save',
    course: { section: { id: 3012, externalId: 'BIO-101-S25' }, assetGuid: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', offeringId: 2900, branchId: 2800, commitId: 2801 },
    contentId: { contentId: edgePath, assetId: '6fa459ea-ee8a-4ca4-894e-db77e160355e' },
    learner: { id: 51234, externalId: 'S0051234' },
    subject: { id: 40001, externalId: 'I0040001' },
  };

  it('deletes the grade of (learner, section, edge path) and adds an activity key', () => {
    expect(opsOf(unset)).toEqual([{ table: 'grade', op: 'delete', key: { userid: 51234, sectionid: 3012, edgepath: edgePath } }, activity]);
  });

  it('adds no activity key for a maintenance re-emission', () => {
    expect(opsOf({ ...unset, maintenance: true })).toEqual([{ table: 'grade', op: 'delete', key: { userid: 51234, sectionid: 3012, edgepath: edgePath } }]);
  });
});
