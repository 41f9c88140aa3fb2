// The write rule of each table, chosen by its declaration in model/tables.ts.
import type { TableDef } from '../../model/tables.js';
import { firstInstructorReply } from './first-instructor-reply.js';
import { gradeUpsert } from './grade-upsert.js';
import { insertNew } from './insert-new.js';
import { merge } from './merge.js';
import { qnaThread } from './qna-thread.js';
import type { RuleContext } from './rule-context.js';
import { setReplace } from './set-replace.js';

export type { RuleContext } from './rule-context.js';

/**
 * True when the table's rows are COPYed straight into the target (plain append facts); every
 * other table is COPYed into a temp stage table first and applied by its rule.
 */
export function copiesDirect(t: TableDef): boolean {
  return t.rule.kind === 'append' && !t.rule.dedupKey;
}

/** The statements that apply a table's staged rows and deletes to its target. */
export function ruleStatements(ctx: RuleContext): string[] {
  const r = ctx.table.rule;
  switch (r.kind) {
    case 'append':
      return r.dedupKey && ctx.stage ? insertNew(ctx, r.dedupKey) : [];
    case 'insertNew':
      return insertNew(ctx, r.key);
    case 'merge':
      return merge(ctx, r.key);
    case 'setReplace':
      return setReplace(ctx, r.group);
    case 'gradeUpsert':
      return gradeUpsert(ctx, r.key);
    case 'firstInstructorReply':
      return firstInstructorReply(ctx, r.key);
    case 'qnaThread':
      return qnaThread(ctx, r.key);
    case 'generated':
      return [];
  }
}
