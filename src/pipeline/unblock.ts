// `rsetl unblock`: what an operator on call needs for a stuck bus — see the failing window and its
// error, then retry now, skip the offending events (or the whole window) into the dead letter with
// a reason, resume a paused bus or pause a failing one. Only a person skips data (docs/design.md#failure-handling).
import type { RsetlConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { Bus } from '../source/bus.js';
import { pendingByBus } from '../source/bus-counts.js';
import { outboxTableName, readWindow, sourceNow } from '../source/outbox.js';
import type { Connections } from './connections.js';
import type { OffendingEvent } from './explain-copy-failure.js';
import { cancelReplayOfEvents } from './dead-letter-replay.js';
import { pollOnce, type BusOutcome } from './poller.js';

export type UnblockAction = 'retry' | 'skip' | 'resume' | 'pause';

export interface BlockedBus {
  bus: Bus;
  failing: boolean;
  error: Record<string, unknown> | null;
  /** The events the error names (a parse failure, or the row COPY rejected), when known. */
  offending: OffendingEvent[];
  window: { from: string; rememberedIds: number; pendingEvents: number; pendingCapped: boolean };
  stagedPrefix: string | null;
}

export interface UnblockResult {
  blocked: BlockedBus;
  action: UnblockAction;
  skipped: OffendingEvent[];
  /** The operator declined at the confirmation: nothing changed. */
  cancelled?: boolean;
  poll?: BusOutcome;
}

function offendingFrom(error: Record<string, unknown> | null): OffendingEvent[] {
  const ctx = (error?.context ?? {}) as Record<string, unknown>;
  const event = (ctx.event ?? error?.event) as OffendingEvent | undefined;
  return event?.id ? [event] : [];
}

/** The bus named, or the only failing one. */
export async function findBlocked(conn: Connections, config: RsetlConfig, ref?: string): Promise<BlockedBus> {
  const { client, buses } = await conn.control();
  let bus: Bus;
  if (ref) bus = await buses.findBus(ref);
  else {
    const failing = (await buses.listBuses()).filter((b) => b.failureCount > 0);
    if (failing.length !== 1) {
      throw new UsageError(failing.length === 0 ? 'no bus is failing' : `${failing.length} buses are failing; name one with --bus`, {
        hint: failing.length ? failing.map((b) => `${b.id} (${b.schemaName})`).join(', ') : 'name a bus with --bus to pause or resume it',
      });
    }
    bus = failing[0]!;
  }
  const counted = await pendingByBus(client, { table: config.source.table, controlSchema: config.source.controlSchema, busIds: [bus.id] });
  const pending = counted.get(bus.id) ?? { count: 0, capped: false };
  const ctx = (bus.lastError?.context ?? {}) as Record<string, unknown>;
  return {
    bus,
    failing: bus.failureCount > 0,
    error: bus.lastError,
    offending: offendingFrom(bus.lastError),
    window: { from: bus.windowTime, rememberedIds: bus.windowIds.length, pendingEvents: pending.count, pendingCapped: pending.capped },
    stagedPrefix: typeof ctx.stagedPrefix === 'string' ? ctx.stagedPrefix : null,
  };
}

/** The full rows of the events to skip: the offending ones, or the next window (`--window`). */
async function eventsToSkip(conn: Connections, config: RsetlConfig, b: BlockedBus, wholeWindow: boolean) {
  const { client } = await conn.control();
  if (wholeWindow) {
    const rows = [];
    for await (const page of readWindow(client, {
      table: config.source.table,
      rootId: b.bus.rootId,
      windowTime: b.bus.windowTime,
      windowIds: b.bus.windowIds,
      now: await sourceNow(client),
      limit: b.bus.maxEvents,
      deadLetter: { controlSchema: config.source.controlSchema, busId: b.bus.id },
    })) rows.push(...page);
    return rows;
  }
  if (b.offending.length === 0) {
    throw new UsageError(`the error of bus ${b.bus.id} names no event`, {
      hint: 'skip the whole window with --skip --window, or fix the cause and --retry',
    });
  }
  const r = await client.query(
    `select id::text as id, guid, time, datajson from ${outboxTableName(config.source.table)}
     where root_id = $1 and id = any($2::bigint[]) and time >= $3::timestamp`,
    [b.bus.rootId, b.offending.map((e) => e.id), b.bus.windowTime],
  );
  return r.rows as Array<{ id: string; guid: string | null; time: string; datajson: unknown }>;
}

export async function unblock(
  conn: Connections,
  config: RsetlConfig,
  input: {
    ref?: string;
    action: UnblockAction;
    window?: boolean;
    reason?: string;
    who: string;
    /** Skip on a bus that is not failing: its events are good, so only on explicit request. */
    force?: boolean;
    /** Asked before a skip changes anything (the CLI's confirmation on a terminal); false cancels. */
    confirmSkip?: (summary: string) => Promise<boolean>;
  },
): Promise<UnblockResult> {
  const blocked = await findBlocked(conn, config, input.ref);
  const { buses } = await conn.control();
  const id = blocked.bus.id;
  switch (input.action) {
    case 'pause':
      await buses.setState(id, 'Paused');
      return { blocked, action: 'pause', skipped: [] };
    case 'resume':
      await buses.setState(id, 'Active', { resetFailures: true, scheduleNow: true });
      return { blocked, action: 'resume', skipped: [] };
    case 'retry': {
      if (blocked.bus.state === 'Disabled') throw new UsageError(`bus ${id} is Disabled`);
      await buses.setState(id, blocked.bus.state, { scheduleNow: true });
      const summary = await pollOnce(conn, config, { buses: [String(id)], ignoreSchedule: true });
      return { blocked, action: 'retry', skipped: [], ...(summary.buses[0] ? { poll: summary.buses[0] } : {}) };
    }
    case 'skip': {
      if (!input.reason?.trim()) throw new UsageError('--skip needs --reason: the dead letter records why events were set aside');
      if (!blocked.failing && !input.force) {
        throw new UsageError(`bus ${id} (${blocked.bus.schemaName}) is not failing: its events would be set aside although nothing is wrong with them`, {
          hint: 'skips are for a failing bus; add --force if these events must really go to the dead letter',
        });
      }
      // An offending event that is a replayed dead letter is already in the dead letter: skipping it
      // means withdrawing its replay, not setting it aside a second time.
      if (!input.window && blocked.offending.length > 0) {
        const withdrawn = await cancelReplayOfEvents(conn, config, { busId: id, eventIds: blocked.offending.map((e) => e.id), reason: input.reason, who: input.who });
        if (withdrawn.length > 0) {
          await buses.clearFailure(id);
          const skipped = withdrawn.map((d) => ({ id: d.eventId, guid: d.guid, time: d.eventTime, type: d.eventType }));
          return { blocked, action: 'skip', skipped };
        }
      }
      const rows = await eventsToSkip(conn, config, blocked, input.window === true);
      if (rows.length === 0) throw new UsageError('nothing to skip: the offending events are no longer pending');
      const summary = `move ${rows.length} event(s) of bus ${id} (${blocked.bus.schemaName}) into the dead letter${input.window ? ' (the whole next window)' : ''}`;
      if (input.confirmSkip && !(await input.confirmSkip(summary))) return { blocked, action: 'skip', skipped: [], cancelled: true };
      await buses.deadLetter(id, rows, { by: input.who, reason: input.reason, error: blocked.error }, { clearFailure: true, audit: true });
      const skipped = rows.map((r) => ({ id: r.id, guid: r.guid, time: r.time, type: ((r.datajson as { eventType?: string }) ?? {}).eventType ?? null }));
      return { blocked, action: 'skip', skipped };
    }
  }
}
