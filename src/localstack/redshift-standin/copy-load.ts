// Runs one `COPY <table> FROM 's3://...'` on the client's own backend session: inside the client's
// open transaction (or one of its own when the session is idle), able to load the client's temp
// tables. On failure the session is left as it was before the COPY; the caller then makes the
// backend raise the returned error, which aborts the client's transaction as Redshift does.
//
// Two ways to load, under one savepoint:
// - fast: every NDJSON line is turned into a COPY text row in Node and streamed straight into the
//   target with COPY FROM STDIN (copy-text-rows.ts), for flat JSON objects of plain values;
// - exact: the lines are streamed into a session buffer table, then moved into the target with one
//   INSERT ... SELECT over jsonb_to_record (docs/local-stack.md#standin-copy); a failure is
//   bisected down to the bad line and column for stl_load_errors (load-error-probe.ts).
// The fast path gives up on anything unusual and on any failure that may be about the data: the
// savepoint is rolled back and the exact path loads the data from the start, so results and load
// errors are the exact path's. S3 errors and failures no data causes (a cancel, a deadlock) end the
// COPY as they would end the exact path.
import type { BackendChannel } from './backend-channel.js';
import type { TransactionStatus } from './backend-messages.js';
import { BUFFER_COPY_OPTIONS, LineError, bufferRows, type BufferStats } from './copy-buffer-rows.js';
import type { CopyFromS3 } from './copy-command.js';
import { BUFFER_TABLE, insertSql, insertedRows, resolveTarget, targetQuery, type CopyTarget } from './copy-target.js';
import { NotFastPath, TextRowEncoder, fastPathRefusal, textCopySql, textRows } from './copy-text-rows.js';
import { diagnoseRow, findFirstBadRow } from './load-error-probe.js';
import type { LoadErrorRecord, LoadLog } from './load-log.js';
import { S3Source, SourceError } from './s3-source.js';
import { ident } from './sql-literal.js';

export interface CopyEnvironment {
  s3: S3Source;
  log: LoadLog;
  acceptedIamRoles?: string[];
  /** `exact`: never the fast path (tests compare both). Default `auto`. */
  copyPath?: 'auto' | 'exact';
}

export interface CopySessionState {
  pid: number;
  database: string;
  status: TransactionStatus;
}

export type CopyOutcome =
  | { ok: true; rows: number; table: string; status: TransactionStatus }
  | { ok: false; code: string; message: string; detail?: string };

/** A failure that ends the COPY: the client's error, and what the stand-in's load_error records. */
class CopyFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly record?: Omit<LoadErrorRecord, 'tableId'>,
  ) {
    super(message);
  }
}

const SAVEPOINT = 'rsetl_standin_copy';

const SESSION_IDS = 'SELECT (SELECT usesysid FROM pg_user WHERE usename = current_user), pg_current_xact_id()::text';

export async function runCopyFromS3(channel: BackendChannel, cmd: CopyFromS3, session: CopySessionState, env: CopyEnvironment): Promise<CopyOutcome> {
  const q = async (sql: string) => {
    const r = await channel.query(sql);
    if (r.error) throw new CopyFailure(r.error.code ?? 'XX000', r.error.message);
    return r;
  };
  const ownTransaction = session.status === 'I';
  let begun: Promise<number> | undefined;
  let queryId: number | undefined;
  let target: CopyTarget | undefined;
  let stats: BufferStats = { rows: 0, bytes: 0 };
  let files: string[] = [];
  let savepoint = false;
  // S3 is read while the backend and the load log prepare the COPY; its outcome counts only after theirs.
  const resolving = resolveFiles(env, cmd);
  resolving.catch(() => undefined);
  try {
    // One round trip: the transaction, the session's ids, the savepoint and the target's columns.
    const first = await channel.query(
      `${ownTransaction ? 'BEGIN; ' : ''}${SESSION_IDS}; SAVEPOINT ${SAVEPOINT}; ${targetQuery(cmd.tableSql)}`,
    );
    const ids = first.sets[0]?.[0];
    if (!ids) throw new CopyFailure(first.error?.code ?? 'XX000', first.error?.message ?? 'the session ids are unknown');
    savepoint = true;
    // The load log registers the COPY while it runs: its query id is needed only at the end.
    begun = env.log.begin({
      pid: session.pid,
      database: session.database,
      userId: ids[0] == null ? null : Number(ids[0]),
      transactionId: ids[1] == null ? null : Number(ids[1]),
    });
    begun.catch(() => undefined);
    files = await resolving;
    if (first.error) throw new CopyFailure(first.error.code ?? 'XX000', first.error.message);
    const resolved = resolveTarget(first.sets[1] ?? [], cmd);
    if (!resolved.ok) throw new CopyFailure(resolved.code, resolved.message);
    target = resolved.target;
    const fast = env.copyPath !== 'exact' && fastPathRefusal(target) === undefined ? await loadFast(channel, target, cmd, files, env) : undefined;
    let rows: number;
    if (fast) ({ rows, stats } = fast);
    else {
      stats = { rows: 0, bytes: 0 };
      rows = await loadExact(channel, target, cmd, files, env, stats);
    }
    queryId = await begun;
    savepoint = false;
    const [done, logged] = await Promise.allSettled([
      q(`${fast ? '' : `TRUNCATE ${BUFFER_TABLE}; `}RELEASE SAVEPOINT ${SAVEPOINT}${ownTransaction ? '; COMMIT' : ''}`),
      env.log.end(queryId, {
        status: 'completed', tableId: target.oid, tableName: target.relname, rows, bytes: stats.bytes, files, notHonoured: cmd.notHonoured,
      }),
    ]);
    if (done.status === 'rejected') throw done.reason;
    if (logged.status === 'rejected') throw logged.reason;
    return { ok: true, rows, table: target.relname, status: done.value.status };
  } catch (e) {
    const failure = e instanceof CopyFailure ? e : new CopyFailure('XX000', (e as Error)?.message ?? String(e));
    // Leave the session as it was: the caller aborts the client's transaction with the error.
    const undo = [savepoint ? `ROLLBACK TO SAVEPOINT ${SAVEPOINT}; RELEASE SAVEPOINT ${SAVEPOINT}` : '', ownTransaction ? 'ROLLBACK' : '']
      .filter(Boolean)
      .join('; ');
    if (undo) await channel.query(undo);
    queryId ??= await begun?.catch(() => undefined);
    const table = target?.relname ?? cmd.tableSql;
    if (queryId !== undefined) {
      if (failure.record) await env.log.recordError(queryId, { ...failure.record, tableId: target?.oid ?? null });
      await env.log.end(queryId, {
        status: 'failed', tableId: target?.oid ?? null, tableName: table, rows: 0, bytes: stats.bytes, files,
        notHonoured: cmd.notHonoured, errorMessage: failure.record?.errorMessage ?? failure.message,
      });
    }
    const isLoadError = failure.record?.lineNumber !== undefined && failure.record.lineNumber > 0;
    return {
      ok: false,
      code: failure.code,
      message: isLoadError ? `Load into table '${table}' failed.  Check 'sys_load_error_detail' system table for details.` : failure.message,
      detail: failure.record && queryId !== undefined ? detailBlock(failure.record, queryId) : undefined,
    };
  }
}

/** The fast path; undefined (savepoint rolled back) when the exact path must load the data. */
async function loadFast(
  channel: BackendChannel, target: CopyTarget, cmd: CopyFromS3, files: string[], env: CopyEnvironment,
): Promise<{ rows: number; stats: BufferStats } | undefined> {
  const stats: BufferStats = { rows: 0, bytes: 0 };
  const encoder = new TextRowEncoder(target, cmd);
  const r = await channel.copyIn(textCopySql(target, ident), textRows(files, (url) => env.s3.open(url, cmd.gzip), encoder, stats));
  if (!r.error && r.sourceError === undefined && copiedRows(r.command) === stats.rows) return { rows: stats.rows, stats };
  if (r.sourceError !== undefined) {
    // S3 and gzip errors end the exact path the same way, before it looks at any value. (The
    // backend's error is then the 57014 of our CopyFail.)
    if (!(r.sourceError instanceof NotFastPath)) throw sourceFailure(r.sourceError);
  } else if (r.error && NOT_ABOUT_DATA.test(r.error.code ?? '')) {
    // A cancel, a timeout, a deadlock, the server's own trouble: not about the data, not worth a second run.
    throw new CopyFailure(r.error.code!, r.error.message);
  }
  // Data left to the exact path, or a value or row PostgreSQL refused: the exact path starts again
  // and loads the data or names the bad line as it always does.
  const undo = await channel.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
  if (undo.error) throw new CopyFailure(undo.error.code ?? 'XX000', undo.error.message);
  return undefined;
}

/**
 * SQLSTATE classes of failures that no data causes: connection, transaction rollback (deadlock,
 * serialization), insufficient resources, object state (lock timeout), operator intervention
 * (cancel, statement timeout), system errors. (XX000 is left out: some input functions raise it.)
 */
const NOT_ABOUT_DATA = /^(08|40|53|55|57|58)/;

/** The exact path: the buffer table, one INSERT ... SELECT, and the bisecting diagnosis of a failure. */
async function loadExact(
  channel: BackendChannel, target: CopyTarget, cmd: CopyFromS3, files: string[], env: CopyEnvironment, stats: BufferStats,
): Promise<number> {
  const created = await channel.query(`CREATE TEMP TABLE IF NOT EXISTS ${BUFFER_TABLE} (n int8, file_no int4, line_no int8, line text); TRUNCATE ${BUFFER_TABLE}`);
  if (created.error) throw new CopyFailure(created.error.code ?? 'XX000', created.error.message);
  const buffered = await channel.copyIn(
    `COPY ${BUFFER_TABLE} (n, file_no, line_no, line) FROM STDIN WITH ${BUFFER_COPY_OPTIONS}`,
    bufferRows(files, (url) => env.s3.open(url, cmd.gzip), stats),
  );
  if (buffered.sourceError !== undefined) throw sourceFailure(buffered.sourceError);
  if (buffered.error) throw new CopyFailure(buffered.error.code ?? 'XX000', buffered.error.message);
  return loadBuffer(channel, target, cmd, stats.rows, files);
}

/** Rows copied according to a CommandComplete tag `COPY <n>`. */
function copiedRows(tag: string | undefined): number {
  return Number(/^COPY (\d+)$/.exec(tag ?? '')?.[1] ?? -1);
}

/** Moves the buffer into the target; on failure finds the first bad line and throws it. */
async function loadBuffer(channel: BackendChannel, target: CopyTarget, cmd: CopyFromS3, total: number, files: string[]): Promise<number> {
  const r = await channel.query(`SAVEPOINT rsetl_standin_insert; ${insertSql(target, cmd)}`);
  const rows = insertedRows(r.command);
  if (!r.error && rows === total) return rows;
  // Privileges, missing objects, unsupported features, cancels, deadlocks: not about the data, reported as they are.
  const code = r.error?.code ?? '';
  if (r.error && (/^(42|0A)/.test(code) || NOT_ABOUT_DATA.test(code))) throw new CopyFailure(code, r.error.message);
  await channel.query('ROLLBACK TO SAVEPOINT rsetl_standin_insert');
  const bad = await diagnoseRow(channel, target, cmd, await findFirstBadRow(channel, target, cmd, total));
  const c = bad.column;
  throw new CopyFailure('XX000', bad.error.reason, {
    fileName: files[bad.fileNo - 1] ?? '',
    lineNumber: bad.lineNumber,
    columnName: c?.name ?? '',
    columnType: c?.typname ?? '',
    columnLength: c?.byteLimit != null ? String(c.byteLimit) : '',
    rawLine: bad.rawLine,
    rawFieldValue: bad.rawFieldValue,
    errorCode: bad.error.code,
    errorMessage: bad.error.reason,
  });
}

function checkRole(cmd: CopyFromS3, accepted: string[] | undefined): void {
  if (!accepted || (cmd.iamRole !== undefined && accepted.includes(cmd.iamRole))) return;
  const role = cmd.iamRole ?? '(access keys)';
  const message = `S3ServiceException:Access Denied,Status 403,Error AccessDenied,Rid rsetl-standin,CanRetry 1 - Not authorized to get credentials of role ${role}`;
  throw new CopyFailure('XX000', message, { fileName: cmd.source, errorCode: 30000, errorMessage: `Not authorized to get credentials of role ${role}` });
}

/** The role check, then the objects to load. */
async function resolveFiles(env: CopyEnvironment, cmd: CopyFromS3): Promise<string[]> {
  checkRole(cmd, env.acceptedIamRoles);
  try {
    return await env.s3.resolve(cmd.source, cmd.manifest);
  } catch (e) {
    throw sourceFailure(e);
  }
}

function sourceFailure(e: unknown): CopyFailure {
  if (e instanceof LineError) {
    return new CopyFailure('XX000', e.message, {
      fileName: e.fileName, lineNumber: e.lineNumber, rawLine: e.rawLine, errorCode: e.loadErrorCode, errorMessage: e.message,
    });
  }
  if (e instanceof SourceError) {
    return new CopyFailure('XX000', e.message, { fileName: e.fileName, errorCode: e.loadErrorCode, errorMessage: e.message });
  }
  const message = `S3ServiceException:${(e as Error)?.message ?? String(e)}`;
  return new CopyFailure('XX000', message, { errorCode: 1200, errorMessage: message });
}

/** The DETAIL block Redshift attaches to COPY errors. */
function detailBlock(r: Omit<LoadErrorRecord, 'tableId'>, queryId: number): string {
  const line = '-----------------------------------------------';
  const context = r.rawFieldValue ? `Value: '${r.rawFieldValue}'` : r.fileName ? `file: ${r.fileName}` : '';
  return [line, `error:  ${r.errorMessage}`, `code:      ${r.errorCode}`, `context:   ${context}`, `query:     ${queryId}`,
    'location:  rsetl-standin', 'process:   rsetl-standin', line].map((l) => `  ${l}`).join('\n');
}
