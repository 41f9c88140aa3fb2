// A fast writer for demo events into the outbox table (COPY FROM STDIN, text format). The table
// itself (createOutboxTable, monthlyPartitions) lives with the source: source/outbox-table.ts.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { formatTimestamp } from '../sql/timestamp.js';
import { tableName } from '../source/outbox-table.js';
import type { DemoEvent } from './generator.js';

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
