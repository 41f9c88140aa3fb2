// merge (section, usr, enrollment, attempt, progress): matched rows are fully replaced, others
// inserted, in one Redshift MERGE. Redshift's MERGE fails when a target row matches several
// source rows, so the stage must hold one row per key: the combine step guarantees it (latest
// event wins). Written with explicit WHEN clauses, which Redshift and PostgreSQL both accept.
import { ident } from '../../sql/quote.js';
import { columnsOf, keyMatch, type RuleContext } from './rule-context.js';

export function merge(ctx: RuleContext, key: readonly string[]): string[] {
  if (!ctx.stage) return [];
  const t = ctx.table.name;
  const s = ctx.stage;
  const cols = columnsOf(ctx.table);
  const set = cols.filter((c) => !key.includes(c)).map((c) => `${ident(c)} = ${ident(s)}.${ident(c)}`);
  return [
    `MERGE INTO ${ident(t)} USING ${ident(s)} ON ${keyMatch(t, s, key)}` +
      ` WHEN MATCHED THEN UPDATE SET ${set.join(', ')}` +
      ` WHEN NOT MATCHED THEN INSERT (${cols.map(ident).join(', ')}) VALUES (${cols.map((c) => `${ident(s)}.${ident(c)}`).join(', ')})`,
  ];
}
