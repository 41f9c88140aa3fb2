// insert-new (asset, session; docs/schema.md#write-rules): rows whose key exists are left untouched.
import { insertMissingSql, type RuleContext } from './rule-context.js';

export function insertNew(ctx: RuleContext, key: readonly string[]): string[] {
  return ctx.stage ? [insertMissingSql(ctx.table, ctx.stage, key)] : [];
}
