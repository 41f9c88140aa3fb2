// Dead-lettered events per bus that are not back in the bus (not replayed yet: waiting for a
// decision, or requested for the next load), for `status`.
import type pg from 'pg';
import { ident } from '../sql/quote.js';

export async function deadLetterCounts(client: pg.ClientBase, controlSchema: string): Promise<Map<number, number>> {
  const r = await client.query<{ bus_id: number; n: number }>(
    `select bus_id, count(*)::int as n from ${ident(controlSchema)}.dead_letter where replayed_at is null group by bus_id`,
  );
  return new Map(r.rows.map((x) => [x.bus_id, x.n]));
}
