// EnrollmentDeleteEvent1 → delete the enrollment row by id.
import { z } from 'zod';
import { commonFields } from '../envelope.js';
import { defineHandler, del } from '../handler.js';
import { long } from '../shapes.js';

export const handler = defineHandler({
  type: 'EnrollmentDeleteEvent1',
  schema: z.object({ ...commonFields, enrollmentId: long }),
  transform: (e) => [del('enrollment', { id: e.enrollmentId })],
});
