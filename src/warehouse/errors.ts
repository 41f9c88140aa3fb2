// Classifying what Redshift (or the connection to it) said, so the poller knows whether to retry,
// wait for a person, or first find out whether a COMMIT happened (docs/design.md#error-classes, issue #4).
import { tlsSettingHint } from '../config/tls.js';
import { UnreachableError, WarehouseError, type WarehouseFailureClass } from '../errors.js';

interface PgLikeError {
  code?: string;
  message?: string;
  detail?: string;
  position?: string;
}

const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH']);

/** pg's error when a statement outlived `query_timeout`; the connection is then in an unknown state. */
export function isQueryTimeout(e: unknown): boolean {
  return (e as PgLikeError | undefined)?.message === 'Query read timeout';
}

/** SQLSTATE class 08 (connection exception) and 57P01–57P03: the server ended the session or is not up. */
const CONNECTION_SQLSTATE = /^(08...|57P0[123])$/;

export function isConnectionError(e: unknown): boolean {
  const err = e as PgLikeError;
  return (
    (err?.code !== undefined && (CONNECTION_CODES.has(err.code) || CONNECTION_SQLSTATE.test(err.code))) ||
    isQueryTimeout(e) ||
    /Connection terminated|connection.*(closed|ended)|Client has encountered a connection error|not queryable|timeout expired/i.test(err?.message ?? '')
  );
}

/** The server refused the login itself (a wrong or expired password, an unknown user). */
export function isLoginRefused(e: unknown): boolean {
  const code = e instanceof WarehouseError ? e.server?.code : (e as PgLikeError | undefined)?.code;
  return code === '28P01' || code === '28000';
}

export function classifyWarehouseError(e: unknown, phase: { duringCommit?: boolean; statement?: string } = {}): WarehouseError {
  if (e instanceof WarehouseError) return e;
  const err = (e ?? {}) as PgLikeError;
  const message = err.message ?? String(e);
  let cls: WarehouseFailureClass;
  let hint: string | undefined;
  const tlsHint = tlsSettingHint(e);
  if (tlsHint) {
    // Retrying cannot help: the TLS settings (or the endpoint's name) must change.
    cls = 'environment';
    hint = tlsHint;
  } else if (isConnectionError(e)) {
    cls = phase.duringCommit ? 'unknown-outcome' : 'transient';
    hint = phase.duringCommit
      ? 'the connection was lost during COMMIT: the ledger tells whether the load committed'
      : 'the connection to Redshift was lost; the load was rolled back and will be retried';
  } else if (err.code === '40001' || err.code === '40P01' || /\b1023\b|serializable isolation/i.test(message)) {
    // Redshift reports serializable isolation violations as SQLSTATE XX000 with error 1023 in
    // the text; only the message identifies them.
    cls = 'transient';
    hint = 'a concurrent transaction conflicted; the load will be retried';
  } else if (/NoSuchKey|specified key does not exist|mandatory file/i.test(message)) {
    // A staged object vanished between staging and COPY (an S3 lifecycle rule, a manual purge).
    // Every attempt stages its load afresh, so the retry brings the files back.
    cls = 'transient';
    hint = 'a staged file was missing when COPY read it (S3 lifecycle rule or manual delete?); the load was rolled back and is staged again on retry';
  } else if (/Load into table .* failed|load_error|stl_load_errors|sys_load_error_detail/i.test(message) || err.code?.startsWith('22')) {
    cls = 'data';
    hint = 'a staged row was rejected; the staged files are kept for diagnosis';
  } else if (err.code === '42501' || /permission denied|not authorized|access denied/i.test(message)) {
    cls = 'environment';
    hint = 'grant the ETL user the missing privilege (or check the IAM role of COPY)';
  } else if (err.code?.startsWith('42') || err.code?.startsWith('3F')) {
    cls = 'environment';
    hint = 'a Redshift object is missing or different from what rsetl expects: run `rsetl init-etl` / `rsetl upgrade-schema`';
  } else if (/throttl|too many connections|53300/i.test(message) || err.code === '53300') {
    cls = 'transient';
  } else {
    cls = 'environment';
  }
  const server: WarehouseError['server'] = {};
  if (err.code) server.code = err.code;
  if (err.detail) server.detail = err.detail;
  if (err.position) server.position = err.position;
  return new WarehouseError(`Redshift: ${message}`, cls, {
    cause: e,
    hint,
    server,
    context: phase.statement ? { statement: phase.statement.slice(0, 300) } : {},
  });
}

export function unreachable(what: string, e: unknown): UnreachableError {
  const err = e as PgLikeError;
  return new UnreachableError(`${what} is unreachable: ${err?.message ?? String(e)}`, {
    cause: e,
    hint: 'check the host, port and network path (security group, VPN), and that the server is running',
  });
}
