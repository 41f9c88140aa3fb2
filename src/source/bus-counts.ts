// The outbox counts `status`, `unblock` and the metrics show, for every bus (or the ones named) in
// one query each: what the next windows will load and what is dated in the future. Each bus's
// watermark and domain come from the bus table by a lateral join, so the work per bus is one index
// range scan (test/integration/metrics.test.ts holds them equal to a plain query per bus).
import type pg from 'pg';
import { ident } from '../sql/quote.js';
import { outboxTableName } from './outbox.js';

export interface Counted {
  count: number;
  /** More than `count` (the count stops at its cap, as the reference's queue size did). */
  capped: boolean;
}

const DEFAULT_CAP = 10000;

/**
 * Per bus: the events the next windows will load (capped) and the oldest one's time: what the
 * window query would read, dead letters excluded (they wait for a person, not for the bus).
 */
export async function pendingByBus(
  client: pg.ClientBase,
  q: { table: string; controlSchema: string; busIds?: number[]; cap?: number },
): Promise<Map<number, Counted & { oldest: string | null }>> {
  const cap = q.cap ?? DEFAULT_CAP;
  const c = ident(q.controlSchema);
  const r = await client.query<{ id: number; n: number; oldest: string | null }>(
    `select b.id, p.n, p.oldest from ${c}.bus b
     cross join lateral (
       select count(*)::int as n, min(x.time) as oldest from (
         select o.time from ${outboxTableName(q.table)} o
         where o.root_id = b.root_id and o.time >= b.window_time and o.time < (now() at time zone 'UTC') and o.id <> all(b.window_ids)
           and not exists (select 1 from ${c}.dead_letter d where d.bus_id = b.id and d.event_time = o.time and d.event_id = o.id)
         order by o.time, o.id limit $1) x
     ) p
     where ($2::int[] is null or b.id = any($2::int[]))`,
    [cap + 1, q.busIds ?? null],
  );
  return new Map(r.rows.map((x) => [x.id, { count: Math.min(x.n, cap), capped: x.n > cap, oldest: x.oldest }]));
}

/**
 * Per bus: events of its domain dated after the source's clock (capped) and the latest such time.
 * The window reads only up to now, so they wait, for ever if an application's clock is years ahead.
 */
export async function futureByBus(
  client: pg.ClientBase,
  q: { table: string; controlSchema: string; busIds?: number[]; cap?: number },
): Promise<Map<number, Counted & { latest: string | null }>> {
  const cap = q.cap ?? DEFAULT_CAP;
  const r = await client.query<{ id: number; n: number; latest: string | null }>(
    `select b.id, f.n, f.latest from ${ident(q.controlSchema)}.bus b
     cross join lateral (
       select count(*)::int as n, max(x.time) as latest from (
         select o.time from ${outboxTableName(q.table)} o
         where o.root_id = b.root_id and o.time >= (now() at time zone 'UTC') order by o.time, o.id limit $1) x
     ) f
     where ($2::int[] is null or b.id = any($2::int[]))`,
    [cap + 1, q.busIds ?? null],
  );
  return new Map(r.rows.map((x) => [x.id, { count: Math.min(x.n, cap), capped: x.n > cap, latest: x.latest }]));
}
