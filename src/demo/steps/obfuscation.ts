// Obfuscation: the learner who dropped the course asks to be forgotten; after their last event the
// platform's GDPR service sends UserObfuscateEvent1 (its `source` is the domain id, not a host).
import type { DemoStep } from '../timeline.js';
import { eventJson } from './event-json.js';

export const obfuscationStep: DemoStep = {
  name: 'obfuscation',
  plan(world, rng) {
    const o = world.obfuscation;
    if (!o) return [];
    const r = rng.fork();
    return [{ at: o.at, expand: () => [eventJson(r, world, 'UserObfuscateEvent1', o.at, { source: world.rootId, actionType: 'end', userId: o.user.id })] }];
  },
};
