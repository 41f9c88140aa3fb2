// At most one process works on a bus at a time (docs/design.md#concurrency): a session-level
// advisory lock in the source, keyed by the control schema and the bus id. Session-level, so it is
// held across every statement and transaction of the bus's loads; the server releases it when the
// session ends, also when the process dies, so no stale lock ever needs a person.
import type pg from 'pg';

const lockKey = (controlSchema: string) => `rsetl.bus:${controlSchema}`;

/**
 * Takes the bus's lock, waiting up to `timeoutMs` for it. Released by unlockBus() or when the
 * connection closes.
 */
export async function tryLockBus(client: pg.ClientBase, controlSchema: string, busId: number, timeoutMs = 0): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.query('select pg_try_advisory_lock(hashtext($1), $2) as ok', [lockKey(controlSchema), busId]);
    if (r.rows[0].ok === true) return true;
    if (Date.now() >= deadline) return false;
    // Waiting briefly lets a poll that is just finishing release the bus (poll.lockTimeoutSeconds).
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, deadline - Date.now())));
  }
}

export async function unlockBus(client: pg.ClientBase, controlSchema: string, busId: number): Promise<void> {
  await client.query('select pg_advisory_unlock(hashtext($1), $2)', [lockKey(controlSchema), busId]);
}
