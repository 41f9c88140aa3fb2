// A bus's state and its failure: what stops it (a failed attempt, a data failure's block, a pause)
// and what lets it go on (resume, `rsetl unblock`). The poller writes failures; people change the
// rest (docs/design.md#failure-handling, docs/operations.md#unblock, docs/operations.md#bus-controls).
import type pg from 'pg';
import { ident } from '../sql/quote.js';
import { BUS_COLUMNS, toBus, type Bus, type BusState } from './bus.js';

export interface Failure {
  error: Record<string, unknown>;
  retryInSeconds: number;
  pause: boolean;
  block?: boolean;
}

export interface StateChange {
  resetFailures?: boolean;
  scheduleNow?: boolean;
}

/**
 * A failed attempt: count it, keep the error, and either schedule the retry after its backoff
 * or, for a data failure (`block`), stop retrying until a person decides (`rsetl unblock`).
 */
export async function recordFailure(client: pg.ClientBase, controlSchema: string, busId: number, failure: Failure): Promise<Bus> {
  const r = await client.query(
    `update ${ident(controlSchema)}.bus set failure_count = failure_count + 1, last_error = $2, last_error_at = now(),
         scheduled = now() + make_interval(secs => $3),
         state = case when $4 then 'Paused' else state end,
         blocked = $5
       where id = $1 returning ${BUS_COLUMNS}`,
    [busId, JSON.stringify(failure.error), failure.retryInSeconds, failure.pause, failure.block === true],
  );
  return toBus(r.rows[0]);
}

/**
 * Changes the state. `resetFailures` (resume) also lifts a block; `scheduleNow` makes the bus
 * due at once and lifts a block too: a person asked for another attempt (`unblock --retry`).
 */
export async function setState(client: pg.ClientBase, controlSchema: string, busId: number, state: BusState, opts: StateChange = {}): Promise<void> {
  await client.query(
    `update ${ident(controlSchema)}.bus set state = $2,
         failure_count = case when $3 then 0 else failure_count end,
         scheduled = case when $4 then now() else scheduled end,
         blocked = case when $3 or $4 then false else blocked end
       where id = $1`,
    [busId, state, opts.resetFailures ?? false, opts.scheduleNow ?? false],
  );
}

/**
 * A person settled the failure another way (a withdrawn replay, skipped events): the bus continues
 * at once. Runs on the caller's client, so inside a skip's transaction it commits with the skip.
 */
export async function clearFailure(client: pg.ClientBase, controlSchema: string, busId: number): Promise<void> {
  await client.query(
    `update ${ident(controlSchema)}.bus set failure_count = 0, blocked = false, last_error = null, last_error_at = null, scheduled = now() where id = $1`,
    [busId],
  );
}
