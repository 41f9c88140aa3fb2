// insert-new (asset, session; seed-system.md §5): rows whose key exists are left untouched.
import { insertMissingSql, type RuleContext } from './rule-context.js';

export function insertNew(ctx: RuleContext, key: readonly string[]): string[] {
  return ctx.stage ? [insertMissingSql(ctx.table, ctx.stage, key)] : [];
}
