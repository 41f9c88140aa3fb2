// set-replace (sectioncontent): each touched section's content set is replaced as a whole by the
// staged set (docs/schema.md#write-rules; the old RsSectionContentDao.set).
import { ident } from '../../sql/quote.js';
import { columnsOf, type RuleContext } from './rule-context.js';

export function setReplace(ctx: RuleContext, group: readonly string[]): string[] {
  if (!ctx.stage) return [];
  const t = ident(ctx.table.name);
  const s = ident(ctx.stage);
  const g = group.map(ident).join(', ');
  const lhs = group.length === 1 ? g : `(${g})`;
  const cols = columnsOf(ctx.table).map(ident).join(', ');
  return [
    `DELETE FROM ${t} WHERE ${lhs} IN (SELECT DISTINCT ${g} FROM ${s})`,
    `INSERT INTO ${t} (${cols}) SELECT ${cols} FROM ${s}`,
  ];
}
