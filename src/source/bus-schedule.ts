// When buses are due. A bus is due when it is Active, not blocked and its `scheduled` time has come;
// the one furthest behind (the oldest watermark) goes first, so when a poll cannot start every due
// bus (poll.concurrency, its time budget) the lag that is largest shrinks first (docs/design.md#concurrency).
// The schedule itself is written by the load's advance (bus-advance.ts, docs/design.md#schedule) and
// a failure's backoff (bus-state.ts, docs/design.md#backoff).
import type pg from 'pg';
import { ident } from '../sql/quote.js';
import { BUS_COLUMNS, toBus, type Bus } from './bus.js';

/**
 * What a poll pass starts from, in one query: every bus (by id, as listBuses) and the ids of the
 * due ones, oldest lag first (the oldest watermark: the bus furthest behind starts first when
 * `poll` loads several at once or its time budget runs out). A blocked bus is never due: it waits
 * for `rsetl unblock`. An idle `rsetl poll` needs nothing else from the control schema (the buses
 * named by --bus, and the failing ones it reports, are among them).
 */
export async function pollPlan(client: pg.ClientBase, controlSchema: string): Promise<{ buses: Bus[]; dueIds: number[] }> {
  const r = await client.query(
    `select ${BUS_COLUMNS}, (state = 'Active' and not blocked and scheduled <= now()) as due
         from ${ident(controlSchema)}.bus order by window_time, scheduled, id`,
  );
  const dueIds = r.rows.filter((x) => x.due === true).map((x) => x.id as number);
  const buses = r.rows.map(toBus).sort((a, b) => a.id - b.id);
  return { buses, dueIds };
}

/**
 * Seconds until the next Active bus is due (0 when one is due now), or undefined with none;
 * only among `among` when given (`poll --loop --bus X` sleeps until X is due, not until any bus is).
 */
export async function secondsUntilNextDue(client: pg.ClientBase, controlSchema: string, among?: number[]): Promise<number | undefined> {
  const r = await client.query(
    // No row without such a bus (GREATEST ignores the NULL of an empty min() and would say 0: due now).
    `select greatest(0, extract(epoch from min(scheduled) - now()))::float8 as s from ${ident(controlSchema)}.bus
       where state = 'Active' and not blocked and ($1::int[] is null or id = any($1::int[])) having count(*) > 0`,
    [among ?? null],
  );
  const s = r.rows[0]?.s;
  return s === null || s === undefined ? undefined : Number(s);
}

/** Makes the bus due again right away (catch-up: the last window was full, docs/design.md#catch-up). */
export async function scheduleNow(client: pg.ClientBase, controlSchema: string, busId: number): Promise<void> {
  await client.query(`update ${ident(controlSchema)}.bus set scheduled = now() where id = $1`, [busId]);
}
