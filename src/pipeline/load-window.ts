// One load of one bus (docs/design.md#data-flow): read the next window(s) from the outbox, transform and combine,
// stream NDJSON+gzip to S3, apply in one Redshift transaction with the ledger row, advance the
// bus, delete the staged objects. The caller holds the bus's lock. Dead letters whose replay was
// requested ride along, exactly once (pipeline/dead-letter-replay.ts).
import type pg from 'pg';
import { WarehouseError } from '../errors.js';
import { crashPoint } from '../crash-points.js';
import { explainCopyFailure } from './explain-copy-failure.js';
import { tableByName } from '../model/tables.js';
import type { Bus } from '../source/bus.js';
import type { BusStore } from '../source/bus-store.js';
import type { RunRecord } from '../source/run-log-writes.js';
import { DeadLetterStore } from '../source/dead-letter-store.js';
import { countLateEvents } from '../source/late-events.js';
import { formatPgTimestamp, parsePgTimestamp } from '../source/timestamps.js';
import type { Watermark } from '../source/window.js';
import { isEventsStageName } from '../events/event-origin.js';
import type { ObjectStore } from '../stage/object-store.js';
import { newLoadId } from '../stage/load-id.js';
import { schemaPrefix } from '../stage/retention.js';
import { StagedLoad, type LineSink } from '../stage/staged-load.js';
import { extract, type Extracted, type ExtractDeps } from './extract.js';
import type { ProgressSink } from './load-progress.js';
import type { ReadTurn } from './read-turns.js';
import { replayFromIds } from './dead-letter-replay.js';
import { committedLoad, type LedgerEntry } from '../warehouse/ledger.js';
import { applyLoad, inLoadOrder, type CopySettings, type LoadResult, type StagedTableWork } from '../warehouse/load.js';
import { applyLoadInLanes } from '../warehouse/load-lanes.js';
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
  /** COPYs a load runs side by side (poll.copyConcurrency; docs/design.md#copy-lanes). */
  copyConcurrency: number;
}

export interface LoadDeps {
  source: pg.ClientBase;
  buses: BusStore;
  objectStore: () => ObjectStore;
  warehouse: () => Promise<WarehouseSession>;
  /** Drops the cached warehouse session (after a lost connection), and the COPY lanes' too. */
  resetWarehouse: () => Promise<void>;
  /** `n` more sessions on the bus's schema for COPY lanes (absent: every COPY in the load's own session). */
  copyLanes?: (n: number) => Promise<WarehouseSession[]>;
  /** How far the load has got (a progress line on a terminal). */
  progress?: ProgressSink;
  /** The poll pass's turns for reading beyond a window's first page (pipeline/read-turns.ts); absent: never waits. */
  readTurn?: ReadTurn;
}

export interface LoadOutcome {
  busId: number;
  loadId: string;
  outcome: RunRecord['outcome'];
  events: number;
  eventsByType: Record<string, number>;
  /** Dead letters this load carried back (their events are counted in `events` too). */
  replayed: number;
  /** Rows staged per table (deletes as `<table>__delete`). */
  tables: Record<string, number>;
  bytesStaged: number;
  /** Redshift statements of the load, and the round trips they took (a batch is one). */
  statements: number;
  roundTrips: number;
  copies: number;
  windowFrom: string;
  windowTo: string;
  /** Events found committed too late for any window since the last load (source/late-events.ts). */
  lateEvents: number;
  /** The read hit its limit (or more replays wait): more events are probably waiting. */
  full: boolean;
  durationMs: number;
  stagedPrefix?: string;
}

function workFrom(x: Pick<Extracted, 'staged' | 'keyOps'>): StagedTableWork[] {
  const work: StagedTableWork[] = [];
  for (const [name, staged] of x.staged) {
    if (isEventsStageName(name)) continue; // shadow of event ids, never COPYed
    const keyOps = x.keyOps.get(name);
    work.push({ table: tableByName(name), staged, ...(keyOps ? { keyOps } : {}) });
  }
  return work;
}

/** Rows staged per table, with a load's keys to delete as `<table>__delete` and obfuscations as `usr__obfuscate`. */
function stagedCounts(x: Pick<Extracted, 'staged' | 'keyOps'>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, staged] of x.staged) {
    if (isEventsStageName(name)) continue;
    const ops = x.keyOps.get(name);
    if (!ops) {
      out[name] = staged.rows;
      continue;
    }
    if (ops.puts > 0) out[name] = ops.puts;
    if (ops.deletes > 0) out[`${name}__delete`] = ops.deletes;
    if (ops.obfuscations > 0) out[`${name}__obfuscate`] = ops.obfuscations;
  }
  return out;
}

/** Extracts, transforms and writes the next window to a local folder; touches neither S3 nor Redshift. */
export async function dryRunWindow(
  deps: Pick<ExtractDeps, 'source' | 'progress'>,
  bus: Bus,
  settings: LoadSettings,
  sink: LineSink,
): Promise<{ events: number; eventsByType: Record<string, number>; replayed: number; tables: Record<string, number>; windowTo: string }> {
  let x: Extracted;
  try {
    x = await extract({ source: deps.source, ...(deps.progress && { progress: deps.progress }) }, bus, settings, sink, formatPgTimestamp(Date.now() * 1000), { shadowEvents: false });
  } catch (e) {
    sink.abort();
    throw e;
  }
  return {
    events: x.events,
    eventsByType: x.eventsByType,
    replayed: x.replayed.length,
    tables: stagedCounts(x),
    windowTo: formatPgTimestamp(x.next.windowTime),
  };
}

export async function loadNextWindow(deps: LoadDeps, bus: Bus, settings: LoadSettings): Promise<LoadOutcome> {
  const run = await stageWindow(deps, bus, settings);
  const { x } = run;
  if (x.events === 0) return finishLoad(run, 'empty', x.next);
  // Only ignored event types: nothing to write in Redshift, so no transaction at all.
  if (x.staged.size === 0) return finishLoad(run, 'nothing-to-load', x.next);

  crashPoint('after-stage');
  const { result, counted } = await applyInWarehouse(run);
  crashPoint('after-commit');
  const outcome =
    result.outcome === 'loaded'
      ? await finishLoad(run, 'loaded', x.next, counted)
      : { ...(await finishLoad(run, 'already-loaded', result, counted)), full: parsePgTimestamp(result.windowTo) > parsePgTimestamp(bus.windowTime) }; // read on past a shorter ledger window, never in a circle
  crashPoint('after-advance');
  // Staged objects go after the commit; a failed delete is left for the retention sweep.
  await deps
    .objectStore()
    .deletePrefix(run.keyPrefix)
    .catch(() => undefined);
  return outcome;
}

/** One load in progress: what its steps after staging read. */
interface LoadRun {
  deps: LoadDeps;
  bus: Bus;
  settings: LoadSettings;
  loadId: string;
  /** Where the load's objects are staged. */
  keyPrefix: string;
  /** Date.now() when the load began. */
  started: number;
  /** `started` as a PostgreSQL timestamp: the ledger's loaded_at. */
  loadTime: string;
  x: Extracted;
  deadLetters: DeadLetterStore;
  /** The outcome's fields known once the window is staged. */
  base: Omit<LoadOutcome, 'outcome' | 'statements' | 'roundTrips' | 'copies' | 'durationMs' | 'lateEvents' | 'stagedPrefix'>;
}

type StatementCounts = { statements: number; roundTrips: number; copies: number };

/** Where a finished load leaves the bus: the window read, or after a fast-forward the one the ledger recorded. */
type LoadedWindow = Watermark | { loadId: string; windowTo: string; windowToIds: string[]; events: number; snapshotDays: string[] };

/** Extracts the next window and stages it in S3, then records which dead letters this attempt carries. */
async function stageWindow(deps: LoadDeps, bus: Bus, settings: LoadSettings): Promise<LoadRun> {
  const started = Date.now();
  const loadId = newLoadId(bus.id);
  const keyPrefix = `${schemaPrefix(settings.s3Prefix, bus.schemaName)}${loadId}/`;
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
  // Before anything reaches Redshift: whichever attempt commits, its id names the entries it carried.
  const deadLetters = new DeadLetterStore(deps.source, settings.controlSchema);
  await deadLetters.recordAttempt(x.replayed, loadId);
  const base = {
    busId: bus.id,
    loadId,
    events: x.events,
    eventsByType: x.eventsByType,
    replayed: x.replayed.length,
    tables: stagedCounts(x),
    bytesStaged: [...x.staged.values()].reduce((a, s) => a + s.compressedBytes, 0),
    windowFrom: bus.windowTime,
    windowTo: formatPgTimestamp(x.next.windowTime),
    full: x.windowFull || x.replaysLeft,
  };
  return { deps, bus, settings, loadId, keyPrefix, started, loadTime, x, deadLetters, base };
}

/**
 * The load's one Redshift transaction, with its ledger row. A COMMIT whose outcome was lost is
 * settled from the ledger; any other failure is thrown with the load's context (and, for a COPY
 * refused for its data, the diagnosis of the staged files).
 */
async function applyInWarehouse(run: LoadRun): Promise<{ result: LoadResult; counted: StatementCounts }> {
  const { deps, bus, settings, x, base } = run;
  const w = await deps.warehouse();
  const work = workFrom(x);
  const laneCount = Math.min(settings.copyConcurrency, work.length);
  const lanes = laneCount > 1 && deps.copyLanes ? await deps.copyLanes(laneCount) : [];
  const sessions = [w, ...lanes];
  const count = () => sessions.reduce((a, s) => ({ statements: a.statements + s.statements, roundTrips: a.roundTrips + s.roundTrips, copies: a.copies + s.copies }), { statements: 0, roundTrips: 0, copies: 0 });
  const before = count();
  const entry: LedgerEntry = {
    busId: bus.id,
    loadId: run.loadId,
    windowFrom: bus.windowTime,
    // The starting point the ledger remembers; it names the delivered replays once there are any.
    windowFromIds: replayFromIds(bus.windowIds, await run.deadLetters.deliveredCount(bus.id)),
    windowTo: base.windowTo,
    windowToIds: x.next.windowIds,
    events: x.events,
    firstEventId: x.firstEventId,
    lastEventId: x.lastEventId,
    loadedAt: run.loadTime,
    snapshotDays: x.snapshotDays,
  };
  let result: LoadResult;
  try {
    const rowsStaged = Object.values(base.tables).reduce((a, n) => a + n, 0);
    let copiesDone = 0;
    const copy: CopySettings = {
      iamRole: settings.iamRole,
      ...(settings.s3Region ? { region: settings.s3Region } : {}),
      onCopied: (table) =>
        deps.progress?.({ busId: bus.id, stage: 'loading', events: x.events, rowsStaged, copiesDone: ++copiesDone, copiesTotal: work.length, table }),
      onFailed: (s, e) => explainCopyRefusal(run, s, e),
    };
    result = lanes.length > 1 ? await applyLoadInLanes(w, lanes, entry, inLoadOrder(work), copy) : await applyLoad(w, entry, work, copy);
  } catch (e) {
    if (e instanceof WarehouseError && e.failureClass === 'unknown-outcome') result = await settleLostCommit(run, e);
    else throw withLoad(e, run.loadId, run.keyPrefix, bus);
  }
  const after = count();
  const counted = { statements: after.statements - before.statements, roundTrips: after.roundTrips - before.roundTrips, copies: after.copies - before.copies };
  return { result, counted };
}

/** The connection died during COMMIT: only the ledger knows whether the load committed. Loaded, or thrown as retryable. */
async function settleLostCommit(run: LoadRun, e: WarehouseError): Promise<LoadResult> {
  const { deps, bus, loadId } = run;
  await deps.resetWarehouse();
  const again = await deps.warehouse();
  if (await committedLoad(again, bus.id, loadId)) return { outcome: 'loaded' as const };
  // The outcome is known now: nothing was applied, so this is an ordinary retryable failure.
  const settled = new WarehouseError(`${e.message}; the ledger shows the load did not commit, nothing was applied`, 'transient', {
    cause: e,
    context: { ...e.context },
    ...(e.server ? { server: e.server } : {}),
    hint: 'the load is retried with backoff; check the network path to Redshift if this repeats',
  });
  throw withLoad(settled, loadId, run.keyPrefix, bus);
}

/** A COPY refused for its data: the diagnosis of the load's staged files goes into the error's context. */
async function explainCopyRefusal(run: LoadRun, w: WarehouseSession, e: unknown): Promise<void> {
  if (!(e instanceof WarehouseError && e.failureClass === 'data' && /^\s*COPY/i.test(String(e.context.statement ?? '')))) return;
  const { deps, bus, settings } = run;
  // The load's own files, since an hour before it began (clock skew between hosts).
  const scope = { fileUrlPrefix: deps.objectStore().url(run.keyPrefix), since: formatPgTimestamp((run.started - 3_600_000) * 1000) };
  const why = await explainCopyFailure(w, deps.objectStore(), run.x.staged, deps.source, { table: settings.sourceTable, bus, scope }).catch(
    (d: unknown) => ({ diagnosisProblems: [`the diagnosis failed: ${(d as Error).message}`] }),
  );
  if (why) Object.assign(e.context, why);
}

/** Advances the bus's watermark (with the late events counted since the last read) and records the run unless the window was empty. */
async function finishLoad(
  run: LoadRun,
  outcome: RunRecord['outcome'],
  wm: LoadedWindow,
  counts: StatementCounts = { statements: 0, roundTrips: 0, copies: 0 },
): Promise<LoadOutcome> {
  const { deps, bus, settings, x, loadId, started } = run;
  const next = 'windowTime' in wm ? { time: formatPgTimestamp(wm.windowTime), ids: wm.windowIds } : { time: wm.windowTo, ids: wm.windowToIds };
  // Rows that committed since the last read with a time behind this load's window start: no
  // window will read them (source/late-events.ts). Counted once, reported, never silent.
  const late = bus.readSnapshot
    ? await countLateEvents(deps.source, {
        table: settings.sourceTable,
        controlSchema: settings.controlSchema,
        busId: bus.id,
        rootId: bus.rootId,
        windowStart: bus.windowTime,
        before: bus.readSnapshot,
        after: x.readSnapshot,
      })
    : 0;
  await deps.buses.advance(bus.id, {
    readSnapshot: x.readSnapshot,
    lateEvents: late,
    windowTime: next.time,
    windowIds: next.ids,
    loadId: outcome === 'loaded' ? loadId : null,
    intervalSeconds: settings.intervalSeconds,
    elapsedSeconds: (Date.now() - started) / 1000,
    // A fast-forward delivered what the committed load read, as the ledger records it.
    delivered: 'events' in wm ? wm.events : x.events,
    // Recorded with the watermark: the days are generated after the commit and retried on the
    // next poll if that fails. After a fast-forward, the committed load's days (from the
    // ledger): the run that committed died before it could record them.
    snapshotDays: 'snapshotDays' in wm ? wm.snapshotDays : x.snapshotDays,
    // The dead letters the load that committed carried: this one's, or after a fast-forward
    // the committed load's (from the ledger); marked with the watermark, in one statement.
    replayedLoadId: 'loadId' in wm ? wm.loadId : x.replayed.length > 0 ? loadId : null,
  });
  const result: LoadOutcome = {
    ...run.base,
    outcome,
    windowTo: next.time,
    statements: counts.statements,
    roundTrips: counts.roundTrips,
    copies: counts.copies,
    durationMs: Date.now() - started,
    lateEvents: late,
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
