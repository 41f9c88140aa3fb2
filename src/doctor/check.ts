// What every doctor check returns, and the facts the checks hand on to the ones after them (the
// loaded configuration, the open source and Redshift sessions, the bus schemas). A check that
// fails says what it saw (`detail`), the likely cause, and the fix: which config key, which grant,
// which IAM permission.
import type pg from 'pg';
import type { RsetlConfig } from '../config/schema.js';
import type { WarehouseSession } from '../warehouse/session.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export type CheckName = 'config' | 'source' | 's3' | 'redshift' | 'round-trip' | 'buses';

export interface CheckResult {
  name: CheckName;
  status: CheckStatus;
  /** Wall time of the check in milliseconds (0 for a skipped check). */
  ms: number;
  /** What the check saw: one line. */
  detail: string;
  /** For a failure (or a warning): the likely cause. */
  cause?: string;
  /** For a failure (or a warning): what to change — the config key, the grant, the IAM permission. */
  fix?: string;
  /** Structured facts for --json (credential provider, server version, buses, ...). */
  data?: Record<string, unknown>;
}

export type CheckOutcome = Omit<CheckResult, 'name' | 'ms'>;

export const pass = (detail: string, data?: Record<string, unknown>): CheckOutcome => ({ status: 'pass', detail, ...(data && { data }) });

export const fail = (detail: string, cause: string, fix: string, data?: Record<string, unknown>): CheckOutcome => ({
  status: 'fail',
  detail,
  cause,
  fix,
  ...(data && { data }),
});

/** A check that ran but whose outcome is below par without breaking anything (counts as a pass). */
export const warn = (detail: string, cause: string, fix: string, data?: Record<string, unknown>): CheckOutcome => ({
  status: 'warn',
  detail,
  cause,
  fix,
  ...(data && { data }),
});

/** Thrown inside a check to end it with a failure at the point the problem was found. */
export class CheckFailure extends Error {
  constructor(
    readonly detail: string,
    readonly causeText: string,
    readonly fix: string,
  ) {
    super(detail);
  }
}

export interface BusSchema {
  schema: string;
  rootId: string;
  busId: number;
}

/** What earlier checks learned; a later check reads it to decide whether it can run. */
export interface DoctorContext {
  configPath: string | undefined;
  config?: RsetlConfig;
  /** The source connection (check 2), closed by the runner. */
  source?: pg.Client;
  /** The control schema: current, behind the latest migration, or not created yet. */
  controlSchema?: 'current' | 'outdated' | 'absent';
  /** The outbox table is readable with the expected columns. */
  outboxOk?: boolean;
  /** The buses' Redshift schemas, when the control schema could be read. */
  busSchemas?: BusSchema[];
  s3Ok: boolean;
  /** The Redshift session as the ETL user (check 4), closed by the runner. */
  warehouse?: WarehouseSession;
}

export interface Check {
  name: CheckName;
  /** Why the check cannot run given what earlier checks found; undefined when it can. */
  blockedBy(ctx: DoctorContext): string | undefined;
  run(ctx: DoctorContext): Promise<CheckOutcome>;
}

/** Runs a check body; a CheckFailure becomes its failure outcome. */
export async function guarded(body: () => Promise<CheckOutcome>): Promise<CheckOutcome> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof CheckFailure) return fail(e.detail, e.causeText, e.fix);
    throw e;
  }
}

/** A duration for people: `850 ms`, `12 s`, `4.2 h`. */
export function ageText(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}
