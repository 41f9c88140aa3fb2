// The poll loop (docs/operations.md#cron, docs/design.md#concurrency): every due Active bus, each under its own PostgreSQL advisory
// lock, loaded until caught up or the time budget is spent. A bus held by another process is
// skipped and reported; a failing bus is recorded, backed off, and makes the run exit 1.
import type { RsetlConfig } from '../config/schema.js';
import { EventError, isRsetlError, messageOf, StoppedError, WarehouseError } from '../errors.js';
import { isConnectionError, unreachable } from '../warehouse/errors.js';
import type { Bus } from '../source/bus.js';
import { findBusesAmong } from '../source/bus-registry.js';
import type { Failure } from '../source/bus-state.js';
import { BusStore } from '../source/bus-store.js';
import type { RunRecord } from '../source/run-log-writes.js';
import { retryDelaySeconds } from './backoff.js';
import { loadNextWindow, type LoadDeps, type LoadOutcome } from './load-window.js';
import type { ProgressSink } from './load-progress.js';
import { afterLoads, type AfterLoadResult } from './after-load.js';
import { ReadGivenUp, readTurns, type ReadTurn } from './read-turns.js';
import { connectSource, settingsFrom, type Connections } from './connections.js';
import { assertSchemaCurrent } from '../warehouse/schema-current.js';
import type { WarehouseSession } from '../warehouse/session.js';

export type BusOutcome =
  | { busId: number; schema: string; status: 'caught-up' | 'more-pending'; loads: LoadOutcome[]; after: AfterLoadResult }
  | { busId: number; schema: string; status: 'locked' | 'not-due'; loads: [] }
  | {
      busId: number;
      schema: string;
      status: 'failed';
      loads: LoadOutcome[];
      error: Record<string, unknown>;
      /** Seconds until the automatic retry; null when the bus is blocked (a data failure waits for `rsetl unblock`). */
      retryInSeconds: number | null;
      blocked: boolean;
      paused: boolean;
    };

export interface PollOptions {
  /** Only these buses (ids or schema names). */
  buses?: string[];
  /** Time budget; loads already started finish. */
  maxSeconds?: number;
  /** Run even if the bus is not due yet (run-window, `bus pump`). */
  ignoreSchedule?: boolean;
  /** Events per load; default poll.maxEventsPerLoad. */
  limit?: number;
  /** Stop after one load per bus (run-window). */
  singleLoad?: boolean;
  shouldStop?: () => boolean;
  /** Due buses loaded at once; default poll.concurrency. */
  concurrency?: number;
  onLoad?: (outcome: LoadOutcome, bus: Bus) => void;
  /** How far the current load has got (a progress line on a terminal); with concurrency, from several buses interleaved. */
  onProgress?: ProgressSink;
  /** A bus is done for this pass (whatever its outcome). */
  onBusDone?: (outcome: BusOutcome) => void;
}

export interface PollSummary {
  buses: BusOutcome[];
  /** Buses with failure_count > 0 after this run (also ones not touched now). */
  failing: Array<{ busId: number; schema: string; failureCount: number; blocked: boolean; nextRunAt: string }>;
}

export function errorRecord(e: unknown): Record<string, unknown> {
  if (isRsetlError(e)) return { ...e.toJSON(), at: new Date().toISOString() };
  return { kind: 'internal', message: messageOf(e), at: new Date().toISOString() };
}

/**
 * A failure no retry can mend: the data itself (an event that cannot be parsed, a row COPY
 * rejects). Retrying on a backoff would fail the same way forever, so the bus waits for a person.
 */
export function isDataFailure(e: unknown): boolean {
  return e instanceof EventError || (e instanceof WarehouseError && e.failureClass === 'data');
}

/**
 * Raw errors that reach the poller come from the source connection (Redshift's are classified
 * by its session, S3's by the stage): a lost source connection is the source being unreachable,
 * not a bug in rsetl.
 */
function classified(e: unknown): unknown {
  if (!isRsetlError(e) && isConnectionError(e)) return unreachable('the source PostgreSQL', e);
  return e;
}

async function currentSchemaSession(conn: Connections, schema: string): Promise<WarehouseSession> {
  const s = await conn.warehouse(schema);
  try {
    await assertSchemaCurrent(s, schema);
    return s;
  } catch (e) {
    await s.close();
    throw e;
  }
}

async function processBus(conn: Connections, config: RsetlConfig, busId: number, opts: PollOptions, deadline: number, readTurn: ReadTurn): Promise<BusOutcome> {
  // Each bus gets its own source session: the advisory lock lives as long as it does.
  const client = await connectSource(config.source.url, 'rsetl poll');
  const store = new BusStore(client, config.source.controlSchema);
  let bus = await store.getBus(busId);
  let warehouse: Awaited<ReturnType<Connections['warehouse']>> | undefined;
  let lanes: WarehouseSession[] = [];
  const deps: LoadDeps = {
    source: client,
    buses: store,
    objectStore: conn.objectStore,
    // Connected only when a load has something for Redshift: an idle poll never touches it. A new
    // session first checks the schema has every migration of this rsetl (warehouse/schema-current.ts).
    warehouse: async () => (warehouse ??= await currentSchemaSession(conn, bus!.schemaName)),
    resetWarehouse: async () => {
      await warehouse?.close();
      warehouse = undefined;
      const closing = lanes;
      lanes = [];
      await Promise.all(closing.map((l) => l.close().catch(() => undefined)));
    },
    // Opened when a load first has several tables to COPY, kept for the bus's next loads. Over the
    // Data API each is a Data API session of its own (warehouse/drivers/data-api-driver.ts).
    copyLanes: async (n: number) => {
      if (lanes.length < n) lanes.push(...(await Promise.all(Array.from({ length: n - lanes.length }, () => conn.warehouse(bus!.schemaName)))));
      return lanes.slice(0, n);
    },
    ...(opts.onProgress && { progress: opts.onProgress }),
    readTurn,
  };
  try {
    if (!bus) throw new Error(`bus ${busId} vanished`);
    if (!(await store.tryLock(busId, config.poll.lockTimeoutSeconds * 1000))) return { busId, schema: bus.schemaName, status: 'locked', loads: [] };
    const loads: LoadOutcome[] = [];
    // When the work that failed began (a load, or the after-load work), for the failed run row.
    let attemptStarted = new Date();
    try {
      // Re-read under the lock: another process may have just finished this bus.
      bus = (await store.getBus(busId))!;
      const due = bus.state === 'Active' && (opts.ignoreSchedule || bus.scheduled.getTime() <= Date.now());
      if (!due && !(opts.ignoreSchedule && bus.state !== 'Disabled')) return { busId, schema: bus.schemaName, status: 'not-due', loads: [] };
      let status: 'caught-up' | 'more-pending' = 'caught-up';
      for (;;) {
        attemptStarted = new Date();
        let outcome: LoadOutcome;
        try {
          outcome = await loadNextWindow(deps, bus, {
            ...settingsFrom(config, opts.limit ?? config.poll.maxEventsPerLoad),
            intervalSeconds: bus.intervalSeconds ?? config.poll.intervalSeconds,
          });
        } catch (e) {
          // The pass is stopping and this load had read one page only: nothing of it reached
          // Redshift (pipeline/read-turns.ts). Due again at once, as when the budget is spent.
          if (!(e instanceof ReadGivenUp)) throw e;
          await store.scheduleNow(busId);
          status = 'more-pending';
          break;
        }
        loads.push(outcome);
        opts.onLoad?.(outcome, bus);
        bus = (await store.getBus(busId))!;
        if (!outcome.full || opts.singleLoad) break;
        if (Date.now() >= deadline || opts.shouldStop?.()) {
          // More is waiting: make the bus due again so the next poll continues at once.
          await store.scheduleNow(busId);
          status = 'more-pending';
          break;
        }
      }
      attemptStarted = new Date();
      const after = await afterLoads(
        {
          buses: store,
          warehouse: deps.warehouse,
          ownerSession: (schema) => conn.warehouse(schema, { asOwner: true }),
          objectStore: conn.objectStore,
          s3Prefix: config.s3.prefix,
          retentionHours: config.s3.retentionHours,
        },
        bus,
        loads.some((l) => l.outcome === 'loaded' || l.outcome === 'already-loaded'),
      );
      return { busId, schema: bus.schemaName, status, loads, after };
    } catch (thrown) {
      // Stopped by the operator mid-statement (Data API: the statement was cancelled and the load
      // rolled back): not a failure of the bus.
      if (thrown instanceof StoppedError) throw thrown;
      const e = classified(thrown);
      const failures = bus.failureCount + 1;
      const pause = config.poll.maxFailures > 0 && failures >= config.poll.maxFailures;
      const block = isDataFailure(e);
      const retryInSeconds = retryDelaySeconds({
        intervalSeconds: bus.intervalSeconds ?? config.poll.intervalSeconds,
        failures: bus.failureCount,
        capSeconds: config.poll.backoffCapSeconds,
      });
      const error = errorRecord(e);
      const failedRun = {
        busId,
        loadId: (isRsetlError(e) && typeof e.context.loadId === 'string' ? e.context.loadId : null),
        startedAt: attemptStarted,
        finishedAt: new Date(),
        windowFrom: bus.windowTime,
        windowTo: null,
        events: 0,
        eventsByType: {},
        tables: {},
        bytesStaged: 0,
        statements: 0,
        copies: 0,
        outcome: 'failed' as const,
        error,
      };
      await recordFailureSomewhere(store, config, busId, { error, retryInSeconds, pause, block }, failedRun, e);
      if (e instanceof WarehouseError && e.failureClass !== 'data') await deps.resetWarehouse();
      return { busId, schema: bus.schemaName, status: 'failed', loads, error, retryInSeconds: block ? null : retryInSeconds, blocked: block, paused: pause };
    } finally {
      await store.unlock(busId).catch(() => undefined);
    }
  } finally {
    await deps.resetWarehouse();
    await client.end().catch(() => undefined);
  }
}

/**
 * Records a failed attempt on the bus's own source session or, when that session is what died
 * (the source restarted or failed over mid-poll), on a new one, so the failure is never lost
 * with the connection. When the source cannot be reached at all, the run ends as unreachable (69).
 */
async function recordFailureSomewhere(
  store: BusStore,
  config: RsetlConfig,
  busId: number,
  failure: Failure,
  run: RunRecord,
  cause: unknown,
): Promise<void> {
  const record = async (s: BusStore) => {
    await s.recordFailure(busId, failure);
    await s.recordRun(run);
  };
  try {
    await record(store);
    return;
  } catch (e) {
    if (!isConnectionError(e)) throw e;
  }
  let fresh: Awaited<ReturnType<typeof connectSource>> | undefined;
  try {
    fresh = await connectSource(config.source.url, 'rsetl poll');
    await record(new BusStore(fresh, config.source.controlSchema));
  } catch (e) {
    throw isRsetlError(cause) && cause.kind === 'unreachable' ? cause : classified(e);
  } finally {
    await fresh?.end().catch(() => undefined);
  }
}

/**
 * One pass over the due buses: up to `concurrency` (poll.concurrency) at once, started in the order
 * pollPlan gives (oldest watermark first), each with its own source session, lock and Redshift
 * session; they share the S3 client. No bus starts after the time budget is spent (once one has)
 * or once a stop is requested; buses in flight finish their current load as they would alone. The
 * outcomes are in start order. A bus that throws (a stop that cancelled its statement, the source
 * gone) ends the pass: no bus starts after it, the others in flight stop after their current load,
 * and the first such error is thrown once they have.
 */
export async function pollOnce(conn: Connections, config: RsetlConfig, opts: PollOptions = {}): Promise<PollSummary> {
  const deadline = Date.now() + (opts.maxSeconds ?? Number.POSITIVE_INFINITY) * 1000;
  const control = await conn.control();
  // One query for the whole plan: every bus (the named ones are among them) and which are due. With
  // the control schema's version check, a pass with nothing due costs the source two queries, also
  // with 40 buses (test/integration/idle-poll.test.ts).
  const plan = await control.buses.pollPlan();
  const selected = opts.buses?.length ? findBusesAmong(plan.buses, opts.buses) : undefined;
  const among = selected ? new Set(selected.map((b) => b.id)) : undefined;
  // A named bus that is not due is reported as such without a connection of its own (a `--loop
  // --bus X` pass must cost the source next to nothing while X waits).
  const dueIds = opts.ignoreSchedule && selected ? selected.map((b) => b.id) : plan.dueIds.filter((id) => !among || among.has(id));
  const buses: BusOutcome[] = [];
  for (const b of selected ?? []) {
    if (!dueIds.includes(b.id)) buses.push({ busId: b.id, schema: b.schemaName, status: 'not-due', loads: [] });
  }
  const reported = buses.length;
  const started: Array<BusOutcome | undefined> = [];
  let thrown: { error: unknown } | undefined;
  const stopping = () => thrown !== undefined || opts.shouldStop?.() === true;
  const perBus: PollOptions = { ...opts, shouldStop: stopping };
  let next = 0;
  // The buses in flight read their large windows one at a time (pipeline/read-turns.ts).
  const readTurn = readTurns(stopping);
  // A worker pool: each worker starts the next due bus when its previous one is done.
  const worker = async () => {
    while (next < dueIds.length && !stopping()) {
      if (Date.now() >= deadline && reported + started.length > 0) return;
      const id = dueIds[next++]!;
      const slot = started.push(undefined) - 1;
      try {
        const outcome = await processBus(conn, config, id, perBus, deadline, readTurn);
        started[slot] = outcome;
        opts.onBusDone?.(outcome);
      } catch (e) {
        thrown ??= { error: e };
      }
    }
  };
  const width = Math.max(1, Math.min(opts.concurrency ?? config.poll.concurrency, dueIds.length));
  await Promise.all(Array.from({ length: width }, worker));
  if (thrown) throw thrown.error;
  buses.push(...started.filter((b): b is BusOutcome => b !== undefined));
  // The plan's listing is still current when no bus was worked on in this pass.
  const failing = (started.length > 0 ? await control.buses.listBuses() : plan.buses)
    .filter((b) => b.failureCount > 0 && b.state !== 'Disabled')
    .map((b) => ({ busId: b.id, schema: b.schemaName, failureCount: b.failureCount, blocked: b.blocked, nextRunAt: b.scheduled.toISOString() }));
  return { buses, failing };
}
