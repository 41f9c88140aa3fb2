// grade (seed-system.md §5 RsGradeDao.upsert): existing rows get the new score and time but keep
// their assetid; new keys are inserted. Unsets delete by key, and run FIRST: a key unset and put
// again within one load is staged in both (events/combine.ts), and must end as a fresh row with
// the new assetid, as two separate loads would leave it.
import { ident } from '../sql.js';
import { insertMissingSql, keyMatch, type RuleContext } from './rule-context.js';
import { deleteByKey } from './delete.js';

const UPDATED = ['time', 'forcredit', 'pointsawarded', 'pointspossible', 'percentage'];

export function gradeUpsert(ctx: RuleContext, key: readonly string[]): string[] {
  const out = deleteByKey(ctx, key);
  if (ctx.stage) {
    const t = ctx.table.name;
    const s = ctx.stage;
    out.push(
      `UPDATE ${ident(t)} SET ${UPDATED.map((c) => `${ident(c)} = ${ident(s)}.${ident(c)}`).join(', ')} FROM ${ident(s)} WHERE ${keyMatch(t, s, key)}`,
      insertMissingSql(ctx.table, s, key),
    );
  }
  return out;
}
