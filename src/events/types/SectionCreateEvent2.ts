// SectionCreateEvent2 → section (merge) and the section's contents → sectioncontent (set-replace
// per section). docs/schema.md#event-types; `contents` is read null-safely (omitted when empty).
import { z } from 'zod';
import { defineHandler, put } from '../handler.js';
import { content1Schema, rsSectionContent } from '../shapes.js';
import { rsSection, sectionFields } from './SectionUpdateEvent2.js';

export const handler = defineHandler({
  type: 'SectionCreateEvent2',
  schema: z.object({ ...sectionFields, contents: z.array(content1Schema).nullish() }),
  transform: (e) => [
    put('section', rsSection(e)),
    ...(e.contents ?? []).map((c) => put('sectioncontent', rsSectionContent(e.section.id, c))),
  ],
});
