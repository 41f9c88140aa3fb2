// Runs one `COPY <table> FROM 's3://...'` on the client's own backend session: inside the client's
// open transaction (or one of its own when the session is idle), able to load the client's temp
// tables. The objects are streamed into a session buffer table with COPY FROM STDIN, then moved
// into the target with one INSERT ... SELECT over jsonb_to_record (../shared/reference/local-stack.md §4).
// On failure the session is left as it was before the COPY; the caller then makes the backend
// raise the returned error, which aborts the client's transaction as Redshift does.
import type { BackendChannel } from './backend-channel.js';
import type { TransactionStatus } from './backend-messages.js';
import { BUFFER_COPY_OPTIONS, LineError, bufferRows, type BufferStats } from './copy-buffer-rows.js';
import type { CopyFromS3 } from './copy-command.js';
import { BUFFER_TABLE, insertSql, insertedRows, resolveTarget, targetQuery, type CopyTarget } from './copy-target.js';
import { diagnoseRow, findFirstBadRow } from './load-error-probe.js';
import type { LoadErrorRecord, LoadLog } from './load-log.js';
import { S3Source, SourceError } from './s3-source.js';

export interface CopyEnvironment {
  s3: S3Source;
  log: LoadLog;
  acceptedIamRoles?: string[];
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

export async function runCopyFromS3(channel: BackendChannel, cmd: CopyFromS3, session: CopySessionState, env: CopyEnvironment): Promise<CopyOutcome> {
  const q = async (sql: string) => {
    const r = await channel.query(sql);
    if (r.error) throw new CopyFailure(r.error.code ?? 'XX000', r.error.message);
    return r;
  };
  const ownTransaction = session.status === 'I';
  if (ownTransaction) await q('BEGIN');
  let queryId: number | undefined;
  let target: CopyTarget | undefined;
  const stats: BufferStats = { rows: 0, bytes: 0 };
  let files: string[] = [];
  let savepoint = false;
  try {
    const meta = await q('SELECT (SELECT usesysid FROM pg_user WHERE usename = current_user), pg_current_xact_id()::text');
    queryId = await env.log.begin({
      pid: session.pid,
      database: session.database,
      userId: meta.rows[0]?.[0] == null ? null : Number(meta.rows[0][0]),
      transactionId: meta.rows[0]?.[1] == null ? null : Number(meta.rows[0][1]),
    });
    checkRole(cmd, env.acceptedIamRoles);
    files = await resolveFiles(env.s3, cmd);
    await q(`SAVEPOINT ${SAVEPOINT}`);
    savepoint = true;
    const resolved = resolveTarget((await q(targetQuery(cmd.tableSql))).rows, cmd);
    if (!resolved.ok) throw new CopyFailure(resolved.code, resolved.message);
    target = resolved.target;
    await q(`CREATE TEMP TABLE IF NOT EXISTS ${BUFFER_TABLE} (n int8, file_no int4, line_no int8, line text); TRUNCATE ${BUFFER_TABLE}`);
    const buffered = await channel.copyIn(
      `COPY ${BUFFER_TABLE} (n, file_no, line_no, line) FROM STDIN WITH ${BUFFER_COPY_OPTIONS}`,
      bufferRows(files, (url) => env.s3.open(url, cmd.gzip), stats),
    );
    if (buffered.sourceError !== undefined) throw sourceFailure(buffered.sourceError);
    if (buffered.error) throw new CopyFailure(buffered.error.code ?? 'XX000', buffered.error.message);
    const rows = await loadBuffer(channel, target, cmd, stats.rows, files);
    const done = await q(`TRUNCATE ${BUFFER_TABLE}; RELEASE SAVEPOINT ${SAVEPOINT}${ownTransaction ? '; COMMIT' : ''}`);
    await env.log.end(queryId, {
      status: 'completed', tableId: target.oid, tableName: target.relname, rows, bytes: stats.bytes, files, notHonoured: cmd.notHonoured,
    });
    return { ok: true, rows, table: target.relname, status: done.status };
  } catch (e) {
    const failure = e instanceof CopyFailure ? e : new CopyFailure('XX000', (e as Error)?.message ?? String(e));
    // Leave the session as it was: the caller aborts the client's transaction with the error.
    const undo = [savepoint ? `ROLLBACK TO SAVEPOINT ${SAVEPOINT}; RELEASE SAVEPOINT ${SAVEPOINT}` : '', ownTransaction ? 'ROLLBACK' : '']
      .filter(Boolean)
      .join('; ');
    if (undo) await channel.query(undo);
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

/** Moves the buffer into the target; on failure finds the first bad line and throws it. */
async function loadBuffer(channel: BackendChannel, target: CopyTarget, cmd: CopyFromS3, total: number, files: string[]): Promise<number> {
  const r = await channel.query(`SAVEPOINT rsetl_standin_insert; ${insertSql(target, cmd)}`);
  const rows = insertedRows(r.command);
  if (!r.error && rows === total) return rows;
  // Privileges, missing objects, unsupported features: not about the data, reported as they are.
  if (r.error && /^(42|0A)/.test(r.error.code ?? '')) throw new CopyFailure(r.error.code!, r.error.message);
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

async function resolveFiles(s3: S3Source, cmd: CopyFromS3): Promise<string[]> {
  try {
    return await s3.resolve(cmd.source, cmd.manifest);
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
