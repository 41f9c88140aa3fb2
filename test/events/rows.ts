// Row fixtures shared by the combine and staged-lines tests: one grade key and a user with every
// personal column filled.
import type { Rows } from '../../src/model/tables.js';

/** The grade of user 1 in section 2 on edge path e1. */
export const grade = (assetid: number, pointsawarded: number): Rows['grade'] => ({
  userid: 1,
  sectionid: 2,
  edgepath: 'e1',
  assetid,
  time: '2025-01-01 00:00:00.000',
  forcredit: true,
  pointsawarded,
  pointspossible: 10,
  percentage: pointsawarded * 10,
});

export const user = (id: number, email: string): Rows['usr'] => ({
  id,
  externalid: `S${id}`,
  email,
  username: `u${id}`,
  emaildomain: email.split('@')[1] ?? null,
  givenname: 'Ada',
  familyname: 'Lovelace',
  fullname: 'Ada Lovelace',
  subtenantid: 'north',
  subtenantname: 'North Campus',
  integration: 'banner',
  uniqueid: `B${id}`,
});
