// rsetl writes statements with pg's positional parameters ($1, $2, …); the Data API takes named
// ones (:p1) whose values are strings that Redshift converts to the column's type. It has no way
// to pass a NULL value, so a null parameter becomes the literal NULL in the text.
import type { SqlParameter } from '@aws-sdk/client-redshift-data';

function text(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** `$n` outside quoted strings and identifiers, for every n. */
const PLACEHOLDER = /'(?:[^']|'')*'|"(?:[^"]|"")*"|\$(\d+)/g;

export function dataApiSql(sql: string, params: unknown[]): { Sql: string; Parameters: SqlParameter[] } {
  const used = new Set<number>();
  const Sql = sql.replace(PLACEHOLDER, (whole, n: string | undefined) => {
    if (n === undefined) return whole;
    const i = Number(n);
    const v = params[i - 1];
    if (v === null || v === undefined) return 'NULL';
    used.add(i);
    return `:p${i}`;
  });
  const Parameters = [...used].sort((a, b) => a - b).map((i) => ({ name: `p${i}`, value: text(params[i - 1]) }));
  return { Sql, Parameters };
}
