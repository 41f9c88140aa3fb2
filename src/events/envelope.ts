// One row of the application's outbox (`analyticfinder`, docs/design.md#outbox) and the envelope
// every event JSON shares (docs/schema.md#event-envelope).
import { z } from 'zod';
import { instant } from './shapes.js';

export interface OutboxEvent {
  /** `analyticfinder.id`, a bigint, as a decimal string. */
  id: string;
  /** `analyticfinder.guid`: the event's own UUID. */
  guid: string | null;
  /** `analyticfinder.time`, ISO. */
  time: string;
  /** `analyticfinder.datajson`, parsed. */
  datajson: unknown;
}

/**
 * The members common to every event. Only `eventType` must be valid here: the envelope is read
 * before the type is known, and an ignored or unknown type must be counted, not blocked, whatever
 * else it carries. Each handler's schema then validates the members it reads (`commonFields`).
 * `sessionId` or `session`: the JSON key differs by type (docs/schema.md#event-envelope).
 */
export const envelopeSchema = z.object({
  eventType: z.string().min(1),
  id: z.string().optional().catch(undefined),
  time: z.string().optional().catch(undefined),
  source: z.string().optional().catch(undefined),
  sessionId: z.number().optional().catch(undefined),
  session: z.number().optional().catch(undefined),
  actionType: z.string().optional().catch(undefined),
});

export type Envelope = z.output<typeof envelopeSchema>;

/** The envelope members a handled type must carry, with the event time converted for Redshift. */
export const commonFields = {
  eventType: z.string().min(1),
  /** The event UUID. */
  id: z.string().min(1),
  time: instant,
  source: z.string().nullish(),
};
