// Tutorials (TutorialViewEvent1, recorded when a tutorial is closed): the platform plays its
// tutorial to a user on their first visit (autoPlay; many close it before the last step), and a
// few users replay one later.
import type { Random } from '../random.js';
import type { Activity, DemoDraft, DemoStep } from '../timeline.js';
import type { DemoSession, World } from '../world.js';
import { TUTORIALS } from '../vocabulary.js';
import { eventJson } from './event-json.js';

export const tutorialsStep: DemoStep = {
  name: 'tutorials',
  plan(world, rng) {
    const activities: Activity[] = [];
    const seen = new Set<number>(); // users who had their first session
    for (const s of world.sessions) {
      if (s.withoutId) continue;
      const first = !seen.has(s.enrollment.user.id);
      seen.add(s.enrollment.user.id);
      const r = rng.fork();
      if (!(first ? r.chance(0.7) : r.chance(0.04))) continue;
      const tutorials = TUTORIALS.filter((t) => t.role === s.enrollment.role);
      const tutorial = r.pick(tutorials);
      const step = r.chance(0.5) ? tutorial.steps : r.int(1, tutorial.steps);
      const at = Math.min(s.end - 5_000, s.start + 25_000 + step * r.int(4_000, 15_000));
      const closed = { name: tutorial.name, autoPlay: first, step, complete: step === tutorial.steps };
      activities.push({ at, expand: () => [view(world, s, r, at, closed)] });
    }
    return activities;
  },
};

function view(world: World, s: DemoSession, r: Random, at: number, v: { name: string; autoPlay: boolean; step: number; complete: boolean }): DemoDraft {
  return eventJson(r, world, 'TutorialViewEvent1', at, {
    actionType: 'end',
    session: s.id,
    userId: s.enrollment.user.id,
    tutorialName: v.name,
    autoPlay: v.autoPlay,
    step: v.step,
    complete: v.complete,
  });
}
