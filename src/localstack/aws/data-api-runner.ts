// Running a Data API statement in the background, as the service does after it answered the
// call: SUBMITTED → PICKED (it got a connection: its own login, or its session's) → STARTED → its
// SQL → FINISHED | FAILED | ABORTED. A batch runs as one transaction (BEGIN; each; COMMIT): when
// a part fails, that part and the batch are FAILED, the parts before it stay FINISHED (their work
// rolled back, as the service reports them) and the parts after it are ABORTED. With ExecutionMode
// AUTO_COMMIT each part commits by itself and a failure does not stop the others.
import { raiseStatement } from '../redshift-standin/sql-literal.js';
import { DataConnection } from './data-api-connection.js';
import type { DataApiControls } from './data-api-controls.js';
import { storeResult } from './data-api-records.js';
import type { DataSession } from './data-api-sessions.js';
import { errorText, prepareSql, type StatementError } from './data-api-sql.js';
import type { DataStatement, StatementPart, StatementStatus } from './data-api-statements.js';

export interface RunContext {
  controls: DataApiControls;
  nextQueryId(): number;
}

/** How the runner reaches a running statement: CancelStatement calls it. */
export const cancelHooks = new WeakMap<DataStatement, () => void>();

const QUERY_CANCELED = '57014';

const ENDS_TRANSACTION = /^\s*(commit|end)\b/i;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

function set(s: DataStatement, status: StatementStatus): void {
  s.status = status;
  s.updatedAt = new Date();
}

function endPart(part: StatementPart, status: StatementStatus, error?: StatementError): void {
  part.status = status;
  part.updatedAt = new Date();
  if (error) {
    part.error = error.text;
    if (error.sqlState) part.sqlState = error.sqlState;
  }
}

export async function runStatement(s: DataStatement, session: DataSession | undefined, ctx: RunContext): Promise<void> {
  const abort = new AbortController();
  let conn: DataConnection | undefined;
  let inFlight = false;
  // A CancelRequest travels on its own socket and can overtake the query it is meant for (which
  // the stand-in screens first): the backend ignores it then, so it is repeated while the query runs.
  const cancelWhileRunning = async () => {
    while (inFlight && conn) {
      await conn.cancel();
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  cancelHooks.set(s, () => {
    s.cancelRequested = true;
    abort.abort();
    void cancelWhileRunning();
  });
  try {
    await pause(ctx.controls.latency.submitMs, abort.signal);
    if (s.cancelRequested) return finishAborted(s);
    set(s, 'PICKED');
    try {
      conn = session ? await session.connection() : await DataConnection.open(s.target);
    } catch (e) {
      return finishFailed(s, errorText(e));
    }
    s.pid = conn.pid;
    set(s, 'STARTED');
    await pause(ctx.controls.latency.statementMs, abort.signal);
    if (s.cancelRequested) return finishAborted(s);

    const run = async (sql: string) => {
      inFlight = true;
      try {
        const pending = conn!.query(sql);
        // A cancel that came between the check and the send would have found nothing running.
        if (s.cancelRequested) void cancelWhileRunning();
        return await pending;
      } finally {
        inFlight = false;
      }
    };
    const inTransaction = s.batch && s.transaction;
    if (inTransaction) await run('BEGIN');
    let firstError: StatementError | undefined;
    let aborted = false;
    for (const part of s.parts) {
      if (s.cancelRequested || (inTransaction && firstError)) {
        endPart(part, 'ABORTED');
        aborted ||= s.cancelRequested;
        continue;
      }
      part.status = 'STARTED';
      part.updatedAt = new Date();
      part.redshiftQueryId = ctx.nextQueryId();
      const started = process.hrtime.bigint();
      await pause(ctx.controls.latencyOf(part.sql), abort.signal);
      if (s.cancelRequested) {
        endPart(part, 'ABORTED');
        aborted = true;
        continue;
      }
      const prepared = prepareSql(part.sql, s.parameters);
      const fault = ctx.controls.takeStatementFault(part.sql);
      let error: StatementError | undefined = prepared.ok ? undefined : prepared.error;
      if (prepared.ok) {
        try {
          // An injected failure is raised by the server itself, so a transaction is left aborted as a real one is.
          const r = await run(fault ? raiseStatement(fault.code, fault.message) : prepared.sql);
          if (r.fields.length > 0) {
            const result = await storeResult(conn, r);
            Object.assign(part, { hasResultSet: true, result, resultRows: result.records.length, resultSize: result.totalSize });
          } else {
            part.resultRows = r.rowCount ?? 0;
          }
        } catch (e) {
          error = errorText(e);
          // A COMMIT that fails ends its transaction on the server (rolled back); the raise that
          // stands in for it only aborted it, so the rollback is done here.
          if (fault && ENDS_TRANSACTION.test(prepared.sql)) await run('ROLLBACK').catch(() => undefined);
        }
      }
      part.durationNs = Number(process.hrtime.bigint() - started);
      if (!error) endPart(part, 'FINISHED');
      else if (s.cancelRequested && error.sqlState === QUERY_CANCELED) {
        endPart(part, 'ABORTED');
        aborted = true;
      } else {
        endPart(part, 'FAILED', error);
        firstError ??= error;
      }
    }
    if (inTransaction) {
      if (!firstError && !aborted) {
        try {
          await run('COMMIT');
        } catch (e) {
          firstError = errorText(e);
        }
      } else await run('ROLLBACK').catch(() => undefined);
    }
    if (aborted && !firstError) return finishAborted(s);
    if (firstError) return finishFailed(s, firstError);
    set(s, 'FINISHED');
  } catch (e) {
    // The connection died under the statement (its session closed, the server went away).
    finishFailed(s, errorText(e));
  } finally {
    cancelHooks.delete(s);
    if (session) await session.release();
    else await conn?.close();
  }
}

function finishAborted(s: DataStatement): void {
  for (const p of s.parts) if (p.status !== 'FINISHED' && p.status !== 'FAILED') endPart(p, 'ABORTED');
  set(s, 'ABORTED');
}

function finishFailed(s: DataStatement, error: StatementError): void {
  const single = !s.batch ? s.parts[0] : undefined;
  if (single && single.status !== 'FAILED') endPart(single, 'FAILED', error);
  for (const p of s.parts) if (p.status !== 'FINISHED' && p.status !== 'FAILED') endPart(p, 'ABORTED');
  s.error = error.text;
  if (error.sqlState) s.sqlState = error.sqlState;
  set(s, 'FAILED');
}
