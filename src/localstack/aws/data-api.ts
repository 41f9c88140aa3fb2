// The Amazon Redshift Data API (awsJson1_1, `X-Amz-Target: RedshiftData.<Operation>`), served
// closely enough that the real RedshiftDataClient runs unchanged against it: ExecuteStatement,
// BatchExecuteStatement, DescribeStatement, GetStatementResult, CancelStatement, ListStatements,
// with sessions, named parameters, ClientToken idempotency and the service's error answers. SQL
// runs asynchronously on the stand-in, logged in as the request's authentication names
// (data-api-target.ts); data-api-controls.ts is what tests steer.
import { randomUUID } from 'node:crypto';
import { ApiError } from './api-error.js';
import { DataApiControls } from './data-api-controls.js';
import {
  bool,
  checkLengths,
  integer,
  invalid,
  parameters,
  required,
  statementId,
  statementNotFound,
  text,
  type Input,
} from './data-api-input.js';
import { pageEnd } from './data-api-records.js';
import { cancelHooks, runStatement } from './data-api-runner.js';
import { SessionStore, type DataSession } from './data-api-sessions.js';
import { describe, summary } from './data-api-shapes.js';
import { placeholders } from './data-api-sql.js';
import { ACTIVE_STATUSES, StatementStore, type DataStatement, type StatementStatus } from './data-api-statements.js';
import { resolveTarget, type DataApiTarget } from './data-api-target.js';
import { epochSeconds } from './json-protocol.js';
import { AWS_ACTIONS, type AwsAction, type AwsRegistry } from './registry.js';

/** The service's limits on a batch (the model's SqlList) and on one SQL text (the Management Guide). */
const MAX_BATCH_SQLS = 40;
const MAX_SQL_BYTES = 100 * 1024;
const MAX_WAIT_SECONDS = 30;
const DEFAULT_LIST_RESULTS = 100;
const STATUS_FILTERS = new Set(['SUBMITTED', 'PICKED', 'STARTED', 'FINISHED', 'ABORTED', 'FAILED', 'ALL']);

const noResult = () => invalid('Query does not have result. Please check query status with DescribeStatement.');

function encodeToken(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeToken<T>(token: string | undefined, check: (v: T) => boolean): T | undefined {
  if (token === undefined) return undefined;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
    if (v && check(v)) return v;
  } catch {
    // reported below
  }
  throw invalid('The NextToken is invalid');
}

/** A request as compared for ClientToken reuse: its members without the token, in a stable order. */
function canonical(input: Input): string {
  const { ClientToken: _token, ...rest } = input;
  return JSON.stringify(Object.keys(rest).sort().map((k) => [k, rest[k]]));
}

/** The role a caller acts as (RoleLevel): an assumed role's session is its role; users and roles are themselves. */
function roleOf(arn: string): string {
  const m = /^arn:aws[\w-]*:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn);
  return m ? `arn:aws:iam::${m[1]}:role/${m[2]}` : arn;
}

function waitFor(s: DataStatement, seconds: number | undefined): Promise<void> {
  if (!seconds || !ACTIVE_STATUSES.has(s.status)) return Promise.resolve();
  return Promise.race([s.done, new Promise<void>((r) => setTimeout(r, seconds * 1000).unref())]);
}

export class DataApi {
  readonly controls = new DataApiControls();
  readonly statements = new StatementStore();
  readonly sessions = new SessionStore();
  private queryId = 1000;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly registry: AwsRegistry) {}

  async handle(action: string, input: Input): Promise<unknown> {
    const iamAction = `redshift-data:${action}`;
    if (!(AWS_ACTIONS as readonly string[]).includes(iamAction)) {
      throw new ApiError(400, 'UnknownOperationException', `Unknown operation RedshiftData.${action}`);
    }
    this.registry.authorize(iamAction as AwsAction, this.resourceOf(input, action));
    this.controls.checkCall(iamAction);
    switch (action) {
      case 'ExecuteStatement':
        return this.submit(input, false);
      case 'BatchExecuteStatement':
        return this.submit(input, true);
      case 'DescribeStatement':
        return this.describeStatement(input);
      case 'GetStatementResult':
        return this.getStatementResult(input);
      case 'CancelStatement':
        return this.cancelStatement(input);
      default:
        return this.listStatements(input);
    }
  }

  /** The resource IAM names in a denial: the cluster or workgroup a statement runs on. */
  private resourceOf(input: Input, action: string): string {
    if (action !== 'ExecuteStatement' && action !== 'BatchExecuteStatement') return '*';
    const { region, account } = this.registry;
    const cluster = input.ClusterIdentifier;
    const workgroup = input.WorkgroupName;
    if (typeof cluster === 'string') return `arn:aws:redshift:${region}:${account}:cluster:${cluster}`;
    if (typeof workgroup === 'string') {
      if (workgroup.startsWith('arn:')) return workgroup;
      const id = this.registry.workgroups.get(workgroup)?.id ?? workgroup;
      return `arn:aws:redshift-serverless:${region}:${account}:workgroup/${id}`;
    }
    return '*';
  }

  private async submit(input: Input, batch: boolean): Promise<unknown> {
    checkLengths(input);
    const sqls = batch ? this.sqlList(input) : [required(input, 'Sql')];
    for (const sql of sqls) {
      if (Buffer.byteLength(sql) > MAX_SQL_BYTES) throw invalid(`The SQL statement is larger than the maximum of ${MAX_SQL_BYTES / 1024} KB`);
    }
    const params = parameters(input);
    if (params) {
      const named = new Set(sqls.flatMap((sql) => [...placeholders(sql)]));
      const unused = params.find((p) => !named.has(p.name));
      if (unused) throw invalid(`Parameter ${unused.name} is not used in the SQL statement`);
    }
    const keepAlive = integer(input, 'SessionKeepAliveSeconds', 0, 86_400);
    const sessionId = input.SessionId === undefined || input.SessionId === null ? undefined : statementId(input, 'SessionId');
    const wait = integer(input, 'WaitTimeSeconds', 0, MAX_WAIT_SECONDS);
    const format = text(input, 'ResultFormat');
    if (format !== undefined && format !== 'JSON') throw invalid(`ResultFormat ${format} is not served by the local Data API; use JSON`);
    const mode = batch ? (text(input, 'ExecutionMode') ?? 'TRANSACTION') : 'TRANSACTION';
    if (mode !== 'TRANSACTION' && mode !== 'AUTO_COMMIT') throw invalid(`ExecutionMode must be TRANSACTION or AUTO_COMMIT, not ${mode}`);
    bool(input, 'WithEvent');
    const name = text(input, 'StatementName');

    const token = text(input, 'ClientToken');
    const request = canonical(input);
    if (token !== undefined) {
      const first = this.statements.byToken(token, request);
      if (first === 'mismatch') throw invalid(`The ClientToken ${token} was already used with a different request`);
      if (first?.submitAnswer) return first.submitAnswer;
    }
    if (this.statements.activeCount() >= this.controls.maxActiveStatements) {
      throw new ApiError(400, 'ActiveStatementsExceededException', `Active statements exceeded the limit of ${this.controls.maxActiveStatements}.`);
    }

    let session: DataSession | undefined;
    let target: DataApiTarget;
    if (sessionId !== undefined) {
      session = this.sessions.get(sessionId);
      target = session.target;
    } else {
      target = resolveTarget(input, this.registry);
    }
    const id = randomUUID();
    if (!session && keepAlive) session = this.sessions.open(target, keepAlive);
    session?.acquire(id, keepAlive);

    const now = new Date();
    let markDone!: () => void;
    const statement: DataStatement = {
      id,
      batch,
      parts: sqls.map((sql) => ({
        sql,
        status: 'SUBMITTED',
        createdAt: now,
        updatedAt: now,
        durationNs: 0,
        hasResultSet: false,
        resultRows: 0,
        resultSize: 0,
        redshiftQueryId: 0,
      })),
      ...(name !== undefined ? { name } : {}),
      ...(params ? { parameters: params } : {}),
      target,
      caller: this.registry.caller,
      ...(session ? { sessionId: session.id } : {}),
      transaction: mode === 'TRANSACTION',
      status: 'SUBMITTED',
      createdAt: now,
      updatedAt: now,
      pid: 0,
      cancelRequested: false,
      done: new Promise<void>((r) => (markDone = r)),
    };
    statement.submitAnswer = {
      Id: id,
      CreatedAt: epochSeconds(now),
      Database: target.database,
      ...(target.dbUser !== undefined ? { DbUser: target.dbUser } : {}),
      ...(target.clusterIdentifier !== undefined ? { ClusterIdentifier: target.clusterIdentifier } : {}),
      ...(target.workgroupName !== undefined ? { WorkgroupName: target.workgroupName } : {}),
      ...(target.secretArn !== undefined ? { SecretArn: target.secretArn } : {}),
      ...(session ? { SessionId: session.id } : {}),
    };
    this.statements.add(statement);
    if (token !== undefined) this.statements.rememberToken(token, request, id);
    const run = runStatement(statement, session, { controls: this.controls, nextQueryId: () => ++this.queryId })
      .catch(() => undefined)
      .finally(() => {
        markDone();
        this.running.delete(run);
      });
    this.running.add(run);
    if (wait === undefined) return statement.submitAnswer;
    await waitFor(statement, wait);
    return { ...statement.submitAnswer, Status: statement.status, RedshiftPid: statement.pid, HasResultSet: statement.parts.some((p) => p.hasResultSet) };
  }

  private sqlList(input: Input): string[] {
    const v = input.Sqls;
    if (!Array.isArray(v) || v.length < 1 || v.length > MAX_BATCH_SQLS) {
      throw invalid(`Sqls must contain between 1 and ${MAX_BATCH_SQLS} SQL statements`);
    }
    if (v.some((s) => typeof s !== 'string')) throw invalid('Sqls must be strings');
    return v as string[];
  }

  private find(input: Input): { statement: DataStatement; part?: number } {
    const id = statementId(input);
    const found = this.statements.find(id);
    if (!found) throw statementNotFound(id);
    return found;
  }

  private async describeStatement(input: Input): Promise<unknown> {
    const found = this.find(input);
    await waitFor(found.statement, integer(input, 'WaitTimeSeconds', 0, MAX_WAIT_SECONDS));
    return describe(found.statement, found.part);
  }

  private async getStatementResult(input: Input): Promise<unknown> {
    const { statement, part } = this.find(input);
    await waitFor(statement, integer(input, 'WaitTimeSeconds', 0, MAX_WAIT_SECONDS));
    // A batch as a whole has no one result: its parts have theirs (`<id>:<n>`).
    if (statement.batch && part === undefined) throw noResult();
    const p = statement.parts[part ?? 0]!;
    if ((!statement.batch && statement.status !== 'FINISHED') || p.status !== 'FINISHED' || !p.result) throw noResult();
    const result = p.result;
    const token = decodeToken<{ id: string; offset: number }>(text(input, 'NextToken'), (t) => t.id === input.Id && Number.isInteger(t.offset) && t.offset >= 0 && t.offset <= result.records.length);
    const offset = token?.offset ?? 0;
    const end = pageEnd(result, offset, this.controls.pageRows, this.controls.pageBytes);
    return {
      Records: result.records.slice(offset, end),
      ColumnMetadata: result.columns,
      TotalNumRows: result.records.length,
      ...(end < result.records.length ? { NextToken: encodeToken({ id: input.Id, offset: end }) } : {}),
    };
  }

  private async cancelStatement(input: Input): Promise<unknown> {
    const { statement } = this.find(input);
    if (!ACTIVE_STATUSES.has(statement.status) || statement.cancelRequested) {
      const state = statement.cancelRequested && ACTIVE_STATUSES.has(statement.status) ? 'ABORTED' : statement.status;
      throw invalid(`Could not cancel a query that is already in ${state} state with ID: ${statement.id}`);
    }
    const hook = cancelHooks.get(statement);
    statement.cancelRequested = true;
    hook?.();
    return { Status: true };
  }

  private listStatements(input: Input): unknown {
    const max = integer(input, 'MaxResults', 0, 100) || DEFAULT_LIST_RESULTS;
    const prefix = text(input, 'StatementName');
    const status = text(input, 'Status');
    if (status !== undefined && !STATUS_FILTERS.has(status)) throw invalid(`Status must be one of ${[...STATUS_FILTERS].join(', ')}`);
    const roleLevel = bool(input, 'RoleLevel') ?? true;
    const cluster = text(input, 'ClusterIdentifier');
    const workgroup = text(input, 'WorkgroupName');
    const database = text(input, 'Database');
    if (cluster !== undefined && workgroup !== undefined) throw invalid('Only one of ClusterIdentifier or WorkgroupName can be specified');
    // The service's documentation: "By default, only finished statements are shown."
    const wanted = status ?? 'FINISHED';
    const caller = this.registry.caller;
    const mine = (s: DataStatement) => (roleLevel ? roleOf(s.caller) === roleOf(caller) : s.caller === caller);
    const listed = this.statements
      .all()
      .filter(
        (s) =>
          mine(s) &&
          (wanted === 'ALL' || s.status === (wanted as StatementStatus)) &&
          (prefix === undefined || (s.name ?? '').startsWith(prefix)) &&
          (cluster === undefined || s.target.clusterIdentifier === cluster) &&
          (workgroup === undefined || s.target.workgroupName === workgroup) &&
          (database === undefined || s.target.database === database),
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : 1));
    const token = decodeToken<{ offset: number }>(text(input, 'NextToken'), (t) => Number.isInteger(t.offset) && t.offset >= 0);
    const offset = token?.offset ?? 0;
    const page = listed.slice(offset, offset + max);
    return {
      Statements: page.map(summary),
      ...(offset + max < listed.length ? { NextToken: encodeToken({ offset: offset + max }) } : {}),
    };
  }

  /** Cancels what runs, waits for it, and closes every session's connection. */
  async close(): Promise<void> {
    for (const s of this.statements.all()) {
      if (!ACTIVE_STATUSES.has(s.status)) continue;
      s.cancelRequested = true;
      cancelHooks.get(s)?.();
    }
    await Promise.all([...this.running]);
    await this.sessions.closeAll();
  }
}
