// The extract half of a load (spec §1 steps 1–4): read the window from the outbox, transform each
// event, combine the load's rows, and write them to a sink (S3 parts, or a local folder for a dry
// run). Append-table rows stream to the sink as events are read; keyed tables are combined in
// memory (bounded by distinct keys) and written at the end.
import { createCombiner } from '../events/combine.js';
import { transformEvent } from '../events/registry.js';
import { EventError } from '../errors.js';
import { tableByName } from '../model/tables.js';
import type { Bus } from '../source/bus-store.js';
import { idTimes, readWindow, sourceNow } from '../source/outbox.js';
import { formatPgTimestamp, parsePgTimestamp } from '../source/timestamps.js';
import { WatermarkTracker, type Watermark } from '../source/window.js';
import { eventOf, eventsStageName, tagRow } from '../stage/event-origin.js';
import { combinedLines, keyOpCounts, type KeyOpCounts } from '../stage/combined-lines.js';
import { rowEncoder, type RowEncoder } from '../stage/row-encoder.js';
import type { LineSink, StagedTable } from '../stage/staged-load.js';
import type { LoadDeps, LoadSettings } from './load-window.js';

export interface Extracted {
  events: number;
  eventsByType: Record<string, number>;
  staged: Map<string, StagedTable>;
  /** Staged tables that also carry keys to delete or users to obfuscate (stage/combined-lines.ts). */
  keyOps: Map<string, KeyOpCounts>;
  /** Instructor snapshot days the load's events requested (generated after the commit). */
  snapshotDays: string[];
  next: Watermark;
  firstEventId: string | null;
  lastEventId: string | null;
}

/**
 * Source → transform → combine → sink. Append-table rows stream to the sink as events are read;
 * keyed tables are combined in memory (bounded by distinct keys) and written at the end.
 */
export async function extract(
  deps: LoadDeps,
  bus: Bus,
  settings: LoadSettings,
  sink: LineSink,
  loadTime: string,
  opts: { shadowEvents: boolean },
): Promise<Extracted> {
  const now = await sourceNow(deps.source);
  const nowMicros = parsePgTimestamp(now);
  const tracker = new WatermarkTracker(nowMicros, settings.lookbackSeconds * 1e6, settings.lookbackIds);
  /** A staged line, and its event id in the table's shadow file when the load keeps one. */
  const writeLine = (table: string, line: string, eventId: string) => {
    sink.write(table, line);
    if (opts.shadowEvents) sink.write(eventsStageName(table), `${eventId}\n`);
  };
  const encoders = new Map<string, RowEncoder>();
  const appendRow = (table: string, row: object) => {
    let enc = encoders.get(table);
    if (!enc) encoders.set(table, (enc = rowEncoder(tableByName(table).columns)));
    writeLine(table, enc(row as Record<string, unknown>), eventOf(row) ?? '');
  };
  const combiner = createCombiner({ onAppend: appendRow });
  const eventsByType: Record<string, number> = {};
  let events = 0;
  let firstEventId: string | null = null;
  let lastEventId: string | null = null;
  for await (const page of readWindow(deps.source, {
    table: settings.sourceTable,
    rootId: bus.rootId,
    windowTime: bus.windowTime,
    windowIds: bus.windowIds,
    now,
    limit: settings.limit,
    deadLetter: { controlSchema: settings.controlSchema, busId: bus.id },
  })) {
    for (const row of page) {
      tracker.observe({ id: row.id, time: parsePgTimestamp(row.time) });
      let result;
      try {
        result = transformEvent({ id: row.id, guid: row.guid, time: row.time, datajson: row.datajson }, { loadTime });
      } catch (e) {
        if (!(e instanceof EventError) || settings.invalidEvents !== 'dead-letter') throw e;
        // Configured to set invalid events aside instead of blocking: never silently dropped.
        await deps.buses.deadLetter(bus.id, [row], { by: 'rsetl poll', reason: 'poll.invalidEvents = dead-letter', error: e.toJSON() }, { clearFailure: false });
        const type = `dead-letter:${e.event.type ?? 'unknown'}`;
        eventsByType[type] = (eventsByType[type] ?? 0) + 1;
        events++;
        continue;
      }
      const key = result.status === 'handled' ? result.eventType : `${result.status}:${result.eventType}`;
      eventsByType[key] = (eventsByType[key] ?? 0) + 1;
      for (const op of result.ops) if (op.op === 'put') tagRow(op.row, row.id);
      combiner.add(result.ops, events);
      firstEventId ??= row.id;
      lastEventId = row.id;
      events++;
    }
    await sink.drain();
  }
  const combined = combiner.result();
  const keyOps = keyOpCounts(combined);
  let written = 0;
  for (const l of combinedLines(combined, keyOps)) {
    writeLine(l.table, l.line, l.eventId);
    if (++written % 5000 === 0) await sink.drain();
  }
  const staged = await sink.finish();
  const from = tracker.lookbackFrom();
  const previous =
    bus.windowIds.length === 0
      ? []
      : await idTimes(
          deps.source,
          { table: settings.sourceTable, rootId: bus.rootId, ids: bus.windowIds, from: formatPgTimestamp(from), to: now },
          parsePgTimestamp,
        );
  return { events, eventsByType, staged, keyOps, snapshotDays: combined.snapshotDays, next: tracker.next(previous), firstEventId, lastEventId };
}
