// The Data API's statements, as the service keeps them: each with its status, its parts (one for
// ExecuteStatement, one per SQL for BatchExecuteStatement, reported as `<id>:<n>`), results kept
// for the retention period (24 hours on AWS) and then gone, and the ClientTokens of the last
// 8 hours (the service's documented token lifetime), so a repeated request is answered with the
// first one's statement instead of running again.
import type { SqlParameter } from './data-api-input.js';
import type { StoredResult } from './data-api-records.js';
import type { DataApiTarget } from './data-api-target.js';

export type StatementStatus = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'FAILED' | 'ABORTED';

export const ACTIVE_STATUSES: ReadonlySet<StatementStatus> = new Set(['SUBMITTED', 'PICKED', 'STARTED']);

/** One SQL text and what running it gave. */
export interface StatementPart {
  sql: string;
  status: StatementStatus;
  error?: string;
  sqlState?: string;
  createdAt: Date;
  updatedAt: Date;
  durationNs: number;
  hasResultSet: boolean;
  resultRows: number;
  resultSize: number;
  redshiftQueryId: number;
  result?: StoredResult;
}

export interface DataStatement {
  id: string;
  batch: boolean;
  parts: StatementPart[];
  name?: string;
  parameters?: SqlParameter[];
  target: DataApiTarget;
  /** The caller's ARN when it was submitted (ListStatements' RoleLevel). */
  caller: string;
  sessionId?: string;
  transaction: boolean;
  status: StatementStatus;
  error?: string;
  sqlState?: string;
  createdAt: Date;
  updatedAt: Date;
  pid: number;
  /** Set by CancelStatement; the runner stops at its next step and cancels what runs. */
  cancelRequested: boolean;
  /** Resolves when the statement reached FINISHED, FAILED or ABORTED. */
  done: Promise<void>;
  /** What ExecuteStatement / BatchExecuteStatement answered, for a repeated ClientToken. */
  submitAnswer?: Record<string, unknown>;
}

export const TOKEN_RETENTION_MS = 8 * 3600_000;

export class StatementStore {
  private readonly statements = new Map<string, DataStatement>();
  private readonly tokens = new Map<string, { request: string; statementId: string; at: number }>();
  retentionMs = 24 * 3600_000;

  add(s: DataStatement): void {
    this.forgetOld();
    this.statements.set(s.id, s);
  }

  /** A statement by its id; a part's id (`<id>:<n>`) gives the statement and the part's index. */
  find(id: string): { statement: DataStatement; part?: number } | undefined {
    this.forgetOld();
    const [base, n] = id.split(':');
    const statement = this.statements.get(base!);
    if (!statement) return undefined;
    if (n === undefined) return { statement };
    const index = Number(n) - 1;
    if (!statement.batch || !Number.isInteger(index) || index < 0 || index >= statement.parts.length) return undefined;
    return { statement, part: index };
  }

  all(): DataStatement[] {
    this.forgetOld();
    return [...this.statements.values()];
  }

  activeCount(): number {
    return this.all().filter((s) => ACTIVE_STATUSES.has(s.status)).length;
  }

  /** The statement a ClientToken was first used for, or 'mismatch' when the token came with another request. */
  byToken(token: string, request: string): DataStatement | 'mismatch' | undefined {
    this.forgetOld();
    const known = this.tokens.get(token);
    if (!known) return undefined;
    if (known.request !== request) return 'mismatch';
    return this.statements.get(known.statementId);
  }

  rememberToken(token: string, request: string, statementId: string): void {
    this.tokens.set(token, { request, statementId, at: Date.now() });
  }

  private forgetOld(): void {
    const now = Date.now();
    for (const [id, s] of this.statements) {
      // Retention runs from the end of a statement; one still running is kept.
      if (!ACTIVE_STATUSES.has(s.status) && now - s.updatedAt.getTime() >= this.retentionMs) this.statements.delete(id);
    }
    for (const [token, t] of this.tokens) if (now - t.at >= TOKEN_RETENTION_MS) this.tokens.delete(token);
  }
}
