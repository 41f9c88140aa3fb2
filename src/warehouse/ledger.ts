// The load ledger (spec §4): one row per committed load, written in the same Redshift transaction
// as the data. A bus whose watermark the ledger already holds as a load's starting point was
// loaded already (the process died after COMMIT and before the source was updated): it is
// fast-forwarded to the ledger's end point instead of being loaded twice.
import { createHash } from 'node:crypto';
import { ident } from './sql.js';
import type { WarehouseSession } from './session.js';

export const LEDGER_TABLE = 'rsetl_load';

export const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS ${ident(LEDGER_TABLE)} (
  "bus_id" INT8 NOT NULL,
  "load_id" VARCHAR(64) NOT NULL,
  "from_state" VARCHAR(64) NOT NULL,
  "window_from" TIMESTAMP,
  "window_to" TIMESTAMP NOT NULL,
  "window_to_ids" VARCHAR(65535),
  "events" INT8 NOT NULL,
  "first_event_id" INT8,
  "last_event_id" INT8,
  "loaded_at" TIMESTAMP NOT NULL,
  "snapshot_days" VARCHAR(4096),
  PRIMARY KEY ("bus_id", "load_id")
)`;

export interface LedgerEntry {
  busId: number;
  loadId: string;
  windowFrom: string;
  windowFromIds: string[];
  windowTo: string;
  windowToIds: string[];
  events: number;
  firstEventId: string | null;
  lastEventId: string | null;
  loadedAt: string;
  /** Instructor snapshot days the load requested: a fast-forward must still generate them. */
  snapshotDays: string[];
}

/** Identifies a bus watermark: the same bus at the same (time, ids) always hashes the same. */
export function watermarkHash(busId: number, windowTime: string, windowIds: string[]): string {
  const ids = [...windowIds].sort().join(',');
  return createHash('sha256').update(`${busId}|${windowTime}|${ids}`).digest('hex');
}

function parseIds(text: string | null): string[] {
  return text ? text.split(',').filter(Boolean) : [];
}

type LedgerHit = { loadId: string; windowTo: string; windowToIds: string[]; events: number; snapshotDays: string[] };

async function findOne(s: WarehouseSession, busId: number, column: 'from_state' | 'load_id', value: string): Promise<LedgerHit | undefined> {
  const r = await s.query<{ load_id: string; window_to: string; window_to_ids: string | null; events: string; snapshot_days: string | null }>(
    `SELECT "load_id", "window_to", "window_to_ids", "events", "snapshot_days" FROM ${ident(LEDGER_TABLE)} WHERE "bus_id" = $1 AND ${ident(column)} = $2 ORDER BY "loaded_at" DESC LIMIT 1`,
    [busId, value],
  );
  const row = r.rows[0];
  return row
    ? { loadId: row.load_id, windowTo: row.window_to, windowToIds: parseIds(row.window_to_ids), events: Number(row.events), snapshotDays: parseIds(row.snapshot_days) }
    : undefined;
}

/** The committed load that started from this watermark, if any. */
export const findByStart = (s: WarehouseSession, busId: number, fromState: string) => findOne(s, busId, 'from_state', fromState);

/** The committed load with this id, if any. */
export const findByLoadId = (s: WarehouseSession, busId: number, loadId: string) => findOne(s, busId, 'load_id', loadId);

/**
 * After a COMMIT whose answer was lost: whether that load committed, asked only once the load's
 * transaction has ended. The load held the ledger's lock; taking it waits for a COMMIT still running
 * on the server (a dropped connection, a Data API statement still executing), so the answer is
 * final and never "not yet".
 */
export async function committedLoad(s: WarehouseSession, busId: number, loadId: string): Promise<LedgerHit | undefined> {
  await s.query('BEGIN');
  try {
    await s.query(`LOCK ${ident(LEDGER_TABLE)}`);
    return await findByLoadId(s, busId, loadId);
  } finally {
    await s.rollback();
  }
}

export async function insertEntry(s: WarehouseSession, e: LedgerEntry): Promise<void> {
  await s.query(
    `INSERT INTO ${ident(LEDGER_TABLE)} ("bus_id", "load_id", "from_state", "window_from", "window_to", "window_to_ids", "events", "first_event_id", "last_event_id", "loaded_at", "snapshot_days") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      e.busId,
      e.loadId,
      watermarkHash(e.busId, e.windowFrom, e.windowFromIds),
      e.windowFrom,
      e.windowTo,
      e.windowToIds.join(','),
      e.events,
      e.firstEventId,
      e.lastEventId,
      e.loadedAt,
      e.snapshotDays.join(','),
    ],
  );
}
