// `rsetl bus delete`: removes a bus and its history from the control schema (its run log and its
// dead letter go with it; the audit trail keeps a row saying what was removed, by whom and why),
// and with `--drop-schema` its Redshift schema too, unless another bus still loads into it.
import type { RsetlConfig } from '../config/schema.js';
import { SourceError, UsageError } from '../errors.js';
import type { Connections } from '../pipeline/connections.js';
import { recordAudit } from '../source/audit.js';
import type { Bus } from '../source/bus.js';
import { ident } from '../sql/quote.js';

export interface DeletePlan {
  bus: Bus;
  runs: number;
  deadLetters: number;
  /** Other buses loading into the same schema (then --drop-schema is refused). */
  sharedWith: number[];
}

export async function planDelete(conn: Connections, config: RsetlConfig, bus: Bus): Promise<DeletePlan> {
  const { client, buses } = await conn.control();
  const q = ident(config.source.controlSchema);
  const counts = await client.query<{ runs: number; dead: number }>(
    `select (select count(*)::int from ${q}.run where bus_id = $1) as runs, (select count(*)::int from ${q}.dead_letter where bus_id = $1) as dead`,
    [bus.id],
  );
  const sharedWith = (await buses.listBuses()).filter((b) => b.schemaName === bus.schemaName && b.id !== bus.id).map((b) => b.id);
  return { bus, runs: counts.rows[0]?.runs ?? 0, deadLetters: counts.rows[0]?.dead ?? 0, sharedWith };
}

export function describeDelete(p: DeletePlan, dropSchema: boolean): string {
  const parts = [`delete bus ${p.bus.id} (${p.bus.schemaName}, domain ${p.bus.rootId}) with its ${p.runs} run row(s)`];
  if (p.deadLetters > 0) parts.push(`and ${p.deadLetters} dead-lettered event(s), which will no longer be replayable`);
  if (dropSchema) parts.push(`and DROP the Redshift schema ${p.bus.schemaName} with every table and view in it`);
  return parts.join(' ');
}

export interface DeleteResult {
  bus: number;
  schema: string;
  schemaDropped: boolean;
  runsDeleted: number;
  deadLettersDeleted: number;
}

/**
 * Drops the schema first (when asked), then removes the bus: a failed DROP leaves the bus as it
 * was, and a DROP followed by a failed delete is finished by running the command again (the
 * schema is dropped IF EXISTS). The bus's lock keeps a running poll from writing meanwhile.
 */
export async function deleteBus(conn: Connections, config: RsetlConfig, plan: DeletePlan, opts: { dropSchema: boolean; who: string; reason: string | null }): Promise<DeleteResult> {
  const { bus } = plan;
  if (opts.dropSchema && plan.sharedWith.length > 0) {
    throw new UsageError(`schema ${bus.schemaName} is also loaded by bus(es) ${plan.sharedWith.join(', ')}: not dropped, nothing changed`, {
      hint: 'delete the bus without --drop-schema, or delete the other buses first',
    });
  }
  const { client, buses } = await conn.control();
  if (!(await buses.tryLock(bus.id, config.poll.lockTimeoutSeconds * 1000))) {
    throw new SourceError(`bus ${bus.id} (${bus.schemaName}) is being loaded by another rsetl process; nothing changed`, {
      hint: 'run the command again when that load has finished',
    });
  }
  try {
    if (opts.dropSchema) {
      const owner = await conn.warehouse(undefined, { asOwner: true });
      try {
        await owner.query(`DROP SCHEMA IF EXISTS ${ident(bus.schemaName)} CASCADE`);
      } finally {
        await owner.close();
      }
    }
    const q = ident(config.source.controlSchema);
    await client.query('begin');
    try {
      await client.query(`delete from ${q}.dead_letter_replay where dead_letter_id in (select id from ${q}.dead_letter where bus_id = $1)`, [bus.id]);
      const dead = await client.query(`delete from ${q}.dead_letter where bus_id = $1`, [bus.id]);
      const runs = await client.query(`delete from ${q}.run where bus_id = $1`, [bus.id]);
      await client.query(`delete from ${q}.run_total where bus_id = $1`, [bus.id]);
      await client.query(`delete from ${q}.bus where id = $1`, [bus.id]);
      await recordAudit(client, config.source.controlSchema, {
        busId: bus.id,
        action: 'delete',
        by: opts.who,
        reason: opts.reason,
        details: {
          schema: bus.schemaName,
          rootId: bus.rootId,
          watermark: bus.windowTime,
          schemaDropped: opts.dropSchema,
          runsDeleted: runs.rowCount ?? 0,
          deadLettersDeleted: dead.rowCount ?? 0,
        },
      });
      await client.query('commit');
      return { bus: bus.id, schema: bus.schemaName, schemaDropped: opts.dropSchema, runsDeleted: runs.rowCount ?? 0, deadLettersDeleted: dead.rowCount ?? 0 };
    } catch (e) {
      await client.query('rollback').catch(() => undefined);
      throw e;
    }
  } finally {
    await buses.unlock(bus.id).catch(() => undefined);
  }
}
