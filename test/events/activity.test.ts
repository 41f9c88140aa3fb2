import { describe, expect, it } from 'vitest';
import { opsOf, without } from './support.js';

const start = {
  eventType: 'SessionEvent',
  id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
  time: '2025-03-14T15:09:26.535Z',
  source: 'lms.example.edu',
  sessionId: 99887766,
  actionType: 'start',
  user: { id: 51234, externalId: 'S0051234' },
  requestUrl: 'https://lms.example.edu/control/login',
  ipAddress: '203.0.113.42',
  referrer: 'https://portal.example.edu/',
  acceptLanguage: 'en-US,en;q=0.9',
  userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  authMethod: 'direct',
};

const request = {
  userid: 51234,
  userextid: 'S0051234',
  requesturl: 'https://lms.example.edu/control/login',
  ipaddress: '203.0.113.42',
  referrer: 'https://portal.example.edu/',
  acceptlanguage: 'en-US,en;q=0.9',
  useragent: start.userAgent,
  authmethod: 'direct',
};

describe('SessionEvent', () => {
  it('puts a session and a sessionevent for a start with a sessionId', () => {
    expect(opsOf(start)).toEqual([
      { table: 'session', op: 'put', row: { id: 99887766, start: '2025-03-14 15:09:26.535', ...request } },
      {
        table: 'sessionevent',
        op: 'put',
        row: {
          id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
          time: '2025-03-14 15:09:26.535',
          source: 'lms.example.edu',
          sessionid: 99887766,
          actiontype: 'start',
          ...request,
          lastactive: null,
          becameactive: null,
        },
      },
    ]);
  });

  it('puts only the sessionevent for a start without a sessionId', () => {
    const ops = opsOf(without(start, 'sessionId'));
    expect(ops.map((o) => o.table)).toEqual(['sessionevent']);
    expect(ops[0]).toMatchObject({ row: { sessionid: null, actiontype: 'start' } });
  });

  it('puts only the sessionevent for an end, with lastActive', () => {
    const end = { ...start, actionType: 'end', time: '2025-03-14T16:00:00.000Z', lastActive: '2025-03-14T15:55:10.250Z' };
    const ops = opsOf(end);
    expect(ops).toHaveLength(1);
    expect(ops[0]).toEqual({
      table: 'sessionevent',
      op: 'put',
      row: {
        id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
        time: '2025-03-14 16:00:00.000',
        source: 'lms.example.edu',
        sessionid: 99887766,
        actiontype: 'end',
        ...request,
        lastactive: '2025-03-14 15:55:10.250',
        becameactive: null,
      },
    });
  });

  it('writes nulls for absent request members and keeps long values whole', () => {
    const url = `https://lms.example.edu/x?q=${'a'.repeat(2000)}`;
    const ev = { ...without(start, 'referrer', 'acceptLanguage', 'authMethod', 'ipAddress'), userAgent: null, requestUrl: url, user: { id: 51234 } };
    expect(opsOf(ev)[0]).toEqual({
      table: 'session',
      op: 'put',
      row: {
        id: 99887766,
        start: '2025-03-14 15:09:26.535',
        userid: 51234,
        userextid: null,
        requesturl: url,
        ipaddress: null,
        referrer: null,
        acceptlanguage: null,
        useragent: null,
        authmethod: null,
      },
    });
  });
});

const user = { id: 51234, externalId: 'S0051234', email: 'ada+x@example.edu', givenName: '小明', familyName: '王' };

describe('SectionEntryEvent1', () => {
  const entry = {
    eventType: 'SectionEntryEvent1',
    id: '2c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f',
    time: '2025-03-14T15:10:02.004Z',
    source: 'lms.example.edu',
    sessionId: 99887766,
    actionType: 'enter',
    user,
    role: 'student',
    sectionId: 3012,
    originSectionId: 3001,
  };

  it('puts the user and appends a sectionentry', () => {
    expect(opsOf(entry)).toEqual([
      {
        table: 'usr',
        op: 'put',
        row: {
          id: 51234,
          externalid: 'S0051234',
          email: 'ada+x@example.edu',
          username: null,
          emaildomain: null,
          givenname: '小明',
          familyname: '王',
          fullname: null,
          subtenantid: null,
          subtenantname: null,
          integration: null,
          uniqueid: null,
        },
      },
      {
        table: 'sectionentry',
        op: 'put',
        row: { userid: 51234, sectionid: 3012, time: '2025-03-14 15:10:02.004', sessionid: 99887766, role: 'student', originsectionid: 3001 },
      },
    ]);
  });

  it('writes null for an absent originSectionId', () => {
    expect(opsOf(without(entry, 'originSectionId'))[1]).toMatchObject({ row: { originsectionid: null } });
  });
});

describe('PageNavEvent', () => {
  const nav = {
    eventType: 'PageNavEvent',
    id: '7d444840-9dc0-11d1-b245-5ffdce74fad2',
    time: '2025-03-14T15:11:45.900Z',
    source: 'lms.example.edu',
    sessionId: 99887766,
    actionType: 'navigate',
    clientTime: '2025-03-14T15:11:45.512Z',
    user: { id: 51234, externalId: 'S0051234' },
    url: 'https://lms.example.edu/Courses/BIO-101-S25/#/content/9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
    title: 'Cells and Membranes',
    course: { section: { id: 3012, externalId: 'BIO-101-S25' }, offeringId: 2900, branchId: 2800, commitId: 2801 },
    content: { contentId: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b', assetId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' },
    contentType: 'discussion.1',
    contentTitle: 'Discuss: why membranes matter',
    impersonatedUserId: 4,
    er: false,
  };

  it('appends a pagenavevent with the course and content', () => {
    expect(opsOf(nav)).toEqual([
      {
        table: 'pagenavevent',
        op: 'put',
        row: {
          id: '7d444840-9dc0-11d1-b245-5ffdce74fad2',
          time: '2025-03-14 15:11:45.900',
          source: 'lms.example.edu',
          sessionid: 99887766,
          userid: 51234,
          userextid: 'S0051234',
          url: nav.url,
          pagetitle: 'Cells and Membranes',
          sectionid: 3012,
          sectionextid: 'BIO-101-S25',
          edgepath: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
          assettypeid: 'discussion.1',
          assettitle: 'Discuss: why membranes matter',
          er: false,
        },
      },
    ]);
  });

  it('writes nulls without course, content, title and er', () => {
    const dashboard = { ...without(nav, 'course', 'content', 'contentType', 'contentTitle', 'title', 'er'), url: 'https://lms.example.edu/' };
    expect(opsOf(dashboard)[0]).toMatchObject({
      row: { url: 'https://lms.example.edu/', pagetitle: null, sectionid: null, sectionextid: null, edgepath: null, assettypeid: null, assettitle: null, er: null },
    });
  });
});
