import type { TableDef } from '../../model/tables.js';
import { ident } from '../../sql/quote.js';

/** What a write rule needs to render its statements: the target and its loaded stage tables. */
export interface RuleContext {
  table: TableDef;
  /** Temp table holding the staged rows to put (key ops already applied and removed), when the load has any. */
  stage?: string;
}

export const columnsOf = (t: TableDef): string[] => Object.keys(t.columns);

/** `"t"."a" = "s"."a" AND ...` */
export function keyMatch(target: string, source: string, key: readonly string[]): string {
  return key.map((k) => `${ident(target)}.${ident(k)} = ${ident(source)}.${ident(k)}`).join(' AND ');
}

/** INSERT of the stage rows whose key is not in the target yet (one set-based statement). */
export function insertMissingSql(t: TableDef, stage: string, key: readonly string[]): string {
  const cols = columnsOf(t).map(ident).join(', ');
  return `INSERT INTO ${ident(t.name)} (${cols}) SELECT ${cols} FROM ${ident(stage)} WHERE NOT EXISTS (SELECT 1 FROM ${ident(t.name)} WHERE ${keyMatch(t.name, stage, key)})`;
}
