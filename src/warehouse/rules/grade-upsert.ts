// grade (docs/schema.md#write-rules; the old RsGradeDao.upsert): existing rows get the new score and time but keep
// their assetid; new keys are inserted. Unsets are deleted by key BEFORE this runs (key-ops.ts): a
// key unset and put again within one load must end as a fresh row with the new assetid.
import { ident } from '../../sql/quote.js';
import { insertMissingSql, keyMatch, type RuleContext } from './rule-context.js';

const UPDATED = ['time', 'forcredit', 'pointsawarded', 'pointspossible', 'percentage'];

export function gradeUpsert(ctx: RuleContext, key: readonly string[]): string[] {
  if (!ctx.stage) return [];
  const t = ctx.table.name;
  const s = ctx.stage;
  return [
    `UPDATE ${ident(t)} SET ${UPDATED.map((c) => `${ident(c)} = ${ident(s)}.${ident(c)}`).join(', ')} FROM ${ident(s)} WHERE ${keyMatch(t, s, key)}`,
    insertMissingSql(ctx.table, s, key),
  ];
}
