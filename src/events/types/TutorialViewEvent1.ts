// TutorialViewEvent1 → tutorialview (append): one view of a tutorial, recorded when it is closed.
// docs/schema.md#event-types; session key `session` (not loaded). `step` is the 1-based step at close.
import { z } from 'zod';
import { commonFields } from '../envelope.js';
import { defineHandler, put } from '../handler.js';
import { int, long } from '../shapes.js';

export const handler = defineHandler({
  type: 'TutorialViewEvent1',
  schema: z.object({
    ...commonFields,
    userId: long,
    tutorialName: z.string(),
    autoPlay: z.boolean(),
    step: int,
    complete: z.boolean(),
  }),
  transform: (e) => [
    put('tutorialview', { userid: e.userId, time: e.time, tutorialname: e.tutorialName, autoplay: e.autoPlay, step: e.step, complete: e.complete }),
  ],
});
