// The envelope every demo event carries, as the platform's Jackson writes it
// (docs/schema.md#event-envelope): `eventType`, a UUID `id`, `time` as ISO-8601 UTC with milliseconds, `source` = host.
import type { Random } from '../random.js';
import type { DemoDraft } from '../timeline.js';
import type { World } from '../world.js';

export const iso = (ms: number): string => new Date(ms).toISOString();

export function eventJson(rng: Random, world: World, eventType: string, time: number, fields: Record<string, unknown>): DemoDraft {
  return { time, datajson: { eventType, id: rng.uuid(), time: iso(time), source: world.host, ...fields } };
}

/** An `ExternallyIdentifiableEntity` (`{id, externalId}`) of a user or a section. */
export const entity = (x: { id: number; externalId: string }): { id: number; externalId: string } => ({ id: x.id, externalId: x.externalId });
