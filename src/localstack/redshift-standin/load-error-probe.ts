// After a failed load: which line, which column, and why — what Redshift writes into
// STL_LOAD_ERRORS. The buffer rows are bisected with INSERTs under a savepoint (each probe is
// rolled back), then the first failing line is examined column by column.
import type { BackendChannel, InternalResult } from './backend-channel.js';
import type { CopyFromS3 } from './copy-command.js';
import {
  BUFFER_TABLE, insertSql, insertedRows, jsonOfLine, loadedValue, recordDefinition,
  type CopyTarget, type TargetColumn,
} from './copy-target.js';
import { MISSING_NOT_NULL, STRING_TOO_LONG, loadErrorFor, malformedJson, type RedshiftLoadError } from './load-error-codes.js';

export interface BadLine {
  fileNo: number;
  lineNumber: number;
  rawLine: string;
  column?: TargetColumn;
  rawFieldValue: string;
  error: RedshiftLoadError;
}

const SAVEPOINT = 'rsetl_standin_probe';

/** Runs `sql` under a savepoint that is always rolled back: probes leave no trace. */
async function probe(channel: BackendChannel, sql: string): Promise<InternalResult> {
  const r = await channel.query(`SAVEPOINT ${SAVEPOINT}; ${sql}`);
  await channel.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}; RELEASE SAVEPOINT ${SAVEPOINT}`);
  return r;
}

/** The buffer row number n (1..total) of the first line that cannot be loaded. */
export async function findFirstBadRow(channel: BackendChannel, target: CopyTarget, cmd: CopyFromS3, total: number): Promise<number> {
  const fails = async (from: number, to: number) => {
    const r = await probe(channel, insertSql(target, cmd, { from, to }));
    return r.error !== undefined || insertedRows(r.command) !== to - from;
  };
  // Invariant: the first bad row lies in [lo, hi).
  let lo = 1;
  let hi = total + 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await fails(lo, mid)) hi = mid;
    else lo = mid;
  }
  return lo;
}

export async function diagnoseRow(channel: BackendChannel, target: CopyTarget, cmd: CopyFromS3, n: number): Promise<BadLine> {
  const where = `FROM ${BUFFER_TABLE} b WHERE b.n = ${n}`;
  const row = (await channel.query(`SELECT file_no, line_no, line ${where}`)).rows[0] ?? ['0', '0', ''];
  const line: BadLine = { fileNo: Number(row[0]), lineNumber: Number(row[1]), rawLine: row[2] ?? '', rawFieldValue: '', error: STRING_TOO_LONG };

  const kind = await probe(channel, `SELECT jsonb_typeof(b.line::jsonb) ${where}`);
  if (kind.error) return { ...line, error: malformedJson(kind.error.message) };
  if (kind.rows[0]?.[0] !== 'object') return { ...line, error: malformedJson('Member is not an object') };

  const raw = rawFields(line.rawLine, cmd.ignoreCase);
  const from = `FROM ${BUFFER_TABLE} b, LATERAL jsonb_to_record(${jsonOfLine(cmd)}) AS`;
  const all = await probe(
    channel,
    `SELECT ${target.columns.map((c) => `${loadedValue(c, cmd)}::text`).join(', ')} ${from} ${recordDefinition(target.columns)} WHERE b.n = ${n}`,
  );
  if (!all.error) {
    const values = all.rows[0] ?? [];
    for (const [i, c] of target.columns.entries()) {
      const v = values[i] ?? null;
      const at = { ...line, column: c, rawFieldValue: raw(c.name) };
      if (v === null && c.notNull) return { ...at, error: MISSING_NOT_NULL };
      if (v !== null && c.byteLimit !== null && Buffer.byteLength(v) > c.byteLimit) return { ...at, error: STRING_TOO_LONG };
    }
    // Every value converts: the row breaks a table constraint; report PostgreSQL's reason.
    const insert = await probe(channel, insertSql(target, cmd, { from: n, to: n + 1 }));
    return { ...line, error: { code: 1200, reason: (insert.error?.message ?? 'Unknown parse error').slice(0, 100) } };
  }
  for (const c of target.columns) {
    const one = await probe(channel, `SELECT ${loadedValue(c, cmd)} ${from} ${recordDefinition([c])} WHERE b.n = ${n}`);
    if (one.error) return { ...line, column: c, rawFieldValue: raw(c.name), error: loadErrorFor(one.error, c, raw(c.name)) };
  }
  return { ...line, error: { code: 1200, reason: all.error.message.slice(0, 100) } };
}

/** The pre-parsing text of each field of a JSON line, as Redshift's raw_field_value. */
function rawFields(line: string, ignoreCase: boolean): (name: string) => string {
  let object: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(line) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) object = parsed as Record<string, unknown>;
  } catch {
    // PostgreSQL accepted the line, so this does not happen in practice; fields stay empty.
  }
  if (ignoreCase) object = Object.fromEntries(Object.entries(object).map(([k, v]) => [k.toLowerCase(), v]));
  return (name) => {
    const v = object[name];
    if (v === undefined || v === null) return '';
    return typeof v === 'string' ? v : JSON.stringify(v);
  };
}
