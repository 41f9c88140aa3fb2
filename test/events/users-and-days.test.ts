import { describe, expect, it } from 'vitest';
import { opsOf } from './support.js';

describe('TutorialViewEvent1', () => {
  it('appends a tutorialview', () => {
    const view = {
      eventType: 'TutorialViewEvent1',
      id: 'c4ca4238-a0b9-4382-8dcc-509a6f75849b',
      time: '2025-03-14T15:12:00.000Z',
      source: 'lms.example.edu',
      session: 99887766,
      actionType: 'end',
      userId: 51234,
      tutorialName: 'course-navigation',
      autoPlay: true,
      step: 3,
      complete: false,
    };
    expect(opsOf(view)).toEqual([
      { table: 'tutorialview', op: 'put', row: { userid: 51234, time: '2025-03-14 15:12:00.000', tutorialname: 'course-navigation', autoplay: true, step: 3, complete: false } },
    ]);
  });
});

describe('UserObfuscateEvent1', () => {
  it('obfuscates the user by id', () => {
    const gdpr = { eventType: 'UserObfuscateEvent1', id: 'eccbc87e-4b5c-4e2f-9e3a-8c1b7a6d5e4f', time: '2025-03-18T02:00:00.000Z', source: '1', actionType: 'end', userId: 51234 };
    expect(opsOf(gdpr)).toEqual([{ table: 'usr', op: 'obfuscate', key: { id: 51234 } }]);
  });
});

describe('InstructorSnapshotDayCreateEvent1', () => {
  const snapshot = {
    eventType: 'InstructorSnapshotDayCreateEvent1',
    id: 'a87ff679-a2f3-4e1c-8b7d-6e5f4a3b2c1d',
    source: 'lms.example.edu',
    time: '2025-03-15T00:05:00.000Z',
    actionType: 'snapshot',
    snapshotDay: '2025-03-14T00:05:00.000Z',
  };

  it('requests the snapshot of the UTC day of snapshotDay', () => {
    expect(opsOf(snapshot)).toEqual([{ table: 'instructorsnapshotday', op: 'generate', key: { date: '2025-03-14' } }]);
  });

  it('reads snapshotDay as epoch milliseconds or with an offset, in UTC', () => {
    expect(opsOf({ ...snapshot, snapshotDay: Date.UTC(2025, 2, 14, 23, 59) })).toEqual([{ table: 'instructorsnapshotday', op: 'generate', key: { date: '2025-03-14' } }]);
    expect(opsOf({ ...snapshot, snapshotDay: '2025-03-14T20:00:00-05:00' })).toEqual([{ table: 'instructorsnapshotday', op: 'generate', key: { date: '2025-03-15' } }]);
  });

  it('refuses an event without snapshotDay', () => {
    const { snapshotDay: _day, ...none } = snapshot;
    expect(() => opsOf(none)).toThrow(/snapshotDay/);
  });
});
