// SectionDeleteEvent1 → delete the section row by id (no cascade, as in the reference).
import { z } from 'zod';
import { commonFields } from '../envelope.js';
import { defineHandler, del } from '../handler.js';
import { long } from '../shapes.js';

export const handler = defineHandler({
  type: 'SectionDeleteEvent1',
  schema: z.object({ ...commonFields, sectionId: long }),
  transform: (e) => [del('section', { id: e.sectionId })],
});
