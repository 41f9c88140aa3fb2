// EnrollmentCreateEvent2 → usr (merge, via rsUser) and enrollment (merge). docs/schema.md#event-types.
// The reference cut `role` to 64 and `dataSource` to 255 characters: the column lengths, so the
// staging layer's byte cut covers them.
//
// Defaults for NOT NULL columns: the platform writes these events `NON_EMPTY`, so an absent `role`
// was the empty string and an absent `disabled` was false; they load as '' and false (docs/schema.md#defaults).
import { z } from 'zod';
import type { Rows } from '../../model/tables.js';
import { commonFields } from '../envelope.js';
import { defineHandler, put } from '../handler.js';
import { instant, long, optString, rsUser, userDataSchema } from '../shapes.js';

/** The members EnrollmentCreateEvent2 and EnrollmentUpdateEvent2 share (they are the same). */
export const enrollmentSchema = z.object({
  ...commonFields,
  enrollmentId: long,
  user: userDataSchema,
  sectionId: long,
  role: z.string().nullish(),
  disabled: z.boolean().nullish(),
  startTime: instant.nullish(),
  endTime: instant.nullish(),
  dataSource: optString,
});

export function rsEnrollment(e: z.output<typeof enrollmentSchema>): Rows['enrollment'] {
  return {
    id: e.enrollmentId,
    userid: e.user.id,
    sectionid: e.sectionId,
    role: e.role ?? '',
    disabled: e.disabled ?? false,
    starttime: e.startTime ?? null,
    endtime: e.endTime ?? null,
    datasource: e.dataSource ?? null,
  };
}

export const handler = defineHandler({
  type: 'EnrollmentCreateEvent2',
  schema: enrollmentSchema,
  transform: (e) => [put('usr', rsUser(e.user)), put('enrollment', rsEnrollment(e))],
});
