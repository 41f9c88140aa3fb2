// The stand-in's isolation modes: how a client session's transactions meet those of other sessions.
// PostgreSQL's SERIALIZABLE (serializable snapshot isolation) and REPEATABLE READ are the closest
// engine behaviour to Redshift's SERIALIZABLE and SNAPSHOT isolation: every transaction reads one
// snapshot, and a conflict with a concurrent transaction fails one of them. Their failures are
// PostgreSQL's own (SQLSTATE 40001, "could not serialize access ..."), so the session rewrites
// them into what Redshift reports, which clients recognise by the text (Redshift sends XX000).
//
// LOCK keeps its meaning: PostgreSQL takes a transaction's snapshot at its first statement that
// needs one, and LOCK does not, so a transaction that starts with LOCK waits for the lock holder
// to commit and then reads the committed state; writers that lock first queue instead of failing,
// as the "Isolation levels in Amazon Redshift" page advises.
import { decodeFields, errorResponse } from './backend-messages.js';
import type { StandinIsolation } from './index.js';

/** The startup option that sets the mode's isolation on a backend session (nothing for PostgreSQL's default). */
export function isolationStartupOption(mode: StandinIsolation): string | undefined {
  if (mode === 'serializable') return '-c default_transaction_isolation=serializable';
  // A space inside a startup option's value is escaped with a backslash.
  if (mode === 'snapshot') return '-c default_transaction_isolation=repeatable\\ read';
  return undefined;
}

/**
 * Redshift's serializable isolation error ("Troubleshooting serializable isolation errors";
 * drivers see message `1023`, SQLSTATE XX000 and this DETAIL). PostgreSQL names neither the table
 * nor the other transactions of the conflict, so the stand-in writes 0 for both; the pid is the
 * failing session's own backend process, as on Redshift.
 */
export function serializableViolation(pid: number): { code: string; message: string; detail: string } {
  return {
    code: 'XX000',
    message: '1023',
    detail: `Serializable isolation violation on table - 0, transactions forming the cycle are: 0 (pid:${pid})`,
  };
}

/**
 * What Redshift says when a transaction conflicts with a concurrent one under SNAPSHOT isolation
 * (its Serverless default). The AWS guide pages do not print it; this is the text the Redshift
 * JDBC driver and psycopg2 (as InternalError, i.e. SQLSTATE XX000) report from Redshift.
 */
export const SNAPSHOT_CONFLICT = { code: 'XX000', message: 'could not complete because of conflict with concurrent transaction' };

const SERIALIZATION_FAILURE = '40001';

/**
 * The ErrorResponse the client gets instead of `frame` under `mode`: a PostgreSQL serialization
 * failure becomes Redshift's error; anything else (and every error in `read-committed` mode, where
 * PostgreSQL raises none of its own) is left as it is (undefined).
 */
export function redshiftIsolationError(frame: Buffer, mode: StandinIsolation, pid: number): Buffer | undefined {
  if (mode === 'read-committed') return undefined;
  const fields = decodeFields(frame);
  if (fields.C !== SERIALIZATION_FAILURE) return undefined;
  const e: { code: string; message: string; detail?: string } = mode === 'serializable' ? serializableViolation(pid) : SNAPSHOT_CONFLICT;
  const severity = fields.S ?? 'ERROR';
  return errorResponse({ S: severity, V: fields.V ?? severity, C: e.code, M: e.message, ...(e.detail ? { D: e.detail } : {}) });
}
