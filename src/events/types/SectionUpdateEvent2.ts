// SectionUpdateEvent2 → section (merge). docs/schema.md#event-types; session key `session` (not loaded).
import { z } from 'zod';
import type { Rows } from '../../model/tables.js';
import { commonFields } from '../envelope.js';
import { defineHandler, put } from '../handler.js';
import { instant, integrationSchema, long, optString, sectionDataSchema } from '../shapes.js';

/** The members SectionCreateEvent2 and SectionUpdateEvent2 share (create adds `contents`). */
export const sectionFields = {
  ...commonFields,
  section: sectionDataSchema,
  offeringId: long.nullish(),
  offeringGroupId: optString,
  offeringName: optString,
  integration: integrationSchema.nullish(),
  disabled: z.boolean().nullish(),
  startDate: instant.nullish(),
  endDate: instant.nullish(),
  groupId: optString,
};

const schema = z.object(sectionFields);

/** The section row of a create or update event. */
export function rsSection(e: z.output<typeof schema>): Rows['section'] {
  const system = e.integration?.system;
  return {
    id: e.section.id,
    externalid: e.section.externalId ?? null,
    name: e.section.name ?? null,
    integrationuniqueid: e.integration?.uniqueId ?? null,
    integrationsystemid: system?.id ?? null,
    integrationsystemidentifier: system?.systemId ?? null,
    integrationsystemname: system?.name ?? null,
    offeringid: e.offeringId ?? null,
    offeringgroupid: e.offeringGroupId ?? null,
    offeringname: e.offeringName ?? null,
    disabled: e.disabled ?? null,
    starttime: e.startDate ?? null,
    endtime: e.endDate ?? null,
    groupid: e.groupId ?? null,
  };
}

export const handler = defineHandler({
  type: 'SectionUpdateEvent2',
  schema,
  transform: (e) => [put('section', rsSection(e))],
});
