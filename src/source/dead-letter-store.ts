// The dead letter of a bus, in the source's control schema: events a person (`rsetl unblock
// --skip`) or poll.invalidEvents set aside, and their way back (`rsetl dead-letter replay`). The
// window query excludes every dead-lettered event for good (source/outbox.ts); a replayed entry is
// delivered by the replay path of a load instead (pipeline/dead-letter-replay.ts), exactly once:
// each load attempt that carries an entry is recorded (dead_letter_replay) before its Redshift
// transaction, and the entry is marked replayed with the watermark advance of the attempt that
// committed (advance, bus-advance.ts).
import type pg from 'pg';
import { UsageError } from '../errors.js';
import { ident } from '../sql/quote.js';
import { recordAudit } from './audit.js';

export type DeadLetterState = 'waiting' | 'replay requested' | 'replayed';

export interface DeadLetterEntry {
  id: string;
  busId: number;
  eventId: string;
  guid: string | null;
  /** The event's outbox time, PostgreSQL timestamp text (UTC). */
  eventTime: string;
  eventType: string | null;
  skippedBy: string;
  skippedAt: Date;
  reason: string;
  state: DeadLetterState;
  /** `waiting`, `replay requested`, `replayed (load <id>)` or `replayed (invalid again: entry <id>)`. */
  stateText: string;
  replayRequestedAt: Date | null;
  replayRequestedBy: string | null;
  replayReason: string | null;
  replayedAt: Date | null;
  replayedLoadId: string | null;
  /** The replayed event was still invalid (poll.invalidEvents = dead-letter): the entry it went back to. */
  deadLetteredAgainAs: string | null;
}

export interface DeadLetterDetail extends DeadLetterEntry {
  datajson: unknown;
  /** The error the event was set aside with (the bus's error at the skip, or the parse error). */
  error: Record<string, unknown> | null;
  /** Load attempts that carried the entry (failed ones included), oldest first. */
  attempts: Array<{ loadId: string; at: Date }>;
  /** Operator decisions about the entry, from the control schema's audit table, oldest first. */
  audit: Array<{ action: string; by: string; at: Date; reason: string | null; details: Record<string, unknown> }>;
}

/** A requested replay, as the load reads it (the event as the outbox held it). */
export interface PendingReplay {
  id: string;
  eventId: string;
  guid: string | null;
  time: string;
  datajson: unknown;
}

const ENTRY_COLUMNS = `d.id::text as id, d.bus_id, d.event_id::text as event_id, d.guid, d.event_time, d.datajson->>'eventType' as event_type,
  d.skipped_by, d.skipped_at, d.reason, d.replay_requested_at, d.replay_requested_by, d.replay_reason, d.replayed_at,
  d.replayed_load_id, d.dead_lettered_again_as::text as dead_lettered_again_as`;

function toEntry(r: Record<string, any>): DeadLetterEntry {
  const state: DeadLetterState = r.replayed_at ? 'replayed' : r.replay_requested_at ? 'replay requested' : 'waiting';
  const stateText =
    state !== 'replayed'
      ? state
      : r.replayed_load_id
        ? `replayed (load ${r.replayed_load_id})`
        : `replayed (invalid again: entry ${r.dead_lettered_again_as ?? '?'})`;
  return {
    id: r.id,
    busId: r.bus_id,
    eventId: r.event_id,
    guid: r.guid ?? null,
    eventTime: r.event_time,
    eventType: typeof r.event_type === 'string' ? r.event_type : null,
    skippedBy: r.skipped_by,
    skippedAt: r.skipped_at,
    reason: r.reason,
    state,
    stateText,
    replayRequestedAt: r.replay_requested_at ?? null,
    replayRequestedBy: r.replay_requested_by ?? null,
    replayReason: r.replay_reason ?? null,
    replayedAt: r.replayed_at ?? null,
    replayedLoadId: r.replayed_load_id ?? null,
    deadLetteredAgainAs: r.dead_lettered_again_as ?? null,
  };
}

export class DeadLetterStore {
  private readonly q: string;

  constructor(
    private readonly client: pg.ClientBase,
    private readonly schema: string,
  ) {
    this.q = ident(schema);
  }

  /** Every entry of the bus, oldest decision first. */
  async list(busId: number): Promise<DeadLetterEntry[]> {
    const r = await this.client.query(`select ${ENTRY_COLUMNS} from ${this.q}.dead_letter d where d.bus_id = $1 order by d.id`, [busId]);
    return r.rows.map(toEntry);
  }

  /** One entry whole: the event, its error, the load attempts that carried it and its audit trail. */
  async show(busId: number, id: string): Promise<DeadLetterDetail> {
    const r = await this.client.query(`select ${ENTRY_COLUMNS}, d.datajson, d.error from ${this.q}.dead_letter d where d.bus_id = $1 and d.id = $2::bigint`, [
      busId,
      id,
    ]);
    const row = r.rows[0];
    if (!row) throw new UsageError(`bus ${busId} has no dead letter ${id}`, { hint: 'list them with `rsetl dead-letter list <bus>`' });
    const attempts = await this.client.query(`select load_id, attempted_at from ${this.q}.dead_letter_replay where dead_letter_id = $1::bigint order by attempted_at, load_id`, [id]);
    const audit = await this.client.query(
      `select action, by, at, reason, details from ${this.q}.audit
       where bus_id = $1 and details->'deadLetterIds' @> to_jsonb(array[$2::bigint]) order by at, id`,
      [busId, id],
    );
    return {
      ...toEntry(row),
      datajson: row.datajson,
      error: row.error ?? null,
      attempts: attempts.rows.map((a) => ({ loadId: a.load_id, at: a.attempted_at })),
      audit: audit.rows.map((a) => ({ action: a.action, by: a.by, at: a.at, reason: a.reason ?? null, details: a.details ?? {} })),
    };
  }

  /** The entries a replay of `ids` (default: every waiting one) would request; `lock` takes their row locks. */
  private async replayTargets(busId: number, ids: string[] | undefined, lock: boolean): Promise<DeadLetterEntry[]> {
    const r = await this.client.query(
      `select ${ENTRY_COLUMNS} from ${this.q}.dead_letter d
       where d.bus_id = $1 and ($2::bigint[] is null or d.id = any($2::bigint[]))
         and ($2::bigint[] is not null or (d.replay_requested_at is null and d.replayed_at is null))
       order by d.event_time, d.event_id, d.id${lock ? ' for update' : ''}`,
      [busId, ids ?? null],
    );
    const entries = r.rows.map(toEntry);
    if (ids) {
      const found = new Set(entries.map((e) => e.id));
      const unknown = ids.filter((id) => !found.has(id));
      if (unknown.length) {
        throw new UsageError(`bus ${busId} has no dead letter ${unknown.join(', ')}`, { hint: 'list them with `rsetl dead-letter list <bus>`' });
      }
      const refused = entries.filter((e) => e.state !== 'waiting');
      if (refused.length) {
        throw new UsageError(`not replayed again: ${refused.map((e) => `dead letter ${e.id} is ${e.stateText}`).join('; ')}`, {
          hint: 'a dead letter is replayed at most once; one replayed but still invalid went back to the dead letter as a new entry',
        });
      }
    } else if (entries.length === 0) {
      throw new UsageError(`bus ${busId} has no waiting dead letter to replay`, { hint: 'list them with `rsetl dead-letter list <bus>`' });
    }
    return entries;
  }

  /** Throws the UsageError requestReplay would (unknown, already requested or replayed, nothing waiting); changes nothing. */
  async checkReplayable(busId: number, ids: string[] | undefined): Promise<void> {
    await this.replayTargets(busId, ids, false);
  }

  /**
   * Requests the replay of `ids` (default: every waiting entry of the bus) in one transaction with
   * its audit row, and makes the bus due now. Refuses, changing nothing, when an entry is unknown,
   * already requested or already replayed.
   */
  async requestReplay(busId: number, ids: string[] | undefined, who: { by: string; reason: string }): Promise<DeadLetterEntry[]> {
    await this.client.query('begin');
    try {
      // Row locks: two operators replaying the same entry at once are serialised, and the second is refused.
      const entries = await this.replayTargets(busId, ids, true);
      const chosen = entries.map((e) => e.id);
      const updated = await this.client.query(
        `update ${this.q}.dead_letter d set replay_requested_at = now(), replay_requested_by = $2, replay_reason = $3
         where d.id = any($1::bigint[]) returning ${ENTRY_COLUMNS}`,
        [chosen, who.by, who.reason],
      );
      await recordAudit(this.client, this.schema, {
        busId,
        action: 'replay',
        by: who.by,
        reason: who.reason,
        details: { deadLetterIds: chosen.map(Number), eventIds: entries.map((e) => e.eventId) },
      });
      await this.client.query(`update ${this.q}.bus set scheduled = now() where id = $1`, [busId]);
      await this.client.query('commit');
      const byId = new Map(updated.rows.map((x) => [x.id as string, toEntry(x)]));
      return chosen.map((id) => byId.get(id)!);
    } catch (e) {
      await this.client.query('rollback').catch(() => undefined);
      throw e;
    }
  }

  /**
   * Withdraws replay requests not delivered yet (for `rsetl unblock` when a replayed event blocks
   * its bus): the entries wait again, audited as 'replay-cancel'. Entries already replayed are left
   * as they are (a load delivered them). Returns the entries whose request was withdrawn.
   */
  async cancelReplay(busId: number, ids: string[], who: { by: string; reason: string }): Promise<DeadLetterEntry[]> {
    await this.client.query('begin');
    try {
      const r = await this.client.query(
        `update ${this.q}.dead_letter d set replay_requested_at = null, replay_requested_by = null, replay_reason = null
         where d.bus_id = $1 and d.id = any($2::bigint[]) and d.replay_requested_at is not null and d.replayed_at is null
         returning ${ENTRY_COLUMNS}`,
        [busId, ids],
      );
      const entries = r.rows.map(toEntry);
      if (entries.length) {
        await recordAudit(this.client, this.schema, {
          busId,
          action: 'replay-cancel',
          by: who.by,
          reason: who.reason,
          details: { deadLetterIds: entries.map((e) => Number(e.id)), eventIds: entries.map((e) => e.eventId) },
        });
      }
      await this.client.query('commit');
      return entries;
    } catch (e) {
      await this.client.query('rollback').catch(() => undefined);
      throw e;
    }
  }

  /** Entries whose replay is requested and not delivered, in event order: at most `limit`, and whether more wait. */
  async pendingReplays(busId: number, limit: number): Promise<{ replays: PendingReplay[]; more: boolean }> {
    const r = await this.client.query(
      `select id::text as id, event_id::text as event_id, guid, event_time, datajson from ${this.q}.dead_letter
       where bus_id = $1 and replay_requested_at is not null and replayed_at is null
       order by event_time, event_id, id limit $2`,
      [busId, limit + 1],
    );
    const rows = r.rows.slice(0, limit);
    return {
      replays: rows.map((x) => ({ id: x.id, eventId: x.event_id, guid: x.guid ?? null, time: x.event_time, datajson: x.datajson })),
      more: r.rows.length > limit,
    };
  }

  /**
   * How many of the bus's entries loads have delivered so far. It grows only when a load's
   * advance marks entries, so it tells apart two loads that start from the same watermark (see
   * pipeline/dead-letter-replay.ts).
   */
  async deliveredCount(busId: number): Promise<number> {
    const r = await this.client.query(`select count(*)::int as n from ${this.q}.dead_letter where bus_id = $1 and replayed_load_id is not null`, [busId]);
    return r.rows[0].n as number;
  }

  /** Records that load attempt `loadId` carries these entries; written before its Redshift transaction. */
  async recordAttempt(ids: string[], loadId: string): Promise<void> {
    if (ids.length === 0) return;
    await this.client.query(
      `insert into ${this.q}.dead_letter_replay (dead_letter_id, load_id) select unnest($1::bigint[]), $2 on conflict do nothing`,
      [ids, loadId],
    );
  }

  /**
   * A replayed event that is still invalid, under poll.invalidEvents = dead-letter: back into the
   * dead letter as a new entry (with the new error), and the replayed entry is closed pointing to it.
   * One transaction; returns the new entry's id.
   */
  async deadLetterAgain(busId: number, replay: PendingReplay, error: Record<string, unknown>, by: string): Promise<string> {
    await this.client.query('begin');
    try {
      const r = await this.client.query(
        `insert into ${this.q}.dead_letter (bus_id, event_id, guid, event_time, datajson, error, skipped_by, reason)
         values ($1, $2, $3, $4::timestamp, $5, $6, $7, $8) returning id::text as id`,
        [
          busId,
          replay.eventId,
          replay.guid,
          replay.time,
          JSON.stringify(replay.datajson ?? null),
          JSON.stringify(error),
          by,
          `poll.invalidEvents = dead-letter: replayed dead letter ${replay.id} is still invalid`,
        ],
      );
      const again = r.rows[0].id as string;
      await this.client.query(`update ${this.q}.dead_letter set replayed_at = now(), dead_lettered_again_as = $2::bigint where id = $1::bigint`, [replay.id, again]);
      await this.client.query('commit');
      return again;
    } catch (e) {
      await this.client.query('rollback').catch(() => undefined);
      throw e;
    }
  }
}
