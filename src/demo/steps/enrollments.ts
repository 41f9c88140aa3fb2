// Enrollments: every planned enrollment created (EnrollmentCreateEvent2 with the full UserData),
// a few updated (EnrollmentUpdateEvent2: an extension of the end date) and a few dropped
// (EnrollmentDeleteEvent1).
import type { Activity, DemoStep } from '../timeline.js';
import type { DemoEnrollment, World } from '../world.js';
import { eventJson, iso } from './event-json.js';

const EXTENSION = 14 * 24 * 3_600_000;

function enrollmentFields(world: World, e: DemoEnrollment, endDate = e.section.endDate) {
  return {
    session: world.adminSessionId,
    enrollmentId: e.id,
    user: e.user.data,
    sectionId: e.section.id,
    role: e.role,
    disabled: false,
    startTime: iso(e.section.startDate),
    endTime: iso(endDate),
    dataSource: e.dataSource,
  };
}

export const enrollmentsStep: DemoStep = {
  name: 'enrollments',
  plan(world, rng) {
    const activities: Activity[] = [];
    for (const e of world.enrollments) {
      const r = rng.fork();
      activities.push({
        at: e.createdAt,
        expand: () => [eventJson(r, world, 'EnrollmentCreateEvent2', e.createdAt, { actionType: 'create', ...enrollmentFields(world, e) })],
      });
      const { updatedAt, deletedAt } = e;
      if (updatedAt !== null) {
        activities.push({
          at: updatedAt,
          expand: () => [
            eventJson(r, world, 'EnrollmentUpdateEvent2', updatedAt, { actionType: 'update', ...enrollmentFields(world, e, e.section.endDate + EXTENSION) }),
          ],
        });
      }
      if (deletedAt !== null) {
        activities.push({
          at: deletedAt,
          expand: () => [eventJson(r, world, 'EnrollmentDeleteEvent1', deletedAt, { actionType: 'delete', session: world.adminSessionId, enrollmentId: e.id })],
        });
      }
    }
    return activities;
  },
};
