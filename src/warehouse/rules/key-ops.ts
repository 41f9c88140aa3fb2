// Keys a load deletes (section, enrollment, grade unset) and users it obfuscates (GDPR,
// RsUserDao.obfuscate) arrive in the table's own stage, marked by `rsetl_op`
// (stage/combined-lines.ts), so they cost no COPY of their own. They are applied first, then
// dropped from the stage so that the table's write rule sees only rows to put:
// - grade deletes must run before the upsert (a grade unset and put again in one load ends as a
//   fresh row with its new assetid, as two loads would leave it; events/combine.ts);
// - section and enrollment deletes never share a key with the load's puts, and obfuscated users'
//   put rows are already obfuscated, so for them the order does not matter.
import type { TableDef } from '../../model/tables.js';
import { OP_COLUMN, STAGED_OP, type KeyOpCounts } from '../../stage/combined-lines.js';
import { ident, literal } from '../../sql/quote.js';
import { keyMatch } from './rule-context.js';

const isOp = (stage: string, op: string) => `${ident(stage)}.${ident(OP_COLUMN)} = ${literal(op)}`;

export function keyOpStatements(t: TableDef, stage: string, key: readonly string[], ops: KeyOpCounts): string[] {
  const out: string[] = [];
  if (ops.deletes > 0) {
    out.push(`DELETE FROM ${ident(t.name)} USING ${ident(stage)} WHERE ${keyMatch(t.name, stage, key)} AND ${isOp(stage, STAGED_OP.delete)}`);
  }
  if (ops.obfuscations > 0) {
    const personal = Object.keys(t.columns).filter((c) => c !== 'id');
    out.push(
      `UPDATE ${ident(t.name)} SET ${personal.map((c) => `${ident(c)} = NULL`).join(', ')} FROM ${ident(stage)}` +
        ` WHERE ${keyMatch(t.name, stage, ['id'])} AND ${isOp(stage, STAGED_OP.obfuscate)}`,
    );
  }
  if (ops.puts > 0) out.push(`DELETE FROM ${ident(stage)} WHERE ${ident(OP_COLUMN)} <> ${literal(STAGED_OP.put)}`);
  return out;
}
