// `rsetl dead-letter list|show|replay`: what a bus set aside, and putting it back, exactly once.
//
// How a replay is delivered exactly once. A replay request marks entries in the source. The next
// load of the bus reads them before its window (pipeline/extract.ts), stages their rows with the
// window's, and records (entry, load id) in dead_letter_replay BEFORE its Redshift transaction.
// The entries are marked replayed by source/bus-advance.ts, in the same source statement as the
// watermark advance: after the commit with the load's own id, or, when the ledger shows that an
// earlier attempt already committed from this starting point (the process died between the
// Redshift COMMIT and the source update), with THAT load's id, which marks exactly the entries
// that attempt carried. A rolled-back attempt commits nothing, so its entries stay requested and
// the next attempt carries them again.
//
// That fast-forward is only sound while a starting point the ledger knows is never current again
// once its load was recorded. A load of window events guarantees it (the watermark moves past
// them); a load of replays alone may leave the watermark where it was (within the lookback after
// a burst, the watermark stays put while nothing new arrives), and the next load from there would
// be taken for the replay load and skipped. So once a bus has had replays delivered, the ledger's
// starting point also names how many (`replayFromIds`): that count only grows, and only with a
// recorded load. Buses without delivered replays keep the starting point of earlier versions.
import type { RsetlConfig } from '../config/schema.js';
import type { Bus } from '../source/bus.js';
import { DeadLetterStore, type DeadLetterDetail, type DeadLetterEntry } from '../source/dead-letter-store.js';
import type { Connections } from './connections.js';

/** The ledger's starting point of a load (its ids part): the watermark's ids, and the delivered replays once there are any. */
export function replayFromIds(windowIds: string[], deliveredReplays: number): string[] {
  return deliveredReplays > 0 ? [...windowIds, `replays-delivered:${deliveredReplays}`] : windowIds;
}

async function open(conn: Connections, config: RsetlConfig, ref: string): Promise<{ bus: Bus; store: DeadLetterStore }> {
  const { client, buses } = await conn.control();
  return { bus: await buses.findBus(ref), store: new DeadLetterStore(client, config.source.controlSchema) };
}

export async function listDeadLetters(conn: Connections, config: RsetlConfig, ref: string): Promise<{ bus: Bus; deadLetters: DeadLetterEntry[] }> {
  const { bus, store } = await open(conn, config, ref);
  return { bus, deadLetters: await store.list(bus.id) };
}

export async function showDeadLetter(conn: Connections, config: RsetlConfig, ref: string, id: string): Promise<{ bus: Bus; deadLetter: DeadLetterDetail }> {
  const { bus, store } = await open(conn, config, ref);
  return { bus, deadLetter: await store.show(bus.id, id) };
}

export interface ReplayResult {
  bus: Bus;
  /** The entries now requested (empty when the operator declined). */
  requested: DeadLetterEntry[];
  /** The operator declined at the confirmation: nothing changed. */
  cancelled?: boolean;
}

/**
 * Requests the replay of dead letters `ids` (default: every waiting one of the bus). `confirm` is
 * asked with a one-sentence summary before anything changes; false cancels. The request itself
 * re-checks every entry under row locks, so one confirmed from a stale listing still cannot replay
 * an entry twice.
 */
export async function replayDeadLetters(
  conn: Connections,
  config: RsetlConfig,
  input: { ref: string; ids?: string[]; reason: string; who: string; confirm: (summary: string) => Promise<boolean> },
): Promise<ReplayResult> {
  const { bus, store } = await open(conn, config, input.ref);
  const all = await store.list(bus.id);
  const targets = input.ids ? all.filter((e) => input.ids!.includes(e.id)) : all.filter((e) => e.state === 'waiting');
  const count = input.ids ? input.ids.length : targets.length;
  const summary = `replay ${count} dead letter(s) of bus ${bus.id} (${bus.schemaName}) in its next load${
    targets.length && targets.length <= 10 ? `: ${targets.map((e) => e.id).join(', ')}` : ''
  }`;
  // Refusals (unknown, already requested or replayed, nothing waiting) come before the question.
  await store.checkReplayable(bus.id, input.ids);
  if (!(await input.confirm(summary))) return { bus, requested: [], cancelled: true };
  const requested = await store.requestReplay(bus.id, input.ids, { by: input.who, reason: input.reason });
  return { bus, requested };
}

/**
 * For `rsetl unblock`: when a replayed event blocks its bus (still invalid, or a row COPY
 * rejects), skipping it must withdraw its replay request, not add a second dead letter. Returns
 * the entries of `eventIds` whose request was withdrawn (audited as 'replay-cancel'); events that
 * are not being replayed are left to the caller.
 */
export async function cancelReplayOfEvents(
  conn: Connections,
  config: RsetlConfig,
  input: { busId: number; eventIds: string[]; reason: string; who: string },
): Promise<DeadLetterEntry[]> {
  const { client } = await conn.control();
  const store = new DeadLetterStore(client, config.source.controlSchema);
  const ids = (await store.list(input.busId)).filter((e) => e.state === 'replay requested' && input.eventIds.includes(e.eventId)).map((e) => e.id);
  if (ids.length === 0) return [];
  return store.cancelReplay(input.busId, ids, { by: input.who, reason: input.reason });
}
