// qnathread (docs/schema.md#write-rules; the old RsQnaThreadDao.upsert): reply fields keep an existing value (first
// reply wins), studentclosed is sticky (existing OR new), category and subcategory are always
// overwritten (a null nulls them); question, user, section, edge path and create time never change.
import { ident } from '../../sql/quote.js';
import { insertMissingSql, keyMatch, type RuleContext } from './rule-context.js';

export function qnaThread(ctx: RuleContext, key: readonly string[]): string[] {
  if (!ctx.stage) return [];
  const t = ident(ctx.table.name);
  const s = ident(ctx.stage);
  const keep = (c: string) => `${ident(c)} = COALESCE(${t}.${ident(c)}, ${s}.${ident(c)})`;
  const set = [
    keep('instructorreplyuserid'),
    keep('instructorreplytime'),
    keep('instructorreplyhourlag'),
    `"studentclosed" = (${t}."studentclosed" OR ${s}."studentclosed")`,
    `"category" = ${s}."category"`,
    `"subcategory" = ${s}."subcategory"`,
  ];
  return [
    `UPDATE ${t} SET ${set.join(', ')} FROM ${s} WHERE ${keyMatch(ctx.table.name, ctx.stage, key)}`,
    insertMissingSql(ctx.table, ctx.stage, key),
  ];
}
