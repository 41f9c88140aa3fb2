// delete (section, enrollment, grade unset): hard delete of the staged keys. The combine step
// already cancelled deletes against later puts of the same key, so the order of the merge and
// the delete inside a load does not matter.
import { ident } from '../sql.js';
import { keyMatch, type RuleContext } from './rule-context.js';

export function deleteByKey(ctx: RuleContext, key: readonly string[]): string[] {
  if (!ctx.deleteStage) return [];
  return [`DELETE FROM ${ident(ctx.table.name)} USING ${ident(ctx.deleteStage)} WHERE ${keyMatch(ctx.table.name, ctx.deleteStage, key)}`];
}
