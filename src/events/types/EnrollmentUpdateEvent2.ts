// EnrollmentUpdateEvent2 → usr and enrollment, exactly as EnrollmentCreateEvent2.
import { defineHandler, put } from '../handler.js';
import { rsUser } from '../shapes.js';
import { enrollmentSchema, rsEnrollment } from './EnrollmentCreateEvent2.js';

export const handler = defineHandler({
  type: 'EnrollmentUpdateEvent2',
  schema: enrollmentSchema,
  transform: (e) => [put('usr', rsUser(e.user)), put('enrollment', rsEnrollment(e))],
});
