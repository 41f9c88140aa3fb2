// The control schema as one object on one source session (docs/design.md#control-schema): what the
// poller, the admin commands and the tests hold as `buses`. It only binds the client and the schema
// name; each concern lives in its own file, which a caller may also use directly:
//   control-schema/ensure.ts  creating and migrating the schema
//   bus-registry.ts           which buses exist, found by id or schema name
//   bus-schedule.ts           which are due, and when the next is
//   bus-locks.ts              one process per bus (docs/design.md#concurrency)
//   bus-advance.ts            the watermark and after-load chores (docs/design.md#advance)
//   bus-state.ts              failures, blocks, pause and resume (docs/design.md#failure-handling)
//   run-log-writes.ts         a run row and its totals (run-log.ts reads them)
//   dead-letter-skip.ts       events set aside (docs/operations.md#dead-letters)
import type pg from 'pg';
import { ident } from '../sql/quote.js';
import type { Bus, BusState } from './bus.js';
import { advance, clearSnapshotDays, markMvRefreshed, type Advance } from './bus-advance.js';
import { tryLockBus, unlockBus } from './bus-locks.js';
import { createBus, findBusAmong, findBusesAmong, getBus, listBuses, type NewBus } from './bus-registry.js';
import { pollPlan, scheduleNow, secondsUntilNextDue } from './bus-schedule.js';
import { clearFailure, recordFailure, setState, type Failure, type StateChange } from './bus-state.js';
import { ensureControlSchema } from './control-schema/ensure.js';
import { skipIntoDeadLetter, skippedEvents, type SkipDecision, type SkippedEvent } from './dead-letter-skip.js';
import { recordRun, type RunRecord } from './run-log-writes.js';

export class BusStore {
  constructor(
    private readonly client: pg.ClientBase,
    readonly schema: string,
  ) {
    ident(schema); // a bad schema name fails here, when the store is made, not at its first query
  }

  /** Creates or upgrades the control schema. Safe to run from many processes at once. */
  ensureSchema(): Promise<{ applied: number[] }> {
    return ensureControlSchema(this.client, this.schema);
  }

  createBus(input: NewBus): Promise<{ bus: Bus; created: boolean }> {
    return createBus(this.client, this.schema, input);
  }
  listBuses(): Promise<Bus[]> {
    return listBuses(this.client, this.schema);
  }
  getBus(id: number): Promise<Bus | undefined> {
    return getBus(this.client, this.schema, id);
  }
  /** A bus by id or by Redshift schema name (which must then name exactly one bus). */
  async findBus(ref: string): Promise<Bus> {
    return findBusAmong(await this.listBuses(), ref);
  }
  /** Several buses by id or schema, with one query; each ref must name exactly one bus. */
  async findBuses(refs: string[]): Promise<Bus[]> {
    return findBusesAmong(await this.listBuses(), refs);
  }

  pollPlan(): Promise<{ buses: Bus[]; dueIds: number[] }> {
    return pollPlan(this.client, this.schema);
  }
  secondsUntilNextDue(among?: number[]): Promise<number | undefined> {
    return secondsUntilNextDue(this.client, this.schema, among);
  }
  scheduleNow(busId: number): Promise<void> {
    return scheduleNow(this.client, this.schema, busId);
  }

  tryLock(busId: number, timeoutMs = 0): Promise<boolean> {
    return tryLockBus(this.client, this.schema, busId, timeoutMs);
  }
  unlock(busId: number): Promise<void> {
    return unlockBus(this.client, this.schema, busId);
  }

  advance(busId: number, next: Advance): Promise<void> {
    return advance(this.client, this.schema, busId, next);
  }
  clearSnapshotDays(busId: number, days: string[]): Promise<void> {
    return clearSnapshotDays(this.client, this.schema, busId, days);
  }
  markMvRefreshed(busId: number): Promise<void> {
    return markMvRefreshed(this.client, this.schema, busId);
  }

  recordFailure(busId: number, failure: Failure): Promise<Bus> {
    return recordFailure(this.client, this.schema, busId, failure);
  }
  setState(busId: number, state: BusState, opts?: StateChange): Promise<void> {
    return setState(this.client, this.schema, busId, state, opts);
  }
  clearFailure(busId: number): Promise<void> {
    return clearFailure(this.client, this.schema, busId);
  }

  recordRun(run: RunRecord): Promise<void> {
    return recordRun(this.client, this.schema, run);
  }

  deadLetter(busId: number, events: SkippedEvent[], who: SkipDecision, opts: { clearFailure: boolean; audit?: boolean }): Promise<void> {
    return skipIntoDeadLetter(this.client, this.schema, busId, events, who, opts);
  }
  deadLetters(busId: number): Promise<Array<Record<string, unknown>>> {
    return skippedEvents(this.client, this.schema, busId);
  }
}
