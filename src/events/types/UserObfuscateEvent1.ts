// UserObfuscateEvent1 → null the personal columns of the user (GDPR). docs/schema.md#key-ops
// (the old RsUserDao.obfuscate). The combine step makes it follow event order: a later put of the user in
// the same load cancels it, an earlier one is loaded already obfuscated.
import { z } from 'zod';
import { commonFields } from '../envelope.js';
import { defineHandler, obfuscate } from '../handler.js';
import { long } from '../shapes.js';

export const handler = defineHandler({
  type: 'UserObfuscateEvent1',
  schema: z.object({ ...commonFields, userId: long }),
  transform: (e) => [obfuscate(e.userId)],
});
