// Instructor snapshot days (docs/schema.md#snapshot-days) through the Redshift stand-in: the six counts per
// active instructor and section for one UTC day, idempotent re-runs, updates in place, and a
// failed run that leaves nothing behind. Tests run in order and share the data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSnapshotDay, generateSnapshotDays, nextDay } from '../../src/warehouse/snapshot.js';
import { insert, insertDataSet, startWarehouseFixture, type WarehouseFixture } from './fixture.js';

let w: WarehouseFixture;

beforeAll(async () => {
  w = await startWarehouseFixture('wh_snapshot');
  await insertDataSet(w);
});
afterAll(async () => {
  await w?.stop();
});

const snapshot = async () =>
  (await w.s.query('SELECT * FROM instructorsnapshotday ORDER BY "date", userid, sectionid')).rows;

/** A row with counts [sectionentry, attemptgrade, discussionpost, discussionreply, discussionvisit]. */
function row(userid: string, sectionid: string, date: string, c: [number, number, number, number, number]) {
  return {
    userid, sectionid, date,
    numsectionentry: c[0], numattemptgrade: c[1], numdiscussionpost: c[2], numdiscussionreply: c[3], numdiscussionvisit: c[4],
    numdiscussioninteraction: c[2] + c[3] + c[4],
  };
}

describe('generateSnapshotDay', () => {
  const today = () => [
    row('100', '1', w.today, [1, 1, 1, 1, 1]),
    row('101', '5', w.today, [0, 0, 0, 0, 0]),
    row('101', '6', w.today, [0, 0, 0, 0, 0]),
  ];
  const yesterday = () => [
    row('100', '1', w.day(-1), [1, 1, 0, 1, 0]),
    row('101', '5', w.day(-1), [0, 0, 0, 0, 0]),
    row('101', '6', w.day(-1), [0, 0, 0, 0, 1]),
  ];

  it('counts the day [00:00, 24:00) per active instructor and section', async () => {
    expect(await generateSnapshotDay(w.s, w.today)).toEqual({ days: [w.today], rows: 3, updated: 0, inserted: 3 });
    expect(await snapshot()).toEqual(today());
  });

  it('changes nothing when the same day runs again', async () => {
    expect(await generateSnapshotDay(w.s, w.today)).toEqual({ days: [w.today], rows: 3, updated: 3, inserted: 0 });
    expect(await snapshot()).toEqual(today());
  });

  it('runs a list of days in one transaction, each once, leaving other days alone', async () => {
    const before = w.s.statements;
    const result = await generateSnapshotDays(w.s, [w.today, w.day(-1), w.today]);
    expect(result).toEqual({ days: [w.day(-1), w.today], rows: 6, updated: 3, inserted: 3 });
    expect(w.s.statements - before).toBe(9); // BEGIN … COMMIT, whatever the number of days
    expect(await snapshot()).toEqual([...yesterday(), ...today()]);
  });

  it('updates a day in place when new activity arrives', async () => {
    await insert(w.s, 'pagenavevent', ['id', 'time', 'sessionid', 'userid', 'url', 'sectionid', 'assettypeid'], [
      ['pv6', w.ts(0, '23:59:59'), 1, 100, '/d1', 1, 'discussion.1'],
    ]);
    await generateSnapshotDay(w.s, w.today);
    const [first, ...rest] = today();
    expect(await snapshot()).toEqual([...yesterday(), { ...first, numdiscussionvisit: 2, numdiscussioninteraction: 4 }, ...rest]);
  });

  it('rolls a failed run back entirely and can run again on the same session', async () => {
    const before = await snapshot();
    await w.s.query('DELETE FROM instructorsnapshotday WHERE "date" = $1', [w.day(-1)]);
    w.fx.standin.injectFault({ match: /^INSERT INTO "instructorsnapshotday" \(/, error: { code: 'XX000', message: 'injected' } });
    await expect(generateSnapshotDay(w.s, w.day(-1))).rejects.toThrow(/injected/);
    expect((await snapshot()).filter((r) => r.date === w.day(-1))).toEqual([]);
    await generateSnapshotDay(w.s, w.day(-1));
    expect(await snapshot()).toEqual(before);
    await expect(w.s.query('SELECT 1 FROM instructorsnapshotday_stage')).rejects.toThrow();
  });

  it('rejects a day that is not a YYYY-MM-DD calendar date', async () => {
    for (const bad of ['2024-02-30', '2024-1-01', "2024-01-01'", '']) {
      await expect(generateSnapshotDay(w.s, bad)).rejects.toThrow(/invalid snapshot day/);
    }
    expect(nextDay('2024-02-28')).toBe('2024-02-29');
    expect(nextDay('2023-12-31')).toBe('2024-01-01');
  });
});
