// The load ledger (docs/design.md#exactly-once): one row per committed load, written in the same Redshift transaction
// as the data. A bus whose watermark the ledger already holds as a load's starting point was
// loaded already (the process died after COMMIT and before the source was updated): it is
// fast-forwarded to the ledger's end point instead of being loaded twice.
import { createHash } from 'node:crypto';
import { ident, literal } from '../sql/quote.js';
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
type LedgerRow = { load_id: string; window_to: string; window_to_ids: string | null; events: string; snapshot_days: string | null };

function lookupSql(column: 'from_state' | 'load_id', busIdSql: string, valueSql: string): string {
  return `SELECT "load_id", "window_to", "window_to_ids", "events", "snapshot_days" FROM ${ident(LEDGER_TABLE)} WHERE "bus_id" = ${busIdSql} AND ${ident(column)} = ${valueSql} ORDER BY "loaded_at" DESC LIMIT 1`;
}

/** The ledger hit in a lookup's result rows (a batch reads it from its own result). */
export function ledgerHit(rows: readonly Record<string, unknown>[]): LedgerHit | undefined {
  const row = rows[0] as LedgerRow | undefined;
  return row
    ? { loadId: row.load_id, windowTo: row.window_to, windowToIds: parseIds(row.window_to_ids), events: Number(row.events), snapshotDays: parseIds(row.snapshot_days) }
    : undefined;
}

async function findOne(s: WarehouseSession, busId: number, column: 'from_state' | 'load_id', value: string): Promise<LedgerHit | undefined> {
  return ledgerHit((await s.query<LedgerRow>(lookupSql(column, '$1', '$2'), [busId, value])).rows);
}

/** An integer as SQL text, checked, since it is inlined rather than bound. */
function integerLiteral(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`${n} is not an integer`);
  return String(n);
}

/**
 * findByStart as one statement with its values inlined (for a batch sent in one round trip: the
 * simple-query protocol carries no parameters). Read its rows with ledgerHit.
 */
export function findByStartSql(busId: number, fromState: string): string {
  return lookupSql('from_state', integerLiteral(busId), literal(fromState));
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

/** The ledger row of a load, its values inlined (it travels in the load's last batch). */
export function insertEntrySql(e: LedgerEntry): string {
  const text = (v: string | null) => (v === null ? 'NULL' : literal(v));
  const values = [
    integerLiteral(e.busId),
    text(e.loadId),
    text(watermarkHash(e.busId, e.windowFrom, e.windowFromIds)),
    text(e.windowFrom),
    text(e.windowTo),
    text(e.windowToIds.join(',')),
    integerLiteral(e.events),
    e.firstEventId === null ? 'NULL' : `${text(e.firstEventId)}::int8`,
    e.lastEventId === null ? 'NULL' : `${text(e.lastEventId)}::int8`,
    text(e.loadedAt),
    text(e.snapshotDays.join(',')),
  ];
  return `INSERT INTO ${ident(LEDGER_TABLE)} ("bus_id", "load_id", "from_state", "window_from", "window_to", "window_to_ids", "events", "first_event_id", "last_event_id", "loaded_at", "snapshot_days") VALUES (${values.join(', ')})`;
}
