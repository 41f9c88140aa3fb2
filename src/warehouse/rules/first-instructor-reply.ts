// discussionpost (docs/schema.md#write-rules; the old RsDiscussionPostDao.upsert): only the FIRST instructor reply is
// recorded — the three reply columns are set only where all three are still null; other columns
// never change after insert.
import { ident } from '../../sql/quote.js';
import { insertMissingSql, keyMatch, type RuleContext } from './rule-context.js';

const REPLY = ['instructorreplyuserid', 'instructorreplytime', 'instructorreplyhourlag'];

export function firstInstructorReply(ctx: RuleContext, key: readonly string[]): string[] {
  if (!ctx.stage) return [];
  const t = ctx.table.name;
  const s = ctx.stage;
  const stillNull = REPLY.map((c) => `${ident(t)}.${ident(c)} IS NULL`).join(' AND ');
  return [
    `UPDATE ${ident(t)} SET ${REPLY.map((c) => `${ident(c)} = ${ident(s)}.${ident(c)}`).join(', ')} FROM ${ident(s)} WHERE ${keyMatch(t, s, key)} AND ${stillNull}`,
    insertMissingSql(ctx.table, s, key),
  ];
}
