// Redshift system views and functions that the stand-in answers itself. A client's reference to
// them is pointed at the stand-in's objects in the `rsetl_standin` schema of the same database
// (created by load-log-schema.ts), which are filled by the stand-in's own COPYs.
import { isSignificant, type Token } from './sql-tokens.js';

export const STANDIN_SCHEMA = 'rsetl_standin';

/** Views (no parentheses follow) and functions (called with `()`), by lower-case name. */
const VIEWS = new Set(['stl_load_errors', 'sys_load_error_detail', 'stl_load_commits', 'sys_load_history']);
const FUNCTIONS = new Set(['pg_last_copy_id', 'pg_last_copy_count']);

/** A cheap test on the raw text before tokenizing anything. */
export const SYSTEM_OBJECT_HINT = /stl_load_|sys_load_|pg_last_copy_/i;

export interface SystemRewrite {
  tokens: Token[];
  /** True when the statement refers to the stand-in's schema, which must then exist. */
  usesStandinSchema: boolean;
}

export function rewriteSystemObjects(tokens: Token[]): SystemRewrite {
  const sig: number[] = [];
  tokens.forEach((t, i) => isSignificant(t) && sig.push(i));
  const drop = new Set<number>();
  const replace = new Map<number, string>();
  for (let k = 0; k < sig.length; k++) {
    const t = tokens[sig[k]!]!;
    if (t.kind !== 'word') continue;
    const name = t.text.toLowerCase();
    const next = tokens[sig[k + 1] ?? -1];
    const isCall = next?.kind === 'punct' && next.text === '(';
    if (!(VIEWS.has(name) && !isCall) && !(FUNCTIONS.has(name) && isCall)) continue;
    const prev = tokens[sig[k - 1] ?? -1];
    if (prev?.kind === 'punct' && prev.text === '.') {
      // Only `pg_catalog.<name>` means the system object; another schema's table of that name is left alone.
      const schema = tokens[sig[k - 2] ?? -1];
      if (schema?.kind !== 'word' || schema.text.toLowerCase() !== 'pg_catalog') continue;
      drop.add(sig[k - 2]!);
      drop.add(sig[k - 1]!);
    }
    replace.set(sig[k]!, `${STANDIN_SCHEMA}.${name}`);
  }
  if (replace.size === 0) return { tokens, usesStandinSchema: false };
  const out: Token[] = [];
  tokens.forEach((t, i) => {
    if (drop.has(i)) return;
    const r = replace.get(i);
    out.push(r === undefined ? t : { kind: 'word', text: r });
  });
  return { tokens: out, usesStandinSchema: true };
}
