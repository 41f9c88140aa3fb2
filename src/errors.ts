// The one error hierarchy of rsetl. Every failure a user can meet is one of these classes; each
// carries a hint for the operator. `cli/exit-codes.ts` is the only place that turns them into
// exit codes and printed messages.

export interface ErrorContext {
  /** Bus id or schema the error happened on. */
  bus?: string | number;
  /** Load id (names the staged S3 objects and the ledger row). */
  loadId?: string;
  /** Extra structured facts (window bounds, staged keys, server fields, ...). */
  [key: string]: unknown;
}

export abstract class RsetlError extends Error {
  /** Short machine name of the error class, stable for --json and the run table. */
  abstract readonly kind: string;
  readonly hint: string | undefined;
  readonly context: ErrorContext;

  constructor(message: string, options: { hint?: string; cause?: unknown; context?: ErrorContext } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.context = options.context ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, message: this.message, hint: this.hint, context: this.context };
  }
}

/** Wrong flags or arguments. */
export class UsageError extends RsetlError {
  readonly kind = 'usage';
}

/** A command exists in the CLI but belongs to a capability that is not built yet. */
export class NotImplementedError extends RsetlError {
  readonly kind = 'not-implemented';
}

/** The configuration file or environment is invalid or incomplete. */
export class ConfigError extends RsetlError {
  readonly kind = 'config';
}

/** A service (PostgreSQL, S3, Redshift) could not be reached at all. */
export class UnreachableError extends RsetlError {
  readonly kind = 'unreachable';
}

/** The credentials work but lack a privilege. */
export class PermissionError extends RsetlError {
  readonly kind = 'permission';
}

/** Reading the outbox or writing the control schema failed. */
export class SourceError extends RsetlError {
  readonly kind = 'source';
}

/** Writing to or reading from S3 failed. */
export class StageError extends RsetlError {
  readonly kind = 'stage';
}

/**
 * Redshift failures, classified so the poller knows what to do:
 * - transient: retry later (serializable isolation 1023, deadlock, lost connection before COMMIT);
 * - data: the window's data cannot load (COPY load error, value out of range) — a person decides;
 * - environment: missing objects, permissions, configuration — fix the environment, then retry;
 * - unknown-outcome: the connection was lost during COMMIT — read the ledger before anything else.
 */
export type WarehouseFailureClass = 'transient' | 'data' | 'environment' | 'unknown-outcome';

export class WarehouseError extends RsetlError {
  readonly kind = 'warehouse';
  readonly failureClass: WarehouseFailureClass;
  /** The server's own fields (SQLSTATE code, detail, position), kept rather than flattened. */
  readonly server: { code?: string; detail?: string; position?: string } | undefined;

  constructor(
    message: string,
    failureClass: WarehouseFailureClass,
    options: { hint?: string; cause?: unknown; context?: ErrorContext; server?: WarehouseError['server'] } = {},
  ) {
    super(message, options);
    this.failureClass = failureClass;
    this.server = options.server;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), failureClass: this.failureClass, server: this.server };
  }
}

/** One event of the outbox cannot be parsed or lacks a required field. Blocks its bus. */
export class EventError extends RsetlError {
  readonly kind = 'event';
  readonly event: { id: string; guid: string | null; time: string; type: string | null };

  constructor(message: string, event: EventError['event'], options: { hint?: string; cause?: unknown } = {}) {
    super(`event ${event.id} (${event.type ?? 'unknown type'}, guid ${event.guid ?? '-'}, ${event.time}): ${message}`, {
      ...options,
      context: { event },
    });
    this.event = event;
  }
}

/**
 * A command needs packages this installation left out: the local stack's optionalDependencies
 * (`rsetl demo`, `rsetl dev up`) after `npm install --omit=optional`. Exit 78, like a
 * configuration error: the installation must change, a retry cannot help.
 */
export class MissingPackageError extends RsetlError {
  readonly kind = 'missing-package';
  /** The npm package names that are not installed. */
  readonly packages: string[];
  constructor(message: string, packages: string[], options: { hint?: string; cause?: unknown; context?: ErrorContext } = {}) {
    super(message, { ...options, context: { packages, ...options.context } });
    this.packages = packages;
  }
}

/** A load was interrupted by SIGINT/SIGTERM at a safe point. */
export class StoppedError extends RsetlError {
  readonly kind = 'stopped';
  readonly signal: 'SIGINT' | 'SIGTERM';
  constructor(signal: 'SIGINT' | 'SIGTERM') {
    super(`stopped by ${signal}`);
    this.signal = signal;
  }
}

export function isRsetlError(e: unknown): e is RsetlError {
  return e instanceof RsetlError;
}

/** The message of anything thrown, without assuming it is an Error. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
