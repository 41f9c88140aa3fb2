// Redshift DDL rendered from the table declarations. Only the reference's distribution and sort
// hints appear (docs/schema.md#tables: progress.edgepath DISTKEY; SORTKEY on activity.etltime,
// progressovertime.time, timespentdiscrete.endtime, instructorsnapshotday.date); Redshift picks
// encodings itself. Primary keys are informational in Redshift, as they were in the reference.
import { sqlType, type ColumnDef } from './columns.js';
import { CREATION_ORDER, tableByName, type TableDef } from './tables.js';
import { ident } from '../sql/quote.js';

export function createTableSql(t: TableDef, opts: { ifNotExists?: boolean } = {}): string {
  const cols = Object.entries(t.columns).map(
    ([name, c]) => `  ${ident(name)} ${sqlType(c)}${c.notNull ? ' NOT NULL' : ''}`,
  );
  if (t.primaryKey?.length) cols.push(`  PRIMARY KEY (${t.primaryKey.map(ident).join(', ')})`);
  const attrs = [t.distKey ? `DISTKEY (${ident(t.distKey)})` : '', t.sortKey ? `SORTKEY (${ident(t.sortKey)})` : '']
    .filter(Boolean)
    .join(' ');
  return `CREATE TABLE ${opts.ifNotExists ? 'IF NOT EXISTS ' : ''}${ident(t.name)} (\n${cols.join(',\n')}\n)${attrs ? ` ${attrs}` : ''}`;
}

/**
 * A load's stage for a table whose staged file also carries key ops: every column nullable
 * (a key row has only its key), the extra columns appended, and the target's DISTKEY so the
 * stage joins its target slice-locally. A temp table by default; a permanent one without backup
 * for a COPY lane, whose stage another session reads (docs/design.md#copy-lanes).
 */
export function stageTableSql(t: TableDef, stage: string, columns: Readonly<Record<string, ColumnDef>>, opts: { permanent?: boolean } = {}): string {
  const cols = Object.entries(columns).map(([name, c]) => `${ident(name)} ${sqlType(c)}`);
  const dist = t.distKey ? ` DISTKEY (${ident(t.distKey)})` : '';
  return opts.permanent ? `CREATE TABLE ${ident(stage)} (${cols.join(', ')}) BACKUP NO${dist}` : `CREATE TEMP TABLE ${ident(stage)} (${cols.join(', ')})${dist}`;
}

/** Every table's DDL, in the reference's creation order. */
export function allTablesSql(opts: { ifNotExists?: boolean } = {}): string[] {
  return CREATION_ORDER.map((n) => createTableSql(tableByName(n), opts));
}
