// One load of one bus (spec §1): read the next window(s) from the outbox, transform and combine,
// stream NDJSON+gzip to S3, apply in one Redshift transaction with the ledger row, advance the
// bus, delete the staged objects. The caller holds the bus's lock.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createCombiner } from '../events/combine.js';
import { transformEvent } from '../events/registry.js';
import { EventError, WarehouseError } from '../errors.js';
import { crashPoint } from '../crash-points.js';
import { explainCopyFailure } from './explain-copy-failure.js';
import { keyOf, tableByName, type TableDef } from '../model/tables.js';
import type { Bus, BusStore, RunRecord } from '../source/bus-store.js';
import { idTimes, readWindow, sourceNow } from '../source/outbox.js';
import { formatPgTimestamp, parsePgTimestamp } from '../source/timestamps.js';
import { WatermarkTracker, type Watermark } from '../source/window.js';
import type { ObjectStore } from '../stage/object-store.js';
import { keyColumns, rowEncoder, type RowEncoder } from '../stage/row-encoder.js';
import { StagedLoad, type LineSink, type StagedTable } from '../stage/staged-load.js';
import { eventOf, eventsStageName, tagRow } from '../stage/event-origin.js';
import { findByLoadId } from '../warehouse/ledger.js';
import { applyLoad, deleteStageName, obfuscateStageName, type StagedTableWork } from '../warehouse/load.js';
import type { WarehouseSession } from '../warehouse/session.js';

export interface LoadSettings {
  sourceTable: string;
  controlSchema: string;
  /** An event that cannot be parsed blocks the bus (default), or goes to the dead letter. */
  invalidEvents: 'block' | 'dead-letter';
  /** Events per load: poll.maxEventsPerLoad when catching up, the bus's max_events for run-window. */
  limit: number;
  lookbackSeconds: number;
  lookbackIds: number;
  intervalSeconds: number;
  s3Prefix: string;
  iamRole: string;
  s3Region?: string;
  partSizeBytes: number;
  uploadConcurrency: number;
  /** Uncompressed NDJSON bytes per part file. */
  partBytes?: number;
}

export interface LoadDeps {
  source: pg.ClientBase;
  buses: BusStore;
  objectStore: () => ObjectStore;
  warehouse: () => Promise<WarehouseSession>;
  /** Drops the cached warehouse session (after a lost connection). */
  resetWarehouse: () => Promise<void>;
}

export interface LoadOutcome {
  busId: number;
  loadId: string;
  outcome: RunRecord['outcome'];
  events: number;
  eventsByType: Record<string, number>;
  /** Rows staged per table (deletes as `<table>__delete`). */
  tables: Record<string, number>;
  bytesStaged: number;
  statements: number;
  copies: number;
  windowFrom: string;
  windowTo: string;
  /** The read hit its limit: more events are probably waiting. */
  full: boolean;
  durationMs: number;
  stagedPrefix?: string;
}

export function newLoadId(busId: number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-b${busId}-${randomBytes(3).toString('hex')}`;
}

interface Extracted {
  events: number;
  eventsByType: Record<string, number>;
  staged: Map<string, StagedTable>;
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
async function extract(
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
  const encoders = new Map<string, RowEncoder>();
  const encoderFor = (name: string, make: () => RowEncoder) => {
    let e = encoders.get(name);
    if (!e) encoders.set(name, (e = make()));
    return e;
  };
  const writeRow = (table: string, row: object) => {
    sink.write(table, encoderFor(table, () => rowEncoder(tableByName(table).columns))(row as Record<string, unknown>));
    if (opts.shadowEvents) sink.write(eventsStageName(table), `${eventOf(row) ?? ''}\n`);
  };
  const combiner = createCombiner({ onAppend: writeRow });
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
  const { puts, deletes, obfuscations, snapshotDays } = combiner.result();
  let written = 0;
  for (const [table, rows] of puts) {
    for (const row of rows) {
      writeRow(table, row);
      if (++written % 5000 === 0) await sink.drain();
    }
  }
  for (const [table, keys] of deletes) {
    const t = tableByName(table);
    const key = keyOf(t)!;
    const enc = encoderFor(deleteStageName(table), () => rowEncoder(keyColumns(t, key)));
    for (const k of keys) sink.write(deleteStageName(table), enc(k as Record<string, unknown>));
  }
  if (obfuscations.length > 0) {
    const t = tableByName('usr');
    const enc = rowEncoder(keyColumns(t, ['id']));
    for (const k of obfuscations) sink.write(obfuscateStageName('usr'), enc(k));
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
  return { events, eventsByType, staged, snapshotDays, next: tracker.next(previous), firstEventId, lastEventId };
}

function workFrom(staged: Map<string, StagedTable>): StagedTableWork[] {
  const work = new Map<string, StagedTableWork>();
  const entry = (t: TableDef) => {
    let w = work.get(t.name);
    if (!w) work.set(t.name, (w = { table: t }));
    return w;
  };
  for (const [name, st] of staged) {
    const [table, extra] = name.split('__') as [string, string | undefined];
    if (extra === 'events') continue; // shadow of event ids, never COPYed
    const t = tableByName(table);
    if (extra === 'delete') Object.assign(entry(t), { deletes: st, deleteKey: keyOf(t) });
    else if (extra === 'obfuscate') entry(t).obfuscations = st;
    else entry(t).rows = st;
  }
  return [...work.values()];
}

/** Extracts, transforms and writes the next window to a local folder; touches neither S3 nor Redshift. */
export async function dryRunWindow(
  deps: Pick<LoadDeps, 'source'>,
  bus: Bus,
  settings: LoadSettings,
  sink: LineSink,
): Promise<{ events: number; eventsByType: Record<string, number>; tables: Record<string, number>; windowTo: string }> {
  let x: Extracted;
  try {
    x = await extract(deps as LoadDeps, bus, settings, sink, formatPgTimestamp(Date.now() * 1000), { shadowEvents: false });
  } catch (e) {
    sink.abort();
    throw e;
  }
  return {
    events: x.events,
    eventsByType: x.eventsByType,
    tables: Object.fromEntries([...x.staged].map(([n, s]) => [n, s.rows])),
    windowTo: formatPgTimestamp(x.next.windowTime),
  };
}

export async function loadNextWindow(deps: LoadDeps, bus: Bus, settings: LoadSettings): Promise<LoadOutcome> {
  const started = Date.now();
  const loadId = newLoadId(bus.id);
  const keyPrefix = `${settings.s3Prefix.replace(/\/+$/, '')}/${bus.schemaName}/${loadId}/`;
  const sink = new StagedLoad(deps.objectStore(), {
    keyPrefix,
    upload: { partSizeBytes: settings.partSizeBytes, queueSize: settings.uploadConcurrency },
    ...(settings.partBytes ? { partBytes: settings.partBytes } : {}),
  });
  const loadTime = formatPgTimestamp(started * 1000);
  let x: Extracted;
  try {
    x = await extract(deps, bus, settings, sink, loadTime, { shadowEvents: true });
  } catch (e) {
    sink.abort();
    throw e;
  }
  const windowTo = formatPgTimestamp(x.next.windowTime);
  const base = {
    busId: bus.id,
    loadId,
    events: x.events,
    eventsByType: x.eventsByType,
    tables: Object.fromEntries([...x.staged].filter(([n]) => !n.endsWith('__events')).map(([n, s]) => [n, s.rows])),
    bytesStaged: [...x.staged.values()].reduce((a, s) => a + s.compressedBytes, 0),
    windowFrom: bus.windowTime,
    windowTo,
    full: x.events >= settings.limit,
  };
  const finish = async (
    outcome: RunRecord['outcome'],
    wm: Watermark | { windowTo: string; windowToIds: string[]; events: number; snapshotDays: string[] },
    w?: WarehouseSession,
  ) => {
    const next = 'windowTime' in wm ? { time: formatPgTimestamp(wm.windowTime), ids: wm.windowIds } : { time: wm.windowTo, ids: wm.windowToIds };
    await deps.buses.advance(bus.id, {
      windowTime: next.time,
      windowIds: next.ids,
      loadId: outcome === 'loaded' ? loadId : null,
      intervalSeconds: settings.intervalSeconds,
      // A fast-forward delivered what the committed load read, as the ledger records it.
      delivered: 'events' in wm ? wm.events : x.events,
      // Recorded with the watermark: the days are generated after the commit and retried on the
      // next poll if that fails. After a fast-forward, the committed load's days (from the
      // ledger): the run that committed died before it could record them.
      snapshotDays: 'snapshotDays' in wm ? wm.snapshotDays : x.snapshotDays,
    });
    const result: LoadOutcome = {
      ...base,
      outcome,
      windowTo: next.time,
      statements: w?.statements ?? 0,
      copies: w?.copies ?? 0,
      durationMs: Date.now() - started,
    };
    if (outcome !== 'empty') {
      await deps.buses.recordRun({
        ...result,
        startedAt: new Date(started),
        finishedAt: new Date(),
        windowFrom: bus.windowTime,
        tables: result.tables,
      });
    }
    return result;
  };

  if (x.events === 0) return finish('empty', x.next);
  // Only ignored event types: nothing to write in Redshift, so no transaction at all.
  if (x.staged.size === 0) return finish('nothing-to-load', x.next);

  crashPoint('after-stage');
  const w = await deps.warehouse();
  const before = { statements: w.statements, copies: w.copies };
  const entry = {
    busId: bus.id,
    loadId,
    windowFrom: bus.windowTime,
    windowFromIds: bus.windowIds,
    windowTo,
    windowToIds: x.next.windowIds,
    events: x.events,
    firstEventId: x.firstEventId,
    lastEventId: x.lastEventId,
    loadedAt: loadTime,
    snapshotDays: x.snapshotDays,
  };
  let result;
  try {
    result = await applyLoad(w, entry, workFrom(x.staged), {
      iamRole: settings.iamRole,
      ...(settings.s3Region ? { region: settings.s3Region } : {}),
    });
  } catch (e) {
    if (e instanceof WarehouseError && e.failureClass === 'unknown-outcome') {
      // The connection died during COMMIT: only the ledger knows whether the load committed.
      await deps.resetWarehouse();
      const again = await deps.warehouse();
      if (await findByLoadId(again, bus.id, loadId)) result = { outcome: 'loaded' as const };
      else throw withLoad(e, loadId, keyPrefix, bus);
    } else {
      if (e instanceof WarehouseError && e.failureClass === 'data' && /^\s*COPY/i.test(String(e.context.statement ?? ''))) {
        const why = await explainCopyFailure(w, deps.objectStore(), x.staged, deps.source, { table: settings.sourceTable, bus }).catch(() => undefined);
        if (why) Object.assign(e.context, why);
      }
      throw withLoad(e, loadId, keyPrefix, bus);
    }
  }
  crashPoint('after-commit');
  const counted = { statements: w.statements - before.statements, copies: w.copies - before.copies } as WarehouseSession;
  const outcome =
    result.outcome === 'loaded'
      ? await finish('loaded', x.next, counted)
      : { ...(await finish('already-loaded', result, counted)), full: parsePgTimestamp(result.windowTo) > parsePgTimestamp(bus.windowTime) }; // read on past a shorter ledger window, never in a circle
  crashPoint('after-advance');
  // Staged objects go after the commit; a failed delete is left for the retention sweep.
  await deps
    .objectStore()
    .deletePrefix(keyPrefix)
    .catch(() => undefined);
  return outcome;
}

function withLoad(e: unknown, loadId: string, keyPrefix: string, bus: Bus): unknown {
  if (e && typeof e === 'object' && 'context' in e) {
    Object.assign((e as { context: Record<string, unknown> }).context, {
      bus: bus.id,
      loadId,
      window: { from: bus.windowTime, ids: bus.windowIds.length },
      stagedPrefix: keyPrefix,
    });
  }
  return e;
}
