// The extract half of a load (docs/design.md#data-flow, steps 2–5): read the window from the outbox, transform each
// event, combine the load's rows, and write them to a sink (S3 parts, or a local folder for a dry
// run). Append-table rows stream to the sink as events are read; keyed tables are combined in
// memory (bounded by distinct keys) and written at the end. Dead letters whose replay a person
// requested (`rsetl dead-letter replay`) go first: they are older than the window.
import { createCombiner } from '../events/combine.js';
import { transformEvent } from '../events/registry.js';
import { EventError } from '../errors.js';
import { tableByName } from '../model/tables.js';
import type { Bus } from '../source/bus.js';
import { DeadLetterStore, type PendingReplay } from '../source/dead-letter-store.js';
import { readSnapshot } from '../source/late-events.js';
import { idTimes, readWindow, sourceNow, WINDOW_PAGE_SIZE } from '../source/outbox.js';
import { formatPgTimestamp, parsePgTimestamp } from '../source/timestamps.js';
import { WatermarkTracker, type Watermark } from '../source/window.js';
import { eventOf, eventsStageName } from '../events/event-origin.js';
import { combinedLines, keyOpCounts, type KeyOpCounts } from '../stage/combined-lines.js';
import { rowEncoder, type RowEncoder } from '../stage/row-encoder.js';
import type { LineSink, StagedTable } from '../stage/staged-load.js';
import type { LoadDeps, LoadSettings } from './load-window.js';
import { ReadGivenUp } from './read-turns.js';

/**
 * What reading a window needs: the source, and the bus store only to set events aside in the dead
 * letter. Without it the read changes nothing (run-window --dry-run): bad events are only counted.
 */
export type ExtractDeps = Pick<LoadDeps, 'source' | 'progress' | 'readTurn'> & { buses?: Pick<LoadDeps['buses'], 'deadLetter'> };

export interface Extracted {
  /** The source's transaction snapshot when the window had been read (source/late-events.ts). */
  readSnapshot: string;
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
  /** Replayed dead letters this load carries (staged like events; not in the watermark). */
  replayed: string[];
  /** More replays are requested than this load took. */
  replaysLeft: boolean;
  /** The window read hit its limit: more events are probably waiting. */
  windowFull: boolean;
}

/** The replays one load takes: at most half its events, so a large replay cannot starve the window. */
export function replayShare(limit: number): number {
  return Math.max(1, Math.floor(limit / 2));
}

/**
 * Source → transform → combine → sink. Append-table rows stream to the sink as events are read;
 * keyed tables are combined in memory (bounded by distinct keys) and written at the end.
 */
export async function extract(
  deps: ExtractDeps,
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
  let rowsStaged = 0;
  const progress = (stage: 'reading' | 'waiting' | 'staging') => deps.progress?.({ busId: bus.id, stage, events, rowsStaged });
  const writeLine = (table: string, line: string, eventId: string) => {
    rowsStaged++;
    sink.write(table, line);
    if (opts.shadowEvents) sink.write(eventsStageName(table), `${eventId}\n`);
  };
  const encoders = new Map<string, RowEncoder>();
  const appendRow = (table: string, row: object, eventId: string | undefined) => {
    let enc = encoders.get(table);
    if (!enc) encoders.set(table, (enc = rowEncoder(tableByName(table).columns)));
    writeLine(table, enc(row as Record<string, unknown>), eventId ?? eventOf(row) ?? '');
  };
  const combiner = createCombiner({ onAppend: appendRow });
  const eventsByType: Record<string, number> = {};
  let events = 0;
  let firstEventId: string | null = null;
  let lastEventId: string | null = null;
  const countDeadLettered = (e: EventError) => {
    const type = `dead-letter:${e.event.type ?? 'unknown'}`;
    eventsByType[type] = (eventsByType[type] ?? 0) + 1;
    events++;
  };

  // Replays first, in event order. They never feed the watermark tracker: their old times would
  // move the watermark backwards, and the window query excludes dead-lettered events anyway.
  const deadLetters = new DeadLetterStore(deps.source, settings.controlSchema);
  const { replays, more: replaysLeft } = await deadLetters.pendingReplays(bus.id, replayShare(settings.limit));
  const replayed: string[] = [];
  for (const d of replays) {
    let result;
    try {
      result = transformEvent({ id: d.eventId, guid: d.guid, time: d.time, datajson: d.datajson }, { loadTime });
    } catch (e) {
      if (!(e instanceof EventError)) throw e;
      if (settings.invalidEvents !== 'dead-letter') throw replayedEventError(e, d);
      // Still invalid: back into the dead letter as a new entry, the replayed one closed.
      if (deps.buses) await deadLetters.deadLetterAgain(bus.id, d, e.toJSON(), 'rsetl poll');
      countDeadLettered(e);
      continue;
    }
    const key = result.status === 'handled' ? result.eventType : `${result.status}:${result.eventType}`;
    eventsByType[key] = (eventsByType[key] ?? 0) + 1;
    // The event id goes with the ops, not as a tag on each row (an extra property on every row object).
    combiner.add(result.ops, events, d.eventId);
    replayed.push(d.id);
    events++;
  }
  await sink.drain();

  // A window longer than a page is read in the poll's read turn (pipeline/read-turns.ts), held
  // until its rows are staged: what the load holds in memory then is gone. Refused a turn (the
  // poll is stopping), the load gives up: the caller aborts its staged files.
  let endTurn: (() => void) | undefined;
  try {
    // The window is always read, one event at least: the next watermark stands for what the
    // tracker saw, and a window not read at all would look empty and be skipped.
    const windowLimit = Math.max(1, settings.limit - replays.length);
    let windowRead = 0;
    for await (const page of readWindow(deps.source, {
      table: settings.sourceTable,
      rootId: bus.rootId,
      windowTime: bus.windowTime,
      windowIds: bus.windowIds,
      now,
      limit: windowLimit,
      deadLetter: { controlSchema: settings.controlSchema, busId: bus.id },
    })) {
      for (const row of page) {
        tracker.observeRow(row.id, parsePgTimestamp(row.time));
        windowRead++;
        let result;
        try {
          result = transformEvent({ id: row.id, guid: row.guid, time: row.time, datajson: row.datajson }, { loadTime });
        } catch (e) {
          if (!(e instanceof EventError) || settings.invalidEvents !== 'dead-letter') throw e;
          // Configured to set invalid events aside instead of blocking: never silently dropped. A
          // dry run only counts them.
          if (deps.buses) {
            await deps.buses.deadLetter(bus.id, [row], { by: 'rsetl poll', reason: 'poll.invalidEvents = dead-letter', error: e.toJSON() }, { clearFailure: false });
          }
          countDeadLettered(e);
          continue;
        }
        const key = result.status === 'handled' ? result.eventType : `${result.status}:${result.eventType}`;
        eventsByType[key] = (eventsByType[key] ?? 0) + 1;
        combiner.add(result.ops, events, row.id);
        firstEventId ??= row.id;
        lastEventId = row.id;
        events++;
      }
      await sink.drain();
      progress('reading');
      if (deps.readTurn && !endTurn && page.length === WINDOW_PAGE_SIZE && windowRead < windowLimit) {
        endTurn = (await deps.readTurn(() => progress('waiting'))) ?? undefined;
        if (!endTurn) throw new ReadGivenUp(bus.id);
      }
    }
    // Every row the pages read is visible in this snapshot: what commits later is another load's.
    const snapshot = await readSnapshot(deps.source);
    const combined = combiner.result();
    const keyOps = keyOpCounts(combined);
    let written = 0;
    for (const l of combinedLines(combined, keyOps)) {
      writeLine(l.table, l.line, l.eventId);
      if (++written % 5000 === 0) {
        await sink.drain();
        progress('staging');
      }
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
    return {
      events,
      eventsByType,
      staged,
      keyOps,
      snapshotDays: combined.snapshotDays,
      next: tracker.next(previous),
      firstEventId,
      lastEventId,
      replayed,
      replaysLeft,
      windowFull: windowRead >= windowLimit,
      readSnapshot: snapshot,
    };
  } finally {
    endTurn?.();
  }
}

/** An invalid replayed event blocks its bus like any invalid event; the error also names its dead letter. */
function replayedEventError(e: EventError, d: PendingReplay): EventError {
  const prefix = `event ${e.event.id} (${e.event.type ?? 'unknown type'}, guid ${e.event.guid ?? '-'}, ${e.event.time}): `;
  const detail = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
  const again = new EventError(`replayed dead letter ${d.id}: ${detail}`, e.event, {
    cause: e,
    hint: `the replayed event is still invalid and blocks its bus; withdraw the replay of dead letter ${d.id} (skipping the event does), or fix the data and retry`,
  });
  again.context.deadLetterId = d.id;
  return again;
}
