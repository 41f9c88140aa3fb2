// The staged lines of a load's combined keyed tables (events/combine.ts → NDJSON).
//
// A table whose load also deletes keys (section, enrollment, grade) or obfuscates users (usr)
// stages those keys in the SAME file as its rows, told apart by one extra column, `rsetl_op`:
// 'p' a row to put, 'd' a key to delete, 'o' a user to obfuscate. Each touched table then costs
// one COPY per load (docs/design.md#key-ops), where separate key files cost a COPY each — on Redshift, seconds
// apiece whatever their size. Tables without deletes or obfuscations in the load are staged
// exactly as their columns, without the extra column.
import { varchar, type ColumnDef } from '../model/columns.js';
import type { CombinedRows } from '../events/combine.js';
import { TABLE_DEFS, type TableDef, type TableName } from '../model/tables.js';
import { eventOf } from '../events/event-origin.js';
import { rowEncoder, type RowEncoder } from './row-encoder.js';

export const OP_COLUMN = 'rsetl_op';
export const STAGED_OP = { put: 'p', delete: 'd', obfuscate: 'o' } as const;

/** What one staged table holds besides rows to put (only tables with deletes or obfuscations). */
export interface KeyOpCounts {
  puts: number;
  deletes: number;
  obfuscations: number;
}

export interface StagedLine {
  table: string;
  line: string;
  /** The event that produced the row, for the `<table>__events` shadow ('' for a key op). */
  eventId: string;
}

/** The columns of a staged file that carries key ops: the table's, plus `rsetl_op`. */
export function columnsWithOp(t: TableDef): Record<string, ColumnDef> {
  return { ...t.columns, [OP_COLUMN]: varchar(1).nn };
}

/** Which tables of this combined load need the op column, and what they will hold. */
export function keyOpCounts(c: CombinedRows): Map<string, KeyOpCounts> {
  const out = new Map<string, KeyOpCounts>();
  for (const [table, keys] of c.deletes) out.set(table, { puts: c.puts.get(table)?.length ?? 0, deletes: keys.length, obfuscations: 0 });
  if (c.obfuscations.length > 0) {
    const usr = out.get('usr') ?? { puts: c.puts.get('usr')?.length ?? 0, deletes: 0, obfuscations: 0 };
    out.set('usr', { ...usr, obfuscations: c.obfuscations.length });
  }
  return out;
}

/**
 * Every line of the combined keyed tables, table by table in the reference's order: the rows to
 * put, then that table's keys to delete and users to obfuscate when it has any.
 */
export function* combinedLines(c: CombinedRows, ops: ReadonlyMap<string, KeyOpCounts> = keyOpCounts(c)): Generator<StagedLine> {
  for (const t of TABLE_DEFS) {
    const name = t.name as TableName;
    const puts = c.puts.get(name) ?? [];
    const withOps = ops.has(t.name);
    if (!withOps && puts.length === 0) continue;
    const enc: RowEncoder = rowEncoder(t.columns);
    if (!withOps) {
      for (const row of puts) yield { table: t.name, line: enc(row as Record<string, unknown>), eventId: eventOf(row) ?? '' };
      continue;
    }
    // `rsetl_op` is the last column of columnsWithOp, so appending it to the table's own line gives
    // the same bytes as encoding a copy of the row with the extra property, without the copy.
    const withOp = (line: string, op: string) => `${line.slice(0, -2)},"${OP_COLUMN}":"${op}"}\n`;
    for (const row of puts) yield { table: t.name, line: withOp(enc(row as Record<string, unknown>), STAGED_OP.put), eventId: eventOf(row) ?? '' };
    for (const key of c.deletes.get(name) ?? []) yield { table: t.name, line: withOp(enc(key as Record<string, unknown>), STAGED_OP.delete), eventId: '' };
    if (t.name === 'usr') {
      for (const key of c.obfuscations) yield { table: t.name, line: withOp(enc(key), STAGED_OP.obfuscate), eventId: '' };
    }
  }
}

