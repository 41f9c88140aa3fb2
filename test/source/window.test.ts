import { describe, expect, it } from 'vitest';
import { formatPgTimestamp, parsePgTimestamp } from '../../src/source/timestamps.js';
import { WatermarkTracker } from '../../src/source/window.js';

const S = 1_000_000;
const now = parsePgTimestamp('2026-01-10 12:00:00');

function track(events: Array<[string, number]>, lookbackIds = 500) {
  const t = new WatermarkTracker(now, 300 * S, lookbackIds);
  for (const [id, time] of events) t.observe({ id, time });
  return t;
}

describe('timestamps', () => {
  it('round-trips PostgreSQL timestamp text in microseconds, UTC', () => {
    for (const text of ['2026-01-10 12:00:00.000000', '1999-12-31 23:59:59.999999', '2026-03-01 00:00:00.123000']) {
      expect(formatPgTimestamp(parsePgTimestamp(text))).toBe(text);
    }
    expect(parsePgTimestamp('2026-01-10 12:00:00.5')).toBe(parsePgTimestamp('2026-01-10 12:00:00') + 500_000);
  });
});

describe('the reference watermark algorithm', () => {
  it('moves to the last event and remembers the ids sharing its time when behind (backlog)', () => {
    const last = now - 3600 * S;
    const t = track([['1', last - S], ['2', last], ['3', last]]);
    expect(t.lookbackFrom()).toBe(last);
    expect(t.next([])).toEqual({ windowTime: last, windowIds: ['2', '3'] });
  });

  it('keeps remembering earlier loads\' ids at or after the new watermark (several loads ending on one time)', () => {
    const last = now - 3600 * S;
    const t = track([['4', last], ['5', last]]);
    // ids 2 and 3 were delivered by the previous load at the same time; 9 is a late row after it.
    const next = t.next([{ id: '2', time: last }, { id: '3', time: last }, { id: '9', time: last + S }]);
    expect(next.windowTime).toBe(last);
    expect(new Set(next.windowIds)).toEqual(new Set(['2', '3', '4', '5', '9']));
  });

  it('stays five minutes behind and remembers delivered ids in the lookback (near real time)', () => {
    const t = track([['7', now - 400 * S], ['8', now - 60 * S], ['9', now - 10 * S]]);
    expect(t.lookbackFrom()).toBe(now - 300 * S);
    const next = t.next([{ id: '5', time: now - 100 * S }, { id: '4', time: now - 900 * S }]);
    expect(next.windowTime).toBe(now - 300 * S);
    expect(next.windowIds).toEqual(['9', '8', '5']);
  });

  it('with an empty window keeps the previous ids still inside the lookback', () => {
    const t = track([]);
    const next = t.next([{ id: '5', time: now - 100 * S }]);
    expect(next).toEqual({ windowTime: now - 300 * S, windowIds: ['5'] });
  });

  it('moves past the oldest remembered id + 1 ms when the id limit is reached', () => {
    const t = track([['1', now - 50 * S], ['2', now - 40 * S], ['3', now - 30 * S]], 2);
    const next = t.next([]);
    expect(next.windowIds).toEqual(['3', '2']);
    expect(next.windowTime).toBe(now - 40 * S + 1000);
  });
});
