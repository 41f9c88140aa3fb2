// A load's id: it names the load's folder of staged objects and its ledger row, and the retention
// sweep (stage/retention.ts) recognises a folder it may delete by this shape alone, so the id is
// made and recognised here, in one place.
import { randomBytes } from 'node:crypto';

/** `20250401T120000Z-b3-1a2b3c`: the start time (UTC, seconds), the bus, and 3 random bytes. */
export function newLoadId(busId: number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-b${busId}-${randomBytes(3).toString('hex')}`;
}

const LOAD_ID = /^\d{8}T\d{6}Z-b\d+-[0-9a-f]{6}$/;

export function isLoadId(s: string): boolean {
  return LOAD_ID.test(s);
}
