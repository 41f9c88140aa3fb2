import { describe, expect, it } from 'vitest';
import { opsOf, without } from './support.js';

const user = {
  id: 51234,
  externalId: 'S0051234',
  email: 'zoe.mueller@example.edu',
  userName: 'zmueller',
  givenName: 'Zoë',
  familyName: 'Müller',
  fullName: 'Zoë Müller',
  subtenantId: 'north',
  subtenantName: 'North Campus',
  integration: 'banner',
  uniqueId: 'B00051234',
};

const usrRow = {
  id: 51234,
  externalid: 'S0051234',
  email: 'zoe.mueller@example.edu',
  username: 'zmueller',
  emaildomain: 'example.edu',
  givenname: 'Zoë',
  familyname: 'Müller',
  fullname: 'Zoë Müller',
  subtenantid: 'north',
  subtenantname: 'North Campus',
  integration: 'banner',
  uniqueid: 'B00051234',
};

const create = {
  eventType: 'EnrollmentCreateEvent2',
  id: '9a3f7e0c-1b2d-4c5e-8f90-a1b2c3d4e5f6',
  session: 88123,
  source: 'lms.example.edu',
  time: '2025-01-14T16:22:05.120Z',
  actionType: 'create',
  enrollmentId: 600712,
  user,
  sectionId: 3012,
  role: 'student',
  disabled: false,
  startTime: '2025-01-13T05:00:00Z',
  endTime: '2025-05-09T04:59:59Z',
  dataSource: 'SIS',
};

const enrollmentRow = {
  id: 600712,
  userid: 51234,
  sectionid: 3012,
  role: 'student',
  disabled: false,
  starttime: '2025-01-13 05:00:00.000',
  endtime: '2025-05-09 04:59:59.000',
  datasource: 'SIS',
};

describe('EnrollmentCreateEvent2', () => {
  it('puts the user (rsUser) and the enrollment', () => {
    expect(opsOf(create)).toEqual([
      { table: 'usr', op: 'put', row: usrRow },
      { table: 'enrollment', op: 'put', row: enrollmentRow },
    ]);
  });

  it('gives no emaildomain to an e-mail with a +', () => {
    const ops = opsOf({ ...create, user: { ...user, email: 'zoe+bio@example.edu' } });
    expect(ops[0]).toEqual({ table: 'usr', op: 'put', row: { ...usrRow, email: 'zoe+bio@example.edu', emaildomain: null } });
  });

  it('writes nulls for a user with only an id, and for absent optional enrollment fields', () => {
    const ev = { ...without(create, 'startTime', 'endTime', 'dataSource'), user: { id: 51234 } };
    expect(opsOf(ev)).toEqual([
      {
        table: 'usr',
        op: 'put',
        row: {
          id: 51234,
          externalid: null,
          email: null,
          username: null,
          emaildomain: null,
          givenname: null,
          familyname: null,
          fullname: null,
          subtenantid: null,
          subtenantname: null,
          integration: null,
          uniqueid: null,
        },
      },
      { table: 'enrollment', op: 'put', row: { ...enrollmentRow, starttime: null, endtime: null, datasource: null } },
    ]);
  });

  it("defaults the NOT NULL role and disabled of a NON_EMPTY event to '' and false", () => {
    const ops = opsOf(without(create, 'role', 'disabled'));
    expect(ops[1]).toEqual({ table: 'enrollment', op: 'put', row: { ...enrollmentRow, role: '', disabled: false } });
  });

  it('does not cut long strings (the staging layer cuts to the column bytes)', () => {
    const role = 'r'.repeat(100);
    expect(opsOf({ ...create, role })[1]).toMatchObject({ row: { role } });
  });
});

describe('EnrollmentUpdateEvent2', () => {
  it('puts the user and the enrollment like a create', () => {
    const ev = { ...create, eventType: 'EnrollmentUpdateEvent2', actionType: 'update', disabled: true, role: 'trialLearner' };
    expect(opsOf(ev)).toEqual([
      { table: 'usr', op: 'put', row: usrRow },
      { table: 'enrollment', op: 'put', row: { ...enrollmentRow, disabled: true, role: 'trialLearner' } },
    ]);
  });
});

describe('EnrollmentDeleteEvent1', () => {
  it('deletes the enrollment by id', () => {
    const ev = {
      eventType: 'EnrollmentDeleteEvent1',
      id: '1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6',
      session: 88123,
      source: 'lms.example.edu',
      time: '2025-02-01T09:00:00.000Z',
      actionType: 'delete',
      enrollmentId: 600712,
    };
    expect(opsOf(ev)).toEqual([{ table: 'enrollment', op: 'delete', key: { id: 600712 } }]);
  });
});
