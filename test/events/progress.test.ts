import { describe, expect, it } from 'vitest';
import { opsOf } from './support.js';

const lesson = '4b0f5a1c2d3e4f5061728394a5b6c7d8';

const progress = {
  eventType: 'ProgressPutEvent2',
  id: '5d41402a-bc4b-4a76-b971-9d911017c592',
  time: '2025-03-14T15:30:00.000Z',
  source: 'lms.example.edu',
  session: 99887766,
  actionType: 'put',
  sectionId: 3012,
  userId: 51234,
  values: [
    { edgePath: lesson, assetId: 91003, completions: 2, total: 3, visited: 3, testedOut: 0, skipped: 1, forCreditGrades: 1, forCreditGradesPossible: 2 },
    { edgePath: '_root_', assetId: 91001, completions: 1, total: 8, visited: 4, testedOut: 0, skipped: 0 },
  ],
};

const key = (edgepath: string) => ({ sectionid: 3012, userid: 51234, edgepath });
const lessonCounts = { completions: 2, total: 3, visited: 3, testedout: 0, skipped: 1, forcreditgrades: 1, forcreditgradespossible: 2 };
const rootCounts = { completions: 1, total: 8, visited: 4, testedout: 0, skipped: 0, forcreditgrades: 0, forcreditgradespossible: 0 };
const time = '2025-03-14 15:30:00.000';

describe('ProgressPutEvent2', () => {
  it('appends progressovertime, merges progress and adds an activity key per value', () => {
    expect(opsOf(progress)).toEqual([
      { table: 'progressovertime', op: 'put', row: { ...key(lesson), assetid: 91003, time, ...lessonCounts, percentage: 66.67 } },
      { table: 'progress', op: 'put', row: { ...key(lesson), assetid: 91003, ...lessonCounts, percentage: 66.67, updatetime: time } },
      { table: 'activity', op: 'put', row: { id: 'bb1fe7c1-db33-badb-0291-74ad9c0f8a13', etltime: '2025-03-20 12:00:00.000', ...key(lesson) } },
      { table: 'progressovertime', op: 'put', row: { ...key('_root_'), assetid: 91001, time, ...rootCounts, percentage: 12.5 } },
      { table: 'progress', op: 'put', row: { ...key('_root_'), assetid: 91001, ...rootCounts, percentage: 12.5, updatetime: time } },
      { table: 'activity', op: 'put', row: { id: 'd7dc68af-fbbc-55fa-4893-0f55abb73a2b', etltime: '2025-03-20 12:00:00.000', ...key('_root_') } },
    ]);
  });

  it('loads absent skipped, visited, testedOut and for-credit counts as 0, and percentage 0 of a total of 0', () => {
    const ops = opsOf({ ...progress, values: [{ edgePath: lesson, assetId: 91003, completions: 0, total: 0 }] });
    expect(ops[0]).toMatchObject({
      row: { completions: 0, total: 0, visited: 0, testedout: 0, skipped: 0, forcreditgrades: 0, forcreditgradespossible: 0, percentage: 0 },
    });
  });

  it('adds no activity keys for a maintenance re-emission', () => {
    expect(opsOf({ ...progress, maintenance: true }).map((o) => o.table)).toEqual(['progressovertime', 'progress', 'progressovertime', 'progress']);
  });

  it('refuses a value without completions or total', () => {
    expect(() => opsOf({ ...progress, values: [{ edgePath: lesson, assetId: 1, total: 3 }] })).toThrow(/values\[0\]\.completions/);
  });
});
