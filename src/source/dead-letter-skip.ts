// How events enter a bus's dead letter: a person skips them (`rsetl unblock --skip`, audited) or
// poll.invalidEvents = dead-letter sets an unparseable one aside (docs/operations.md#dead-letters).
// The window never reads them again (source/outbox.ts); their way back is dead-letter-store.ts.
import type pg from 'pg';
import { ident } from '../sql/quote.js';
import { recordAudit } from './audit.js';
import { clearFailure } from './bus-state.js';
import { jsonbText } from './jsonb-text.js';

export interface SkippedEvent {
  id: string;
  guid: string | null;
  time: string;
  datajson: unknown;
}

export interface SkipDecision {
  by: string;
  reason: string;
  error: Record<string, unknown> | null;
}

/**
 * Moves events out of the bus's stream into the dead letter (a person's decision, with who and
 * why) and clears the failure so the bus continues after them. One transaction: the events, the
 * audit row and the cleared failure are there together or not at all.
 */
export async function skipIntoDeadLetter(
  client: pg.ClientBase,
  controlSchema: string,
  busId: number,
  events: SkippedEvent[],
  who: SkipDecision,
  opts: { clearFailure: boolean; audit?: boolean },
): Promise<void> {
  const q = ident(controlSchema);
  await client.query('begin');
  try {
    for (const e of events) {
      await client.query(
        `insert into ${q}.dead_letter (bus_id, event_id, guid, event_time, datajson, error, skipped_by, reason)
           values ($1, $2, $3, $4::timestamp, $5, $6, $7, $8)`,
        [busId, e.id, e.guid, e.time, jsonbText(e.datajson), who.error ? JSON.stringify(who.error) : null, who.by, who.reason],
      );
    }
    if (opts.audit) {
      await recordAudit(client, controlSchema, {
        busId,
        action: 'skip',
        by: who.by,
        reason: who.reason,
        details: { events: events.map((e) => ({ id: e.id, time: e.time })) },
      });
    }
    if (opts.clearFailure) await clearFailure(client, controlSchema, busId);
    await client.query('commit');
  } catch (e) {
    await client.query('rollback').catch(() => undefined);
    throw e;
  }
}

/** The bus's dead-letter rows as skipped (who, when, why), oldest first; DeadLetterStore.list adds the replay state. */
export async function skippedEvents(client: pg.ClientBase, controlSchema: string, busId: number): Promise<Array<Record<string, unknown>>> {
  const r = await client.query(
    `select id, event_id::text as event_id, guid, event_time, skipped_by, skipped_at, reason from ${ident(controlSchema)}.dead_letter where bus_id = $1 order by id`,
    [busId],
  );
  return r.rows;
}
