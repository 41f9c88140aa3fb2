// The application's outbox table as the platform creates it (docs/design.md#outbox) and a fast
// writer for demo events (COPY FROM STDIN, text format). rsetl itself only ever reads this table;
// these two functions exist for the demo, the local stack and tests.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { formatTimestamp } from '../events/values.js';
import { ident } from '../warehouse/sql.js';
import type { DemoEvent } from './generator.js';

/** `schema.name` or `name` → its quoted form and the pieces partition names are built from. */
function tableName(table: string): { sql: string; schema: string | null; name: string } {
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

/** A value in COPY's text format: `\N` for NULL; backslash, newline, carriage return and tab escaped. */
export function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

/**
 * Platform-like ids for the i-th event: rising, but not strictly in time order (every third pair is
 * swapped), as when several application nodes draw ids from their own blocks (docs/design.md#outbox).
 */
export function platformId(firstId: bigint, i: number): bigint {
  return firstId + BigInt(i) * 10n + (i % 3 === 1 ? 15n : 0n);
}

/**
 * Writes events into the outbox with one COPY FROM STDIN, streaming (the events are never held in
 * memory), assigning platform-like ids from `firstId`. Returns the number of rows written.
 */
export async function insertOutboxEvents(
  client: pg.ClientBase,
  events: Iterable<DemoEvent> | AsyncIterable<DemoEvent>,
  opts: { table?: string; firstId?: number | bigint } = {},
): Promise<number> {
  const t = tableName(opts.table ?? 'analyticfinder');
  const firstId = BigInt(opts.firstId ?? 1_000_000);
  let count = 0;
  async function* lines(): AsyncGenerator<string> {
    let chunk = '';
    for await (const e of events) {
      if (!/^-?\d+$/.test(e.rootId)) throw new Error(`rootId must be an integer, got ${JSON.stringify(e.rootId)}`);
      const row = [
        platformId(firstId, count).toString(),
        copyText(JSON.stringify(e.datajson)),
        copyText(e.guid),
        formatTimestamp(e.time.getTime()),
        e.rootId,
      ];
      chunk += row.join('\t') + '\n';
      count++;
      if (chunk.length >= 256 * 1024) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  const copy = client.query(copyFrom(`COPY ${t.sql} (id, datajson, guid, "time", root_id) FROM STDIN`));
  await pipeline(Readable.from(lines()), copy);
  return count;
}
