// Which buses exist: creating one (`rsetl init-etl`) and reading them by id, or by the id or
// Redshift schema name a person typed. A bus is one (domain, schema) pair, never two rows for it
// (docs/design.md#control-schema).
import type pg from 'pg';
import { UsageError } from '../errors.js';
import { ident } from '../sql/quote.js';
import { BUS_COLUMNS, toBus, type Bus, type BusState } from './bus.js';

export interface NewBus {
  rootId: string;
  schemaName: string;
  state: BusState;
  maxEvents: number;
  /** Watermark start (UTC timestamp text); default: now, so history is not replayed (reference). */
  since?: string;
}

/** Creates the bus for (root_id, schema) unless it exists; never a duplicate (docs/design.md#control-schema). */
export async function createBus(client: pg.ClientBase, controlSchema: string, input: NewBus): Promise<{ bus: Bus; created: boolean }> {
  const q = ident(controlSchema);
  const inserted = await client.query(
    `insert into ${q}.bus (root_id, schema_name, state, max_events, window_time)
       values ($1, $2, $3, $4, coalesce($5::timestamp, (now() at time zone 'UTC')::timestamp))
       on conflict (root_id, schema_name) do nothing
       returning ${BUS_COLUMNS}`,
    [input.rootId, input.schemaName, input.state, input.maxEvents, input.since ?? null],
  );
  if (inserted.rows[0]) return { bus: toBus(inserted.rows[0]), created: true };
  const existing = await client.query(`select ${BUS_COLUMNS} from ${q}.bus where root_id = $1 and schema_name = $2`, [
    input.rootId,
    input.schemaName,
  ]);
  return { bus: toBus(existing.rows[0]), created: false };
}

export async function listBuses(client: pg.ClientBase, controlSchema: string): Promise<Bus[]> {
  const r = await client.query(`select ${BUS_COLUMNS} from ${ident(controlSchema)}.bus order by id`);
  return r.rows.map(toBus);
}

export async function getBus(client: pg.ClientBase, controlSchema: string, id: number): Promise<Bus | undefined> {
  const r = await client.query(`select ${BUS_COLUMNS} from ${ident(controlSchema)}.bus where id = $1`, [id]);
  return r.rows[0] ? toBus(r.rows[0]) : undefined;
}

/**
 * The one bus a ref (id or schema name) names among `buses`; a UsageError otherwise. Works on a
 * list already read, so a poll pass resolves `--bus` against its plan without another query.
 */
export function findBusAmong(buses: Bus[], ref: string): Bus {
  const byId = /^\d+$/.test(ref) ? buses.filter((b) => b.id === Number(ref)) : [];
  const matches = byId.length > 0 ? byId : buses.filter((b) => b.schemaName === ref);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new UsageError(`no bus ${JSON.stringify(ref)}`, {
      hint: buses.length ? `known buses: ${buses.map((b) => `${b.id} (${b.schemaName})`).join(', ')}` : 'create one with `rsetl init-etl <schema> --domain <root_id>`',
    });
  }
  throw new UsageError(`schema ${ref} has ${matches.length} buses; name one by id`, {
    hint: matches.map((b) => `${b.id} (domain ${b.rootId})`).join(', '),
  });
}

/** The buses `refs` (ids or schema names) name among `buses`, each once; each ref must name exactly one. */
export function findBusesAmong(buses: Bus[], refs: string[]): Bus[] {
  const found = new Map<number, Bus>();
  for (const ref of refs) {
    const b = findBusAmong(buses, ref);
    found.set(b.id, b);
  }
  return [...found.values()];
}
