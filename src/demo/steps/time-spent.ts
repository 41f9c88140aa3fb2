// Time spent (TimeSpentEvent2): when a learner leaves an activity they worked on, the time on it
// (with its edge path and asset); at the end of some sessions, the time on the section's home page
// (no edge path, no asset: the platform sends those too, and they load only the user).
import type { Activity, DemoDraft, DemoStep } from '../timeline.js';
import type { DemoSession, World } from '../world.js';
import type { Random } from '../random.js';
import { entity, eventJson } from './event-json.js';

export const timeSpentStep: DemoStep = {
  name: 'time-spent',
  plan(world, rng) {
    const activities: Activity[] = [];
    for (const s of world.sessions) {
      if (s.work.length === 0) continue;
      const r = rng.fork();
      for (const w of s.work) {
        activities.push({ at: w.to, expand: () => [timeSpent(world, s, r, w.to, w.to - w.from, w.item.page)] });
      }
      if (r.chance(0.4)) {
        const at = s.end - 8_000;
        const duration = r.int(20_000, 180_000);
        activities.push({ at, expand: () => [timeSpent(world, s, r, at, duration, null)] });
      }
    }
    return activities;
  },
};

function timeSpent(world: World, s: DemoSession, r: Random, at: number, duration: number, page: { edgePath: string; assetId: number } | null): DemoDraft {
  const { user, section } = s.enrollment;
  return eventJson(r, world, 'TimeSpentEvent2', at, {
    actionType: 'time_spent',
    sessionId: s.id,
    user: user.data,
    context: entity(section),
    commitId: section.offering.commitId,
    edgePath: page?.edgePath ?? null,
    assetId: page?.assetId ?? null,
    durationSpent: duration,
    maintenance: null,
    originSectionId: s.originSectionId,
  });
}
