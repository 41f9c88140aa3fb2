// `rsetl bus set`: a bus's own events per window and poll interval, and — a person's decision,
// audited — where its watermark stands. Moving the watermark changes which events the bus loads:
// forward, the events in between are never loaded (nor dead-lettered: the audit row is their only
// trace); backward, they are read again. The ledger skips a load only when it starts exactly where
// a committed load started (same time, same remembered ids); a moved watermark forgets its ids, so
// the events are applied again: state tables converge (the latest event wins), while append-only
// tables get their rows a second time. The plan says all this before anything changes.
import type { RsetlConfig } from '../config/schema.js';
import { SourceError, UsageError } from '../errors.js';
import { TABLE_DEFS } from '../model/tables.js';
import type { Connections } from '../pipeline/connections.js';
import { replayFromIds } from '../pipeline/dead-letter-replay.js';
import { recordAudit } from '../source/audit.js';
import { DeadLetterStore } from '../source/dead-letter-store.js';
import type { Bus } from '../source/bus.js';
import { outboxTableName } from '../source/outbox.js';
import { parsePgTimestamp } from '../source/timestamps.js';
import { findByStart, watermarkHash } from '../warehouse/ledger.js';
import { ident } from '../sql/quote.js';

export interface BusSettingsChange {
  maxEvents?: number;
  intervalSeconds?: number;
  /** The new watermark as UTC timestamp text, with the reason the audit keeps. */
  watermark?: { to: string; reason: string };
}

export interface WatermarkPlan {
  from: string;
  to: string;
  direction: 'forward' | 'backward' | 'unchanged';
  /** Events between the two watermarks (capped at `cap`): skipped when forward, read again when backward. */
  events: number;
  capped: boolean;
  /** Tables that would receive a second copy of re-read rows (append-only, no key). */
  duplicatedTables: string[];
  /**
   * The committed load the ledger shows starting exactly at the new watermark (time, no ids):
   * the next poll fast-forwards through it and the loads after it, so nothing loads twice.
   * Undefined when there is none, or when Redshift was not asked (no connection configured).
   */
  ledgerLoadId?: string;
}

/** Append-only tables without a key: a second load of the same event adds its rows again. */
export function tablesWithoutKey(): string[] {
  return TABLE_DEFS.filter((t) => t.rule.kind === 'append' && !t.rule.dedupKey).map((t) => t.name);
}

/** What moving `bus`'s watermark to `to` would do, counted in the outbox; changes nothing. */
export async function planWatermarkMove(conn: Connections, config: RsetlConfig, bus: Bus, to: string, cap = 100_000): Promise<WatermarkPlan> {
  const from = bus.windowTime;
  const a = parsePgTimestamp(from);
  const b = parsePgTimestamp(to);
  const direction = b > a ? 'forward' : b < a ? 'backward' : 'unchanged';
  const [lo, hi] = b > a ? [from, to] : [to, from];
  const { client } = await conn.control();
  const r = await client.query<{ n: number }>(
    `select count(*)::int as n from (select 1 from ${outboxTableName(config.source.table)}
       where root_id = $1 and time >= $2::timestamp and time < $3::timestamp limit $4) x`,
    [bus.rootId, lo, hi, cap + 1],
  );
  const n = r.rows[0]?.n ?? 0;
  // The ledger identifies a start by the watermark's text as the source prints it (no trailing zeros).
  const asStored = (await client.query<{ t: string }>('select $1::timestamp::text as t', [to])).rows[0]!.t;
  const ledgerLoadId = direction === 'backward' && redshiftConfigured(config) ? await committedLoadFrom(conn, config, bus, asStored) : undefined;
  return {
    from,
    to,
    direction,
    events: Math.min(n, cap),
    capped: n > cap,
    duplicatedTables: direction === 'backward' && !ledgerLoadId ? tablesWithoutKey() : [],
    ...(ledgerLoadId && { ledgerLoadId }),
  };
}

function redshiftConfigured(config: RsetlConfig): boolean {
  return config.redshift.url !== undefined || config.redshift.host !== undefined;
}

/** The ledger's load that started from (to, no remembered ids), as a moved watermark will. */
async function committedLoadFrom(conn: Connections, config: RsetlConfig, bus: Bus, to: string): Promise<string | undefined> {
  const { client } = await conn.control();
  // The start the next load will name, as load-window.ts computes it.
  const ids = replayFromIds([], await new DeadLetterStore(client, config.source.controlSchema).deliveredCount(bus.id));
  const s = await conn.warehouse(bus.schemaName);
  try {
    return (await findByStart(s, bus.id, watermarkHash(bus.id, to, ids)))?.loadId;
  } finally {
    await s.close();
  }
}

/** A timestamp without a fraction of zeros, as people write it. */
function shortTime(t: string): string {
  return t.replace(/\.0+$/, '');
}

/** The plan in words, for the warning printed before the confirmation. */
export function describeWatermarkPlan(p: WatermarkPlan, bus: Bus): string {
  const n = `${p.events}${p.capped ? '+' : ''} event(s)`;
  const [from, to] = [shortTime(p.from), shortTime(p.to)];
  const which = `bus ${bus.id} (${bus.schemaName})`;
  if (p.direction === 'unchanged') return `${which} already starts at ${to}; its remembered ids are forgotten`;
  if (p.direction === 'forward') {
    if (p.events === 0) return `moving ${which} forward from ${from} to ${to}: no events in between`;
    return `moving ${which} forward from ${from} to ${to}: ${n} in between will never be loaded and are not kept in the dead letter (rsetl unblock --skip keeps them)`;
  }
  if (p.events === 0) return `moving ${which} back from ${from} to ${to}: no events in between`;
  if (p.ledgerLoadId) {
    return `moving ${which} back from ${from} to ${to}: the ledger shows load ${p.ledgerLoadId} committed from exactly there, so the next poll fast-forwards through the loads already committed and loads none of the ${n} twice`;
  }
  return [
    `moving ${which} back from ${from} to ${to}: ${n} will load again.`,
    'The ledger skips only a load that starts exactly where a committed one started; this one does not,',
    `so their rows are applied again: state tables end up the same (the latest event wins), but the append-only tables ${p.duplicatedTables.join(', ')} get a second copy of the rows of those events.`,
  ].join(' ');
}

/**
 * Applies the change in one source transaction under the bus's lock (a poll running on the bus
 * would otherwise advance it past the new watermark when it finishes), with an audit row.
 */
export async function applyBusSettings(conn: Connections, config: RsetlConfig, bus: Bus, change: BusSettingsChange, who: string): Promise<Bus> {
  const { client, buses } = await conn.control();
  if (!(await buses.tryLock(bus.id, config.poll.lockTimeoutSeconds * 1000))) {
    throw new SourceError(`bus ${bus.id} (${bus.schemaName}) is being loaded by another rsetl process; nothing changed`, {
      hint: 'run the command again when that load has finished (rsetl status shows the bus)',
    });
  }
  const q = ident(config.source.controlSchema);
  try {
    await client.query('begin');
    try {
      if (change.maxEvents !== undefined) await client.query(`update ${q}.bus set max_events = $2 where id = $1`, [bus.id, change.maxEvents]);
      if (change.intervalSeconds !== undefined) {
        // A shorter interval takes effect at once (a bus moved from hourly to every minute does
        // not wait out the hour); a failing bus keeps its backoff.
        await client.query(
          `update ${q}.bus set interval_seconds = $2::int,
             scheduled = case when failure_count = 0
               then least(scheduled, coalesce(last_success_at, now()) + make_interval(secs => $2::int)) else scheduled end
           where id = $1`,
          [bus.id, change.intervalSeconds],
        );
      }
      if (change.maxEvents !== undefined || change.intervalSeconds !== undefined) {
        await recordAudit(client, config.source.controlSchema, {
          busId: bus.id,
          action: 'settings',
          by: who,
          reason: null,
          details: {
            ...(change.maxEvents !== undefined && { maxEvents: { from: bus.maxEvents, to: change.maxEvents } }),
            ...(change.intervalSeconds !== undefined && { intervalSeconds: { from: bus.intervalSeconds, to: change.intervalSeconds } }),
          },
        });
      }
      if (change.watermark) {
        // A person decided where the bus continues: its failures and block are theirs to lift.
        await client.query(
          // The late-event count starts afresh from the new watermark (source/late-events.ts).
          `update ${q}.bus set window_time = $2::timestamp, window_ids = '{}', failure_count = 0, blocked = false, read_snapshot = null,
             statistics = statistics || '{"lateEvents": 0}',
             last_error = null, last_error_at = null, scheduled = now() where id = $1`,
          [bus.id, change.watermark.to],
        );
        await recordAudit(client, config.source.controlSchema, {
          busId: bus.id,
          action: 'watermark',
          by: who,
          reason: change.watermark.reason,
          details: { from: bus.windowTime, fromIds: bus.windowIds, to: change.watermark.to },
        });
      }
      await client.query('commit');
    } catch (e) {
      await client.query('rollback').catch(() => undefined);
      throw e;
    }
  } finally {
    await buses.unlock(bus.id).catch(() => undefined);
  }
  const updated = await buses.getBus(bus.id);
  if (!updated) throw new UsageError(`bus ${bus.id} was deleted meanwhile`);
  return updated;
}
