// Redshift system views and functions that the stand-in answers itself. A client's reference to
// them is pointed at the stand-in's objects in the `rsetl_standin` schema of the same database
// (created by load-log-schema.ts), which are filled by the stand-in's own COPYs. In the stand-in's
// Serverless flavour the STL_ views are refused as missing relations (serverlessMissingView).
import { isSignificant, type Token } from '../../sql/tokens.js';

export const STANDIN_SCHEMA = 'rsetl_standin';

/** Views (no parentheses follow) and functions (called with `()`), by lower-case name. */
const VIEWS = new Set(['stl_load_errors', 'sys_load_error_detail', 'stl_load_commits', 'sys_load_history']);
const FUNCTIONS = new Set(['pg_last_copy_id', 'pg_last_copy_count']);
/** The views a Serverless workgroup lacks (the STL_ family). */
const PROVISIONED_ONLY_VIEWS = new Set([...VIEWS].filter((v) => v.startsWith('stl_')));

/** A cheap test on the raw text before tokenizing anything. */
export const SYSTEM_OBJECT_HINT = /stl_load_|sys_load_|pg_last_copy_/i;

export interface SystemRewrite {
  tokens: Token[];
  /** True when the statement refers to the stand-in's schema, which must then exist. */
  usesStandinSchema: boolean;
}

/** One reference to a system view or function: its name token and the `pg_catalog.` tokens before it. */
interface SystemObjectRef {
  index: number;
  name: string;
  /** Indexes of `pg_catalog` and `.` when the name was qualified. */
  qualifier: number[];
}

function systemObjectRefs(tokens: Token[]): SystemObjectRef[] {
  const sig: number[] = [];
  tokens.forEach((t, i) => isSignificant(t) && sig.push(i));
  const refs: SystemObjectRef[] = [];
  for (let k = 0; k < sig.length; k++) {
    const t = tokens[sig[k]!]!;
    if (t.kind !== 'word') continue;
    const name = t.text.toLowerCase();
    const next = tokens[sig[k + 1] ?? -1];
    const isCall = next?.kind === 'punct' && next.text === '(';
    if (!(VIEWS.has(name) && !isCall) && !(FUNCTIONS.has(name) && isCall)) continue;
    const prev = tokens[sig[k - 1] ?? -1];
    let qualifier: number[] = [];
    if (prev?.kind === 'punct' && prev.text === '.') {
      // Only `pg_catalog.<name>` means the system object; another schema's table of that name is left alone.
      const schema = tokens[sig[k - 2] ?? -1];
      if (schema?.kind !== 'word' || schema.text.toLowerCase() !== 'pg_catalog') continue;
      qualifier = [sig[k - 2]!, sig[k - 1]!];
    }
    refs.push({ index: sig[k]!, name, qualifier });
  }
  return refs;
}

export function rewriteSystemObjects(tokens: Token[]): SystemRewrite {
  const refs = systemObjectRefs(tokens);
  if (refs.length === 0) return { tokens, usesStandinSchema: false };
  const drop = new Set(refs.flatMap((r) => r.qualifier));
  const replace = new Map(refs.map((r) => [r.index, `${STANDIN_SCHEMA}.${r.name}`]));
  const out: Token[] = [];
  tokens.forEach((t, i) => {
    if (drop.has(i)) return;
    const r = replace.get(i);
    out.push(r === undefined ? t : { kind: 'word', text: r });
  });
  return { tokens: out, usesStandinSchema: true };
}

/**
 * The first system view the statement reads that a Redshift Serverless workgroup does not have,
 * as written (`pg_catalog.stl_load_errors` when qualified). STL_ views are provisioned-only; a
 * Serverless workgroup has the SYS_ monitoring views instead (Redshift Database Developer Guide,
 * "System view mapping for migrating to SYS monitoring views" and "SYS monitoring views").
 */
export function serverlessMissingView(tokens: Token[]): string | undefined {
  const ref = systemObjectRefs(tokens).find((r) => PROVISIONED_ONLY_VIEWS.has(r.name));
  if (!ref) return undefined;
  return [...ref.qualifier, ref.index].map((i) => tokens[i]!.text).join('');
}
