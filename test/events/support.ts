// Runs one event JSON through transformEvent as if read from the outbox.
import { transformEvent, type TransformResult } from '../../src/events/registry.js';

export const ctx = { loadTime: '2025-03-20 12:00:00.000' };

export function transform(datajson: unknown, row: { id?: string; guid?: string | null; time?: string } = {}): TransformResult {
  return transformEvent(
    {
      id: row.id ?? '700001',
      guid: row.guid === undefined ? 'c0ffee00-0000-4000-8000-000000000001' : row.guid,
      time: row.time ?? '2025-03-14T15:09:26.535Z',
      datajson,
    },
    ctx,
  );
}

/** The ops of a handled event. */
export function opsOf(datajson: unknown): TransformResult['ops'] {
  const r = transform(datajson);
  if (r.status !== 'handled') throw new Error(`expected a handled event, got ${r.status}`);
  return r.ops;
}

/** A deep copy without the named top-level members (to test absent optionals). */
export function without<T extends object>(o: T, ...keys: string[]): T {
  const copy = structuredClone(o) as Record<string, unknown>;
  for (const k of keys) delete copy[k];
  return copy as T;
}
