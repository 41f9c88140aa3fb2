// The control schema's audit trail: every decision a person made about what a bus delivers
// (watermark moves, skips, replays, deletes), with who, when, why and the facts of the change.
// Rows outlive the bus they name, so a deleted bus's history can still be read.
import type pg from 'pg';
import { ident } from '../sql/quote.js';

export type AuditAction = 'watermark' | 'settings' | 'skip' | 'replay' | 'replay-cancel' | 'delete';

export interface AuditEntry {
  busId: number;
  action: AuditAction;
  by: string;
  reason: string | null;
  details: Record<string, unknown>;
}

export async function recordAudit(client: pg.ClientBase, controlSchema: string, e: AuditEntry): Promise<void> {
  await client.query(`insert into ${ident(controlSchema)}.audit (bus_id, action, by, reason, details) values ($1, $2, $3, $4, $5)`, [
    e.busId,
    e.action,
    e.by,
    e.reason,
    JSON.stringify(e.details),
  ]);
}

export async function auditTrail(client: pg.ClientBase, controlSchema: string, busId: number, limit = 50): Promise<Array<AuditEntry & { at: Date }>> {
  const r = await client.query(
    `select bus_id, action, by, at, reason, details from ${ident(controlSchema)}.audit where bus_id = $1 order by at desc, id desc limit $2`,
    [busId, limit],
  );
  return r.rows.map((x) => ({ busId: x.bus_id, action: x.action, by: x.by, at: x.at, reason: x.reason, details: x.details }));
}
