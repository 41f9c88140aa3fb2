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

