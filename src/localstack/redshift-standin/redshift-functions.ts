// Calls of Redshift functions that PostgreSQL lacks or defines differently are pointed at the
// stand-in's definitions (redshift-functions-sql.ts):
//   DATEDIFF(day, a, b) -> rsetl_standin.datediff('day', a, b)   (a bare date part becomes a string)
//   DATEADD(month, n, t) -> rsetl_standin.dateadd('month', n, t)
//   TRUNC(x)             -> rsetl_standin.trunc(x)               (timestamp -> date; numbers as usual)
//   NVL(a, b, ...)       -> COALESCE(a, b, ...)
// Literals, quoted identifiers and qualified names (`s.datediff(`) are left alone.
import { isSignificant, type Token } from '../../sql/tokens.js';
import { STANDIN_SCHEMA } from './system-objects-rewrite.js';

/** A cheap test on the raw text before tokenizing anything. */
export const FUNCTION_HINT = /datediff|dateadd|trunc|nvl/i;

const DATEPART_FIRST = new Set(['DATEDIFF', 'DATEADD']);
const STANDIN_FUNCTIONS = new Set(['DATEDIFF', 'DATEADD', 'TRUNC']);
/** Words after which `name (` names a relation or routine being defined, not a call. */
const DEFINING = new Set(['TABLE', 'INTO', 'VIEW', 'FUNCTION', 'PROCEDURE', 'EXISTS', 'REFERENCES', 'ON']);

export interface FunctionRewrite {
  tokens: Token[];
  /** True when a call now names a function of the stand-in's schema, which must then exist. */
  usesStandinSchema: boolean;
}

export function rewriteRedshiftFunctions(tokens: Token[]): FunctionRewrite {
  const sig: number[] = [];
  tokens.forEach((t, i) => isSignificant(t) && sig.push(i));
  const at = (k: number): Token | undefined => (k >= 0 && k < sig.length ? tokens[sig[k]!] : undefined);
  const isPunct = (k: number, p: string) => at(k)?.kind === 'punct' && at(k)?.text === p;
  const replace = new Map<number, Token>();
  let usesStandinSchema = false;
  for (let k = 0; k < sig.length; k++) {
    const t = at(k)!;
    if (t.kind !== 'word' || !isPunct(k + 1, '(') || isPunct(k - 1, '.')) continue;
    const prev = at(k - 1);
    if (prev?.kind === 'word' && DEFINING.has(prev.text.toUpperCase())) continue;
    const name = t.text.toUpperCase();
    if (name === 'NVL') {
      replace.set(sig[k]!, { kind: 'word', text: 'COALESCE' });
      continue;
    }
    if (!STANDIN_FUNCTIONS.has(name)) continue;
    replace.set(sig[k]!, { kind: 'word', text: `${STANDIN_SCHEMA}.${name.toLowerCase()}` });
    usesStandinSchema = true;
    const part = at(k + 2);
    if (DATEPART_FIRST.has(name) && part?.kind === 'word' && isPunct(k + 3, ',')) {
      replace.set(sig[k + 2]!, { kind: 'string', text: `'${part.text.toLowerCase()}'` });
    }
  }
  if (replace.size === 0) return { tokens, usesStandinSchema: false };
  return { tokens: tokens.map((t, i) => replace.get(i) ?? t), usesStandinSchema };
}
