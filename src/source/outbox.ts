// Reading the application's outbox (`analyticfinder`): id bigint, datajson jsonb, guid varchar,
// time timestamp, root_id bigint, primary key (time, id), partitioned by month. rsetl only reads it.
import type pg from 'pg';
import { ident } from '../sql/quote.js';
import type { DeliveredEvent } from './window.js';

export interface OutboxRow {
  id: string;
  guid: string | null;
  /** PostgreSQL timestamp text, UTC. */
  time: string;
  datajson: unknown;
}

/** `analyticfinder` or `schema.analyticfinder`, each part quoted. */
export function outboxTableName(table: string): string {
  return table.split('.').map(ident).join('.');
}

/** Events per page of a window read: a page is what a load holds of the source at a time. */
export const WINDOW_PAGE_SIZE = 5000;

export interface WindowQuery {
  table: string;
  rootId: string;
  windowTime: string;
  windowIds: string[];
  /** Upper bound (exclusive): future-dated events wait (docs/design.md#future-events). */
  now: string;
  limit: number;
  pageSize?: number;
  /** Skip the events a person moved to this bus's dead letter (`rsetl unblock --skip`). */
  deadLetter?: { controlSchema: string; busId: number };
}

/**
 * ` and not exists (…)`: the outbox row `o` is not in the bus's dead letter (a person set it
 * aside with `rsetl unblock --skip`, or poll.invalidEvents did). `$n` is the bus id parameter.
 */
function notDeadLettered(controlSchema: string, n: number): string {
  return ` and not exists (select 1 from ${ident(controlSchema)}.dead_letter d
        where d.bus_id = $${n} and d.event_time = o.time and d.event_id = o.id)`;
}

/**
 * The window's events in (time, id) order, in pages. Keyset pagination on the primary key means
 * each page is an index range scan. The next page's query is sent as soon as a page arrives (its
 * start is the page's last row), so the server reads page N+1 while the caller transforms page N;
 * at most two pages are in memory.
 */
export async function* readWindow(client: pg.ClientBase, q: WindowQuery): AsyncGenerator<OutboxRow[]> {
  const table = outboxTableName(q.table);
  const pageSize = Math.min(q.pageSize ?? WINDOW_PAGE_SIZE, q.limit);
  const page = (size: number, after?: { time: string; id: string }) => {
    const params: unknown[] = [q.rootId, q.windowTime, q.now, q.windowIds, size];
    let extra = '';
    if (q.deadLetter) {
      params.push(q.deadLetter.busId);
      extra += notDeadLettered(q.deadLetter.controlSchema, params.length);
    }
    if (after) {
      params.push(after.time, after.id);
      extra += ` and (o.time, o.id) > ($${params.length - 1}::timestamp, $${params.length}::bigint)`;
    }
    return client.query(
      `select o.id::text as id, o.guid, o.time, o.datajson from ${table} o
       where o.root_id = $1 and o.time >= $2::timestamp and o.time < $3::timestamp and o.id <> all($4::bigint[])${extra}
       order by o.time, o.id limit $5`,
      params,
    );
  };
  let remaining = q.limit;
  let size = Math.min(pageSize, remaining);
  let pending = page(size);
  for (;;) {
    const rows = (await pending).rows as OutboxRow[];
    if (rows.length === 0) return;
    remaining -= rows.length;
    const more = rows.length === size && remaining > 0;
    if (more) {
      const last = rows[rows.length - 1]!;
      size = Math.min(pageSize, remaining);
      pending = page(size, { time: last.time, id: last.id });
      // Awaited on the next turn; a caller that stops early must not leave it unhandled.
      pending.catch(() => undefined);
    }
    yield rows;
    if (!more) return;
  }
}

/** The source's clock, as UTC timestamp text (the outbox's times come from the same server's clients). */
export async function sourceNow(client: pg.ClientBase): Promise<string> {
  const r = await client.query(`select (clock_timestamp() at time zone 'UTC')::timestamp as now`);
  return r.rows[0].now as string;
}

/** Times of the given ids within [from, to), for the watermark's lookback step. */
export async function idTimes(
  client: pg.ClientBase,
  q: { table: string; rootId: string; ids: string[]; from: string; to: string },
  parse: (t: string) => number,
): Promise<DeliveredEvent[]> {
  if (q.ids.length === 0) return [];
  const r = await client.query(
    `select id::text as id, time from ${outboxTableName(q.table)}
     where root_id = $1 and id = any($2::bigint[]) and time >= $3::timestamp and time < $4::timestamp`,
    [q.rootId, q.ids, q.from, q.to],
  );
  return r.rows.map((x) => ({ id: x.id as string, time: parse(x.time as string) }));
}
