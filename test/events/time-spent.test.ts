import { describe, expect, it } from 'vitest';
import { opsOf, without } from './support.js';

const edgePath = '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b';

const spent = {
  eventType: 'TimeSpentEvent2',
  id: 'a8098c1a-f86e-41d4-b2a4-9b1d6c3e5f70',
  time: '2025-03-14T15:40:00.123Z',
  source: 'lms.example.edu',
  sessionId: 99887766,
  actionType: 'time_spent',
  user: { id: 51234, externalId: 'S0051234', email: 'ada@example.edu', userName: 'ada', fullName: 'Ada Lovelace' },
  context: { id: 3012, externalId: 'BIO-101-S25' },
  commitId: 2801,
  edgePath,
  assetId: 91003,
  durationSpent: 754_321,
  originSectionId: 3001,
};

const usr = {
  table: 'usr',
  op: 'put',
  row: {
    id: 51234,
    externalid: 'S0051234',
    email: 'ada@example.edu',
    username: 'ada',
    emaildomain: 'example.edu',
    givenname: null,
    familyname: null,
    fullname: 'Ada Lovelace',
    subtenantid: null,
    subtenantname: null,
    integration: null,
    uniqueid: null,
  },
};

describe('TimeSpentEvent2', () => {
  it('puts the user, appends timespentdiscrete and adds an activity key', () => {
    expect(opsOf(spent)).toEqual([
      usr,
      {
        table: 'timespentdiscrete',
        op: 'put',
        row: {
          userid: 51234,
          edgepath: edgePath,
          sectionid: 3012,
          endtime: '2025-03-14 15:40:00.123',
          duration: 754_321,
          assetid: 91003,
          eventid: 'a8098c1a-f86e-41d4-b2a4-9b1d6c3e5f70',
          originsectionid: 3001,
        },
      },
      { table: 'activity', op: 'put', row: { id: 'ca0d4370-ea25-18e2-079c-9184e978f25c', etltime: '2025-03-20 12:00:00.000', sectionid: 3012, userid: 51234, edgepath: edgePath } },
    ]);
  });

  it('puts only the user without an edge path or without an asset id', () => {
    expect(opsOf(without(spent, 'edgePath'))).toEqual([usr]);
    expect(opsOf({ ...spent, assetId: null })).toEqual([usr]);
  });

  it('adds no activity key for a maintenance re-emission', () => {
    expect(opsOf({ ...spent, maintenance: true }).map((o) => o.table)).toEqual(['usr', 'timespentdiscrete']);
  });

  it('writes null for an absent originSectionId, and refuses an absent duration', () => {
    expect(opsOf(without(spent, 'originSectionId', 'sessionId', 'commitId'))[1]).toMatchObject({ row: { originsectionid: null } });
    expect(() => opsOf(without(spent, 'durationSpent'))).toThrow(/durationSpent/);
  });
});
