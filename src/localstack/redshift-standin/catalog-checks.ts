// Rules whose verdict depends on what the database holds, not on the text alone: replacing a view
// with different columns (view-columns.ts), changing a column that is not a VARCHAR
// (alter-table-rules.ts), merging from a view (merge-subset.ts). The text-level lint (cached per
// text) finds the statement and names the check; the session runs the check on the client's own
// backend session, after every earlier request has been answered and before it forwards the
// statement, so the check sees the client's open transaction and temp tables.
import type { InternalResult } from './backend-channel.js';
import type { Refusal } from './sql-tree.js';

/** The client's backend session, as a check may use it. */
export interface CatalogSession {
  /** Runs one simple-protocol query text on the session; the answer is the stand-in's, not the client's. */
  query(sql: string): Promise<InternalResult>;
  /** Whether the client is inside a transaction block (open or failed). */
  inTransactionBlock: boolean;
}

export interface CatalogCheck {
  /** Refuses the statement, or returns undefined to let it run (also when the check cannot tell). */
  run(session: CatalogSession): Promise<Refusal | undefined>;
}

/** Runs the checks in order; the first refusal wins. */
export async function runCatalogChecks(
  checks: readonly CatalogCheck[],
  backend: { query(sql: string): Promise<InternalResult> },
  inTransactionBlock: boolean,
): Promise<Refusal | undefined> {
  for (const check of checks) {
    const refused = await check.run({ query: (sql) => backend.query(sql), inTransactionBlock });
    if (refused) return refused;
  }
  return undefined;
}

/**
 * Runs a read-only catalog query and returns its rows, or undefined when it fails: inside a failed
 * transaction the backend refuses everything (25P02), and the client's statement then gets that
 * same answer from the backend itself. The queries used never fail otherwise, so they cannot
 * abort the client's open transaction.
 */
export async function catalogRows(session: CatalogSession, sql: string): Promise<(string | null)[][] | undefined> {
  const r = await session.query(sql);
  return r.error ? undefined : r.rows;
}

const PROBE_SAVEPOINT = 'rsetl_standin_probe';

/**
 * Runs `sql` (which may change the database) and reads the sets its SELECTs return, then undoes
 * everything: in a transaction of its own when the client is idle, under a savepoint inside the
 * client's transaction block. Returns undefined when anything fails (the client's statement then
 * runs and the backend reports the failure itself).
 */
export async function probeAndUndo(session: CatalogSession, sql: string): Promise<(string | null)[][][] | undefined> {
  const inBlock = session.inTransactionBlock;
  const r = await session.query(`${inBlock ? `SAVEPOINT ${PROBE_SAVEPOINT}` : 'BEGIN'}; ${sql}`);
  // 25P02: the client's transaction had already failed, so no savepoint was made.
  if (!(inBlock && r.error?.code === '25P02')) {
    await session.query(inBlock ? `ROLLBACK TO SAVEPOINT ${PROBE_SAVEPOINT}; RELEASE SAVEPOINT ${PROBE_SAVEPOINT}` : 'ROLLBACK');
  }
  return r.error ? undefined : r.sets;
}
