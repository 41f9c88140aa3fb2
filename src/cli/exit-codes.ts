// THE one place that turns errors into exit codes and printed messages (sysexits where they fit).
// rsetl's own errors carry their class; raw errors that escape from pg or the AWS SDK are
// classified by their code (SQLSTATE, errno, AWS error name). Every text is redacted here.
import { CommanderError } from 'commander';
import { redact, redactText } from '../config/redact.js';
import { tlsSettingHint } from '../config/tls.js';
import {
  ConfigError,
  MissingPackageError,
  NotImplementedError,
  PermissionError,
  RsetlError,
  StoppedError,
  UnreachableError,
  UsageError,
  WarehouseError,
  messageOf,
} from '../errors.js';

export const EXIT = {
  OK: 0,
  /** A bus failed or is blocked, a schema upgrade failed. */
  FAILED: 1,
  USAGE: 64,
  UNREACHABLE: 69,
  /** A bug: an error rsetl does not know. */
  INTERNAL: 70,
  PERMISSION: 77,
  /** The configuration is wrong, or the installation lacks a package the command needs. */
  CONFIG: 78,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

export interface ErrorDescription {
  code: number;
  kind: string;
  message: string;
  hint?: string;
  details?: unknown;
}

/** Commander's "help or version was shown" outcomes, which end the process successfully. */
const COMMANDER_DONE = new Set(['commander.helpDisplayed', 'commander.version']);

/**
 * Commander's usage errors become UsageError (exit 64; commander itself would exit 1).
 * Returns undefined when help or the version was displayed: exit 0.
 * Commander has already printed its own message unless the program silences it with
 * `configureOutput({ outputError: () => {} })`, which lets --json print the error once.
 */
export function usageErrorFromCommander(e: CommanderError): UsageError | undefined {
  if (COMMANDER_DONE.has(e.code) || (e.code === 'commander.help' && e.exitCode === 0)) return undefined;
  const message = e.code === 'commander.help' ? 'a command is required (see the help above)' : e.message.replace(/^error:\s*/i, '');
  return new UsageError(message, { hint: 'run with --help for the usage', cause: e });
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const UNREACHABLE_MESSAGES = /timeout expired|connection timeout|Connection terminated|not queryable/i;
/** SQLSTATE class 08 (connection exception) and 57P01–57P03 (the server shut down or is starting). */
const UNREACHABLE_SQLSTATE = /^(08...|57P0[123])$/;
const PERMISSION_SQLSTATES = new Set(['42501', '28000', '28P01']);
const PERMISSION_AWS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidClientTokenId',
  'Forbidden',
]);
const CONFIG_AWS = new Set(['CredentialsProviderError', 'NoSuchBucket', 'PermanentRedirect']);

type Raw = { code?: unknown; name?: unknown; message?: unknown; errors?: unknown; cause?: unknown; $metadata?: { httpStatusCode?: number } };

/** The error, its causes and (for AggregateError, as from a dual-stack connect) its members. */
function chain(e: unknown, depth = 0): Raw[] {
  if (e === null || typeof e !== 'object' || depth > 5) return [];
  const raw = e as Raw;
  const members = Array.isArray(raw.errors) ? raw.errors.flatMap((m) => chain(m, depth + 1)) : [];
  return [raw, ...members, ...chain(raw.cause, depth + 1)];
}

/** The class of a raw (non-rsetl) error from pg, Node or the AWS SDK; undefined when unknown. */
function classifyRaw(e: unknown): { code: number; kind: string; hint: string } | undefined {
  const tls = tlsSettingHint(e);
  if (tls) return { code: EXIT.CONFIG, kind: 'config', hint: tls };
  for (const r of chain(e)) {
    const code = typeof r.code === 'string' ? r.code : undefined;
    const name = typeof r.name === 'string' ? r.name : undefined;
    if ((code && (UNREACHABLE_CODES.has(code) || UNREACHABLE_SQLSTATE.test(code))) || name === 'TimeoutError' || UNREACHABLE_MESSAGES.test(String(r.message ?? ''))) {
      return { code: EXIT.UNREACHABLE, kind: 'unreachable', hint: 'check the host, port, network route and security group' };
    }
    if ((code && PERMISSION_SQLSTATES.has(code)) || (name && PERMISSION_AWS.has(name)) || r.$metadata?.httpStatusCode === 403) {
      return { code: EXIT.PERMISSION, kind: 'permission', hint: 'the credentials work but lack a privilege, or are wrong' };
    }
    if (name && CONFIG_AWS.has(name)) {
      return { code: EXIT.CONFIG, kind: 'config', hint: 'check the s3 section of the configuration and the AWS credentials' };
    }
  }
  return undefined;
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof CommanderError) {
    const usage = usageErrorFromCommander(e);
    return usage === undefined ? EXIT.OK : EXIT.USAGE;
  }
  if (e instanceof StoppedError) return e.signal === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM;
  if (e instanceof UsageError || e instanceof NotImplementedError) return EXIT.USAGE;
  // A package the command needs was left out of the installation (--omit=optional): fixed by
  // installing it, as a configuration is fixed by editing it; no retry helps (so not 69).
  if (e instanceof ConfigError || e instanceof MissingPackageError) return EXIT.CONFIG;
  if (e instanceof UnreachableError) return EXIT.UNREACHABLE;
  if (e instanceof PermissionError) return EXIT.PERMISSION;
  // A refused login (wrong password, unknown user) is a permission problem wherever it surfaced.
  if (e instanceof WarehouseError && e.server?.code && PERMISSION_SQLSTATES.has(e.server.code)) return EXIT.PERMISSION;
  // A refused certificate (or a server without TLS) is fixed in redshift.ssl / sslRootCert, not by a retry.
  if (e instanceof WarehouseError && tlsSettingHint(e.cause)) return EXIT.CONFIG;
  // WarehouseError, SourceError, StageError, EventError: the work failed.
  if (e instanceof RsetlError) return EXIT.FAILED;
  return classifyRaw(e)?.code ?? EXIT.INTERNAL;
}

function rsetlDetails(e: RsetlError): Record<string, unknown> | undefined {
  const details: Record<string, unknown> = { ...e.context };
  if (e instanceof WarehouseError) {
    details.failureClass = e.failureClass;
    if (e.server) details.server = e.server;
  }
  if (e.cause !== undefined && !(e.cause instanceof CommanderError)) details.cause = messageOf(e.cause);
  return Object.keys(details).length > 0 ? details : undefined;
}

/** Server fields of a raw pg error (SQLSTATE, detail, ...) or the AWS request id, when present. */
function rawDetails(e: unknown): Record<string, unknown> | undefined {
  if (e === null || typeof e !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const k of ['code', 'detail', 'hint', 'position', 'schema', 'table', 'column', 'constraint', 'routine']) {
    const v = (e as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  const meta = (e as Raw).$metadata as { httpStatusCode?: number; requestId?: string } | undefined;
  if (meta?.httpStatusCode !== undefined) out.httpStatusCode = meta.httpStatusCode;
  if (meta?.requestId !== undefined) out.requestId = meta.requestId;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * What to print for an error: exit code, kind, message, hint and structured details, all
 * redacted. The stack of an unexpected error is included only with RSETL_DEBUG=1.
 */
export function describeError(e: unknown, env: NodeJS.ProcessEnv = process.env): ErrorDescription {
  const err = e instanceof CommanderError ? (usageErrorFromCommander(e) ?? e) : e;
  const code = exitCodeFor(err);
  const clean = <T>(d: ErrorDescription & { details?: T }): ErrorDescription => ({
    code: d.code,
    kind: d.kind,
    message: redactText(d.message),
    ...(d.hint !== undefined && { hint: redactText(d.hint) }),
    ...(d.details !== undefined && { details: redact(d.details) }),
  });
  if (err instanceof RsetlError) {
    return clean({ code, kind: err.kind, message: err.message, hint: err.hint, details: rsetlDetails(err) });
  }
  if (err instanceof CommanderError) return { code, kind: 'ok', message: '' };
  const raw = classifyRaw(err);
  if (raw) return clean({ code, kind: raw.kind, message: messageOf(err), hint: raw.hint, details: rawDetails(err) });
  const debug = env.RSETL_DEBUG === '1';
  const stack = err instanceof Error ? err.stack : undefined;
  return clean({
    code,
    kind: 'internal',
    message: `unexpected error: ${messageOf(err)}`,
    hint: debug ? 'this is a bug in rsetl; please report it with the stack below' : 'this is a bug in rsetl; rerun with RSETL_DEBUG=1 to see the stack, and report it',
    details: debug && stack ? { stack } : rawDetails(err),
  });
}
