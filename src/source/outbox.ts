// Reading the application's outbox (`analyticfinder`): id bigint, datajson jsonb, guid varchar,
// time timestamp, root_id bigint, primary key (time, id), partitioned by month. rsetl only reads it.
import type pg from 'pg';
import { ident } from '../warehouse/sql.js';
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

export interface WindowQuery {
  table: string;
  rootId: string;
  windowTime: string;
  windowIds: string[];
  /** Upper bound (exclusive): future-dated events wait (seed-system.md §2.4). */
  now: string;
  limit: number;
  pageSize?: number;
  /** Skip the events a person moved to this bus's dead letter (`rsetl unblock --skip`). */
  deadLetter?: { controlSchema: string; busId: number };
}

/**
 * The window's events in (time, id) order, in pages. Keyset pagination on the primary key means
 * each page is an index range scan and only one page is in memory at a time.
 */
export async function* readWindow(client: pg.ClientBase, q: WindowQuery): AsyncGenerator<OutboxRow[]> {
  const table = outboxTableName(q.table);
  const pageSize = Math.min(q.pageSize ?? 5000, q.limit);
  let remaining = q.limit;
  let after: { time: string; id: string } | undefined;
  while (remaining > 0) {
    const size = Math.min(pageSize, remaining);
    const params: unknown[] = [q.rootId, q.windowTime, q.now, q.windowIds, size];
    let extra = '';
    if (q.deadLetter) {
      params.push(q.deadLetter.busId);
      extra += ` and not exists (select 1 from ${ident(q.deadLetter.controlSchema)}.dead_letter d
        where d.bus_id = $${params.length} and d.event_time = o.time and d.event_id = o.id)`;
    }
    if (after) {
      params.push(after.time, after.id);
      extra += ` and (o.time, o.id) > ($${params.length - 1}::timestamp, $${params.length}::bigint)`;
    }
    const r = await client.query(
      `select o.id::text as id, o.guid, o.time, o.datajson from ${table} o
       where o.root_id = $1 and o.time >= $2::timestamp and o.time < $3::timestamp and o.id <> all($4::bigint[])${extra}
       order by o.time, o.id limit $5`,
      params,
    );
    if (r.rows.length === 0) return;
    yield r.rows as OutboxRow[];
    remaining -= r.rows.length;
    if (r.rows.length < size) return;
    const lastRow = r.rows[r.rows.length - 1] as OutboxRow;
    after = { time: lastRow.time, id: lastRow.id };
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

/** Pending events of a bus (capped, as the reference's queue size) and the oldest pending time. */
export async function pendingEvents(
  client: pg.ClientBase,
  q: { table: string; rootId: string; windowTime: string; windowIds: string[]; cap?: number },
): Promise<{ count: number; capped: boolean; oldest: string | null }> {
  const cap = q.cap ?? 10000;
  const table = outboxTableName(q.table);
  const r = await client.query(
    `select count(*)::int as n, min(time) as oldest from (
       select time from ${table}
       where root_id = $1 and time >= $2::timestamp and time < (now() at time zone 'UTC') and id <> all($3::bigint[])
       order by time, id limit $4) p`,
    [q.rootId, q.windowTime, q.windowIds, cap + 1],
  );
  const n = r.rows[0].n as number;
  return { count: Math.min(n, cap), capped: n > cap, oldest: r.rows[0].oldest as string | null };
}
