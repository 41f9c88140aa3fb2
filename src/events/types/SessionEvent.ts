// SessionEvent → sessionevent (append, always) and, only for `start` with a `sessionId`, session
// (insert-new). docs/schema.md#event-types; the session key is `sessionId` and is optional. The
// reference cut the request columns to their column lengths (1024/256/1024/2048/1024 characters);
// the staging layer's byte cut covers them.
import { z } from 'zod';
import { commonFields } from '../envelope.js';
import { defineHandler, put, type RowOp } from '../handler.js';
import { entitySchema, instant, long, optString } from '../shapes.js';

export const handler = defineHandler({
  type: 'SessionEvent',
  schema: z.object({
    ...commonFields,
    sessionId: long.nullish(),
    /** Lower-case action (`start`, `end`, `became_idle`, `became_active`, ...). */
    actionType: z.string().min(1),
    user: entitySchema,
    requestUrl: optString,
    ipAddress: optString,
    referrer: optString,
    acceptLanguage: optString,
    userAgent: optString,
    /** `direct`, `lti` or `ldap`. */
    authMethod: optString,
    lastActive: instant.nullish(),
    becameActive: instant.nullish(),
  }),
  // Rows written out member by member (no spreads of a shared request object): cheaper per event.
  transform: (e) => {
    const userid = e.user.id;
    const userextid = e.user.externalId ?? null;
    const requesturl = e.requestUrl ?? null;
    const ipaddress = e.ipAddress ?? null;
    const referrer = e.referrer ?? null;
    const acceptlanguage = e.acceptLanguage ?? null;
    const useragent = e.userAgent ?? null;
    const authmethod = e.authMethod ?? null;
    const ops: RowOp[] = [];
    if (e.actionType === 'start' && e.sessionId !== null && e.sessionId !== undefined) {
      ops.push(
        put('session', { id: e.sessionId, start: e.time, userid, userextid, requesturl, ipaddress, referrer, acceptlanguage, useragent, authmethod }),
      );
    }
    ops.push(
      put('sessionevent', {
        id: e.id,
        time: e.time,
        source: e.source ?? null,
        sessionid: e.sessionId ?? null,
        actiontype: e.actionType,
        userid,
        userextid,
        requesturl,
        ipaddress,
        referrer,
        acceptlanguage,
        useragent,
        authmethod,
        lastactive: e.lastActive ?? null,
        becameactive: e.becameActive ?? null,
      }),
    );
    return ops;
  },
});
