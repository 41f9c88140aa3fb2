// The application's outbox table as the platform creates it (docs/design.md#outbox). The table
// belongs to the source: rsetl itself only ever reads it; createOutboxTable exists for the demo,
// the local stack and tests (which is why the local stack imports it from here, not from demo/).
import type pg from 'pg';
import { ident } from '../sql/quote.js';
import { formatTimestamp } from '../sql/timestamp.js';

/** `schema.name` or `name` → its quoted form and the pieces partition names are built from. */
export function tableName(table: string): { sql: string; schema: string | null; name: string } {
  const dot = table.indexOf('.');
  const schema = dot < 0 ? null : table.slice(0, dot);
  const name = dot < 0 ? table : table.slice(dot + 1);
  return { sql: schema === null ? ident(name) : `${ident(schema)}.${ident(name)}`, schema, name };
}

export interface MonthlyPartition {
  /** `<table>_YYYY_MM`. */
  name: string;
  /** First instant of the month, `YYYY-MM-DD 00:00:00` (inclusive). */
  from: string;
  /** First instant of the next month (exclusive). */
  to: string;
}

/** The monthly partitions `[first of month, first of next month)` that cover `start`..`end` (UTC). */
export function monthlyPartitions(table: string, start: Date, end: Date): MonthlyPartition[] {
  if (end.getTime() < start.getTime()) throw new Error('partition range ends before it starts');
  const out: MonthlyPartition[] = [];
  const first = (y: number, m: number) => new Date(Date.UTC(2000, 0, 1)).setUTCFullYear(y, m, 1);
  const day = (ms: number) => formatTimestamp(ms).slice(0, 10) + ' 00:00:00';
  let y = start.getUTCFullYear();
  let m = start.getUTCMonth();
  while (first(y, m) <= end.getTime()) {
    const from = first(y, m);
    const [ny, nm] = m === 11 ? [y + 1, 0] : [y, m + 1];
    out.push({ name: `${table}_${String(y).padStart(4, '0')}_${String(m + 1).padStart(2, '0')}`, from: day(from), to: day(first(ny, nm)) });
    [y, m] = [ny, nm];
  }
  return out;
}

/**
 * Creates the outbox table if it does not exist: `id bigint not null, datajson jsonb, guid
 * varchar(255), time timestamp, root_id bigint not null`, primary key (time, id), partitioned by
 * range of time with monthly partitions `<table>_YYYY_MM` covering `range`, plus a DEFAULT
 * partition. Idempotent. (PostgreSQL refuses a new monthly partition whose month already has rows
 * in the default partition: create the months before inserting into them.)
 */
export async function createOutboxTable(client: pg.ClientBase, table = 'analyticfinder', range?: { start: Date; end: Date }): Promise<void> {
  const t = tableName(table);
  const sibling = (name: string) => (t.schema === null ? ident(name) : `${ident(t.schema)}.${ident(name)}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${t.sql} (
       id bigint NOT NULL,
       datajson jsonb,
       guid varchar(255),
       "time" timestamp,
       root_id bigint NOT NULL,
       PRIMARY KEY ("time", id)
     ) PARTITION BY RANGE ("time")`,
  );
  for (const p of range ? monthlyPartitions(t.name, range.start, range.end) : []) {
    await client.query(`CREATE TABLE IF NOT EXISTS ${sibling(p.name)} PARTITION OF ${t.sql} FOR VALUES FROM ('${p.from}') TO ('${p.to}')`);
  }
  await client.query(`CREATE TABLE IF NOT EXISTS ${sibling(`${t.name}_default`)} PARTITION OF ${t.sql} DEFAULT`);
}
