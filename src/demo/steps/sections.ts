// Sections: each created with its offering's content tree (SectionCreateEvent2), some updated
// (SectionUpdateEvent2: a later end date), and the sandbox section archived and then deleted
// (SectionDeleteEvent1). Admin actions, so the session key is `session` = the admin's session.
import type { Activity, DemoStep } from '../timeline.js';
import type { DemoSection, World } from '../world.js';
import { eventJson, iso } from './event-json.js';

const WEEK = 7 * 24 * 3_600_000;

function sectionFields(world: World, s: DemoSection, change: { name?: string; disabled?: boolean; endDate?: number } = {}) {
  return {
    session: world.adminSessionId,
    section: { id: s.id, externalId: s.externalId, name: change.name ?? s.name },
    offeringId: s.offering.id,
    offeringGroupId: s.offering.groupId,
    offeringName: s.offering.name,
    ...(s.integration ? { integration: s.integration } : {}),
    disabled: change.disabled ?? false,
    startDate: iso(s.startDate),
    endDate: iso(change.endDate ?? s.endDate),
    groupId: s.groupId,
  };
}

export const sectionsStep: DemoStep = {
  name: 'sections',
  plan(world, rng) {
    const activities: Activity[] = [];
    for (const s of world.sections) {
      const r = rng.fork();
      activities.push({
        at: s.createdAt,
        expand: () => [
          eventJson(r, world, 'SectionCreateEvent2', s.createdAt, { actionType: 'create', ...sectionFields(world, s), contents: s.offering.contents }),
        ],
      });
      for (const at of s.updates) {
        const change = s.deletedAt !== null ? { name: `${s.name} (archived)`, disabled: true } : { endDate: s.endDate + WEEK };
        activities.push({ at, expand: () => [eventJson(r, world, 'SectionUpdateEvent2', at, { actionType: 'update', ...sectionFields(world, s, change) })] });
      }
      const deletedAt = s.deletedAt;
      if (deletedAt !== null) {
        activities.push({
          at: deletedAt,
          expand: () => [eventJson(r, world, 'SectionDeleteEvent1', deletedAt, { actionType: 'delete', session: world.adminSessionId, sectionId: s.id })],
        });
      }
    }
    return activities;
  },
};
