// Redshift DDL rendered from the table declarations. Only the reference's distribution and sort
// hints appear (seed-system.md §4.1: progress.edgepath DISTKEY; SORTKEY on activity.etltime,
// progressovertime.time, timespentdiscrete.endtime, instructorsnapshotday.date); Redshift picks
// encodings itself. Primary keys are informational in Redshift, as they were in the reference.
import { sqlType } from './columns.js';
import { CREATION_ORDER, tableByName, type TableDef } from './tables.js';
import { ident } from '../warehouse/sql.js';

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

/** Every table's DDL, in the reference's creation order. */
export function allTablesSql(opts: { ifNotExists?: boolean } = {}): string[] {
  return CREATION_ORDER.map((n) => createTableSql(tableByName(n), opts));
}
