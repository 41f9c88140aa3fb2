// The table a COPY loads and the INSERT that moves the session's buffer into it.
// JSON 'auto' semantics (docs/design.md#redshift-copy): top-level keys match column names case-sensitively
// ('auto ignorecase': lower-cased keys), unknown keys are ignored, a listed column without a key
// is NULL, an unlisted column gets its DEFAULT. Redshift counts VARCHAR/CHAR lengths in BYTES
// (docs/design.md#redshift-types); PostgreSQL counts characters, so the byte rule is checked here explicitly.
import type { CopyFromS3 } from './copy-command.js';
import { ident, literal } from './sql-literal.js';

export const BUFFER_TABLE = 'rsetl_standin_copy_buf';

export interface TargetColumn {
  name: string;
  /** format_type(): the declared type with its modifier, e.g. `character varying(32)`. */
  type: string;
  /** pg_type.typname of the base type (varchar, int8, timestamp, ...), as Redshift's `type` column. */
  typname: string;
  /** Declared length of a VARCHAR/CHAR column, which Redshift counts in bytes. */
  byteLimit: number | null;
  notNull: boolean;
  /** GENERATED ALWAYS AS IDENTITY (INSERT refuses a value, COPY does not). */
  identityAlways: boolean;
}

export interface CopyTarget {
  oid: number;
  relname: string;
  qualified: string;
  /** pg_class.relkind: r table, p partitioned table, v view, f foreign table, ... */
  relkind: string;
  /** The relation has rules (INSERT applies them, COPY does not). */
  hasRules: boolean;
  /** The columns the COPY fills, in load order. */
  columns: TargetColumn[];
}

/** Rows: oid, relname, qualified name, relkind, relhasrules, then per insertable column. */
export function targetQuery(tableSql: string): string {
  return `SELECT c.oid, c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind, c.relhasrules,
      a.attname, format_type(a.atttypid, a.atttypmod), bt.typname,
      CASE WHEN bt.oid IN (1042, 1043) AND a.atttypmod > 4 THEN a.atttypmod - 4 END, a.attnotnull, a.attidentity
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
    WHERE c.oid = to_regclass(${literal(tableSql)}) ORDER BY a.attnum`;
}

export type TargetResolution = { ok: true; target: CopyTarget } | { ok: false; code: string; message: string };

export function resolveTarget(rows: (string | null)[][], cmd: CopyFromS3): TargetResolution {
  if (rows.length === 0) return { ok: false, code: '42P01', message: `relation "${cmd.tableSql}" does not exist` };
  const [oid, relname, qualified, relkind, hasRules] = rows[0]!;
  const all: TargetColumn[] = rows.map((r) => ({
    name: r[5]!,
    type: r[6]!,
    typname: r[7]!,
    byteLimit: r[8] === null ? null : Number(r[8]),
    notNull: r[9] === 't',
    identityAlways: r[10] === 'a',
  }));
  let columns = all;
  if (cmd.columns) {
    columns = [];
    for (const name of cmd.columns) {
      const col = all.find((c) => c.name === name);
      if (!col) return { ok: false, code: '42703', message: `column "${name}" of relation "${relname}" does not exist` };
      columns.push(col);
    }
  }
  return {
    ok: true,
    target: { oid: Number(oid), relname: relname!, qualified: qualified!, relkind: relkind!, hasRules: hasRules === 't', columns },
  };
}

/** The buffer line as a jsonb object, with keys lower-cased for 'auto ignorecase'. */
export function jsonOfLine(cmd: CopyFromS3): string {
  return cmd.ignoreCase
    ? `(SELECT coalesce(jsonb_object_agg(lower(e.k), e.v), '{}') FROM jsonb_each(b.line::jsonb) AS e(k, v))`
    : 'b.line::jsonb';
}

/** `r("a" bigint, "b" character varying(32), ...)` for jsonb_to_record. */
export function recordDefinition(columns: TargetColumn[]): string {
  return `r(${columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`;
}

/** A column's loaded value, after EMPTYASNULL/BLANKSASNULL. */
export function loadedValue(c: TargetColumn, cmd: CopyFromS3): string {
  const v = `r.${ident(c.name)}`;
  if (!isString(c)) return v;
  if (cmd.blanksAsNull) return `CASE WHEN btrim(${v}::text) = '' THEN NULL ELSE ${v} END`;
  if (cmd.emptyAsNull) return `NULLIF(${v}, '')`;
  return v;
}

export function isString(c: TargetColumn): boolean {
  return ['varchar', 'bpchar', 'text'].includes(c.typname);
}

/**
 * INSERT of the buffer rows n in [from, to) (all rows when no range). A row whose string value
 * exceeds its column's byte length is left out, so a short row count reveals it.
 */
export function insertSql(target: CopyTarget, cmd: CopyFromS3, range?: { from: number; to: number }): string {
  const limits = target.columns
    .filter((c) => c.byteLimit !== null)
    .map((c) => `coalesce(octet_length(${loadedValue(c, cmd)}::text), 0) <= ${c.byteLimit}`);
  if (range) limits.push(`b.n >= ${range.from} AND b.n < ${range.to}`);
  return (
    `INSERT INTO ${target.qualified} (${target.columns.map((c) => ident(c.name)).join(', ')}) ` +
    `SELECT ${target.columns.map((c) => loadedValue(c, cmd)).join(', ')} ` +
    `FROM ${BUFFER_TABLE} b, LATERAL jsonb_to_record(${jsonOfLine(cmd)}) AS ${recordDefinition(target.columns)}` +
    (limits.length ? ` WHERE ${limits.join(' AND ')}` : '')
  );
}

/** Rows inserted according to a CommandComplete tag `INSERT 0 <n>`. */
export function insertedRows(tag: string | undefined): number {
  return Number(/^INSERT \d+ (\d+)$/.exec(tag ?? '')?.[1] ?? -1);
}
