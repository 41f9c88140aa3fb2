// usr obfuscation (seed-system.md §5 RsUserDao.obfuscate, GDPR): every personal column of the
// listed users becomes NULL. Applied after the usr upsert of the same load; the combine step has
// already nulled the same columns in any row this load upserts for those users.
import type { TableDef } from '../../model/tables.js';
import { ident } from '../sql.js';
import { keyMatch } from './rule-context.js';

export function obfuscate(t: TableDef, stage: string, key: readonly string[]): string[] {
  const personal = Object.keys(t.columns).filter((c) => !key.includes(c));
  return [
    `UPDATE ${ident(t.name)} SET ${personal.map((c) => `${ident(c)} = NULL`).join(', ')} FROM ${ident(stage)} WHERE ${keyMatch(t.name, stage, key)}`,
  ];
}
