// What tests steer in the local Data API: how long a statement waits before it is picked and how
// long it takes once started (so a test can catch it SUBMITTED or STARTED, or cancel it; also for
// the statements matching a pattern only, such as a slow COMMIT), the cap
// of active statements (the service's quota: 200 per cluster in the Management Guide's
// considerations), how long results are kept (24 hours on AWS), the size of a GetStatementResult
// page, and faults: the next statement(s) matching a pattern fail on the server, the next call(s)
// of an action fail before they are served.
import { ApiError } from './api-error.js';

export interface DataApiLatency {
  /** Milliseconds a statement stays SUBMITTED before it is picked; default 0. */
  submitMs?: number;
  /** Milliseconds a statement stays STARTED before its SQL runs; default 0. */
  statementMs?: number;
  /** Statements (or batch parts) whose SQL matches wait `ms` more, once started, before they run. */
  match?: string | RegExp;
  ms?: number;
}

export interface StatementFault {
  /** Which SQL fails: a substring or a pattern; default any. */
  match?: string | RegExp;
  /**
   * The server's message, as the statement's Error then reads "ERROR: <message>" (a message that
   * already starts with "ERROR: " is taken as the whole text); default "injected failure".
   */
  message?: string;
  /** The SQLSTATE the server raises it with; default XX000. */
  code?: string;
  /** How many matching statements fail; default 1. */
  times?: number;
}

export interface CallFault {
  /** The error code the SDK names the error by; default InternalServerException. */
  code?: string;
  /** HTTP status; default 500. */
  status?: number;
  message?: string;
  times?: number;
}

export interface DataApiSettings {
  latency?: DataApiLatency;
  /** Statements SUBMITTED, PICKED or STARTED at once before ActiveStatementsExceededException; default 200. */
  maxActiveStatements?: number;
  /** How long a statement and its result stay after it ended; default 24 hours. */
  resultRetentionMs?: number;
  /**
   * A GetStatementResult page: at most this many rows and about this many bytes of records.
   * AWS documents no page size (it pages by itself, not configurably); default 1000 rows / 64 KiB.
   */
  pageRows?: number;
  pageBytes?: number;
}

function matches(match: string | RegExp | undefined, sql: string): boolean {
  return match === undefined || (typeof match === 'string' ? sql.includes(match) : new RegExp(match.source, match.flags.replace('g', '')).test(sql));
}

export class DataApiControls {
  latency = { submitMs: 0, statementMs: 0 };
  private matchedLatency: { match?: string | RegExp; ms: number } | undefined;
  maxActiveStatements = 200;
  pageRows = 1000;
  pageBytes = 64 * 1024;
  private readonly statementFaults: Array<Required<Pick<StatementFault, 'times'>> & StatementFault> = [];
  private readonly callFaults = new Map<string, Array<Required<Pick<CallFault, 'times'>> & CallFault>>();

  apply(s: DataApiSettings): void {
    if (s.latency) this.setLatency(s.latency);
    if (s.maxActiveStatements !== undefined) this.maxActiveStatements = positive(s.maxActiveStatements, 'maxActiveStatements');
    if (s.pageRows !== undefined) this.pageRows = positive(s.pageRows, 'pageRows');
    if (s.pageBytes !== undefined) this.pageBytes = positive(s.pageBytes, 'pageBytes');
  }

  /** Sets the latencies given; undefined puts every one back to none. */
  setLatency(l: DataApiLatency | undefined): void {
    if (l === undefined) {
      this.latency = { submitMs: 0, statementMs: 0 };
      this.matchedLatency = undefined;
      return;
    }
    for (const k of ['submitMs', 'statementMs', 'ms'] as const) {
      const v = l[k];
      if (v !== undefined && !(v >= 0)) throw new Error(`a Data API latency must be zero or more milliseconds, not ${k}=${v}`);
    }
    this.latency = { submitMs: l.submitMs ?? this.latency.submitMs, statementMs: l.statementMs ?? this.latency.statementMs };
    if (l.ms !== undefined) this.matchedLatency = l.ms > 0 ? { ...(l.match !== undefined ? { match: l.match } : {}), ms: l.ms } : undefined;
  }

  /** The extra wait of a statement about to run, when its SQL matches the test's pattern. */
  latencyOf(sql: string): number {
    return this.matchedLatency && matches(this.matchedLatency.match, sql) ? this.matchedLatency.ms : 0;
  }

  failNext(f: StatementFault = {}): void {
    this.statementFaults.push({ ...f, times: f.times ?? 1 });
  }

  /** The fault the statement about to run takes, if one matches (each use counts down). */
  takeStatementFault(sql: string): { message: string; code: string } | undefined {
    const i = this.statementFaults.findIndex((f) => matches(f.match, sql));
    if (i < 0) return undefined;
    const f = this.statementFaults[i]!;
    if (--f.times <= 0) this.statementFaults.splice(i, 1);
    return { message: (f.message ?? 'injected failure').replace(/^\s*ERROR:\s*/, ''), code: f.code ?? 'XX000' };
  }

  failNextCall(action: string, f: CallFault = {}): void {
    const list = this.callFaults.get(action) ?? [];
    list.push({ ...f, times: f.times ?? 1 });
    this.callFaults.set(action, list);
  }

  /** Throws the fault the call takes, if a test set one for its action. */
  checkCall(action: string): void {
    const f = this.callFaults.get(action)?.[0];
    if (!f) return;
    if (--f.times <= 0) this.callFaults.get(action)!.shift();
    throw new ApiError(f.status ?? 500, f.code ?? 'InternalServerException', f.message ?? `injected failure of ${action}`);
  }

  clearFaults(): void {
    this.statementFaults.length = 0;
    this.callFaults.clear();
  }
}

function positive(n: number, name: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, not ${n}`);
  return n;
}
