// A Redshift session over the Redshift Data API (redshift.transport "data-api"): HTTPS and IAM,
// no network path to port 5439. Design and reasoning: docs/dba.md#data-api.
//
// One rsetl session is one Data API session (SessionKeepAliveSeconds on the first statement, then
// SessionId): its statements run in order on one database session, so temp tables, SET and an
// explicit BEGIN … COMMIT span calls exactly as on a pg connection. Every statement is submitted
// with ExecuteStatement and then awaited with DescribeStatement's long polling (WaitTimeSeconds);
// a result set is read with GetStatementResult, page by page. A busy cluster's throttling
// (ActiveStatementsExceededException, HTTP 429) is waited out. The Data API reports a failed
// statement as text ("ERROR: …", no SQLSTATE): the code is recovered from the text where Redshift's
// wording is known (data-api-errors.ts), so errors map to rsetl's classes as they do over pg.
import { randomUUID } from 'node:crypto';
import type { DescribeStatementCommandOutput, ExecuteStatementCommandInput, Field, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { awsClientConfig } from '../../aws/clients.js';
import { redshiftDataSdk } from '../../aws/sdk.js';
import { awsFailure } from '../../aws/errors.js';
import { StoppedError, WarehouseError } from '../../errors.js';
import { classifyWarehouseError } from '../errors.js';
import type { LoginSettings } from '../login/login-settings.js';
import { pgErrorFromDataApi } from './data-api-errors.js';
import { dataApiSql } from './data-api-params.js';
import type { SqlDriver, StatementResult } from './driver.js';
import { crashPoint } from '../../crash-points.js';

const TERMINAL = new Set(['FINISHED', 'FAILED', 'ABORTED']);
const LONG_POLL_SECONDS = 2;
const THROTTLED = new Set(['ActiveStatementsExceededException', 'ActiveSessionsExceededException', 'ThrottlingException', 'TooManyRequestsException']);

export interface DataApiOptions {
  keepAliveSeconds: number;
  /** The longest one statement may run before rsetl cancels it (redshift.statementTimeoutSeconds). */
  statementTimeoutMs: number;
  shouldStop?: () => boolean;
}

/** Where the statements go and who runs them, in the Data API's own parameters. */
function target(s: LoginSettings): Pick<ExecuteStatementCommandInput, 'ClusterIdentifier' | 'DbUser' | 'WorkgroupName' | 'SecretArn' | 'Database'> {
  const database = s.database !== undefined ? { Database: s.database } : {};
  switch (s.mode) {
    case 'iam':
      return { ClusterIdentifier: s.clusterIdentifier, ...(s.user !== undefined && { DbUser: s.user }), ...database };
    case 'serverless':
      return { WorkgroupName: s.workgroup, ...database };
    case 'secret':
      return { SecretArn: s.secretArn, ...(s.workgroup ? { WorkgroupName: s.workgroup } : { ClusterIdentifier: s.clusterIdentifier }), ...database };
    default:
      throw new Error(`the Data API cannot log in with redshift.auth "${s.mode}"`);
  }
}

/** Who a Data API session runs as, for doctor and -v. */
export function describeDataApiLogin(s: LoginSettings): string {
  if (s.mode === 'iam') return s.user !== undefined ? `IAM:${s.user} on cluster ${s.clusterIdentifier}` : `the caller's IAM identity on cluster ${s.clusterIdentifier}`;
  if (s.mode === 'serverless') return `the caller's IAM identity on workgroup ${s.workgroup}`;
  return `the user of secret ${s.secretArn}`;
}

/** A Data API value as pg would give it for that column type (text for int8, numeric and times). */
function value(f: Field, typeName: string | undefined): unknown {
  if (f.isNull) return null;
  if (f.booleanValue !== undefined) return f.booleanValue;
  if (f.longValue !== undefined) return /^(int8|bigint|numeric|decimal)$/i.test(typeName ?? '') ? String(f.longValue) : f.longValue;
  if (f.doubleValue !== undefined) return /^(numeric|decimal)$/i.test(typeName ?? '') ? String(f.doubleValue) : f.doubleValue;
  if (f.stringValue !== undefined) {
    if (/^(int2|int4|smallint|integer)$/i.test(typeName ?? '')) return Number(f.stringValue);
    if (/^(bool|boolean)$/i.test(typeName ?? '')) return f.stringValue === 't' || f.stringValue === 'true';
    if (/^timestamptz$/i.test(typeName ?? '')) return new Date(f.stringValue);
    return f.stringValue;
  }
  if (f.blobValue !== undefined) return Buffer.from(f.blobValue);
  return null;
}

export class DataApiDriver implements SqlDriver {
  private sessionId: string | undefined;
  /** StatementName of the statements (rsetl:<load id> during a load), for ListStatements. */
  private statementName = 'rsetl';

  label(name: string): void {
    this.statementName = name.slice(0, 500);
  }

  constructor(
    private readonly client: RedshiftDataClient,
    private readonly settings: LoginSettings,
    private readonly options: DataApiOptions,
  ) {}

  static open(settings: LoginSettings, options: DataApiOptions): DataApiDriver {
    return new DataApiDriver(new (redshiftDataSdk().RedshiftDataClient)(awsClientConfig(settings.aws)), settings, options);
  }

  async query<R>(sql: string, params: unknown[] = [], phase: { duringCommit?: boolean } = {}): Promise<StatementResult<R>> {
    const { Sql, Parameters } = dataApiSql(sql, params);
    const input: ExecuteStatementCommandInput = {
      Sql,
      ...(Parameters.length > 0 && { Parameters }),
      StatementName: this.statementName,
      // The SDK retries a call with the same token: a retried submission never runs twice.
      ClientToken: randomUUID(),
      ...(this.sessionId ? { SessionId: this.sessionId } : { ...target(this.settings), SessionKeepAliveSeconds: this.options.keepAliveSeconds }),
    };
    const id = await this.submit(input, sql);
    if (phase.duringCommit) crashPoint('commit-submitted');
    const described = await this.await(id, sql, phase);
    if (described.Status !== 'FINISHED') {
      const message = described.Error ?? `statement ${described.Status?.toLowerCase() ?? 'failed'}`;
      throw classifyWarehouseError(pgErrorFromDataApi(message), { ...phase, statement: sql });
    }
    const rowCount = described.ResultRows !== undefined && described.ResultRows >= 0 ? described.ResultRows : null;
    if (!described.HasResultSet) return { rows: [], rowCount, fields: [] };
    return this.results<R>(id, rowCount);
  }

  private async submit(input: ExecuteStatementCommandInput, sql: string): Promise<string> {
    for (let wait = 200; ; wait = Math.min(wait * 2, 10_000)) {
      try {
        const r = await this.client.send(new (redshiftDataSdk().ExecuteStatementCommand)(input));
        if (r.SessionId) this.sessionId = r.SessionId;
        return r.Id!;
      } catch (e) {
        const name = (e as { name?: string }).name ?? '';
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (THROTTLED.has(name) || status === 429) {
          await new Promise((r) => setTimeout(r, wait));
          continue;
        }
        throw this.apiFailure(e, 'redshift-data:ExecuteStatement', sql);
      }
    }
  }

  /** Waits for a terminal status; cancels the statement when asked to stop (never a COMMIT) or when it runs too long. */
  private async await(id: string, sql: string, phase: { duringCommit?: boolean }): Promise<DescribeStatementCommandOutput> {
    const deadline = Date.now() + this.options.statementTimeoutMs;
    for (;;) {
      let d: DescribeStatementCommandOutput;
      try {
        // Long polling: the answer comes as soon as the statement ends, or after LONG_POLL_SECONDS
        // (short enough to notice a stop request between two waits).
        d = await this.client.send(new (redshiftDataSdk().DescribeStatementCommand)({ Id: id, WaitTimeSeconds: LONG_POLL_SECONDS }));
      } catch (e) {
        // Not knowing how a COMMIT ended is the unknown outcome the ledger settles.
        const err = this.apiFailure(e, 'redshift-data:DescribeStatement', sql);
        if (phase.duringCommit && err instanceof WarehouseError) throw new WarehouseError(err.message, 'unknown-outcome', { cause: e, context: err.context });
        throw err;
      }
      if (TERMINAL.has(d.Status ?? '')) return d;
      // A stop cancels the work, never the statement that ends a transaction (COMMIT or ROLLBACK).
      if (!phase.duringCommit && !/^\s*(ROLLBACK|COMMIT|END)\b/i.test(sql) && this.options.shouldStop?.()) {
        await this.cancel(id);
        throw new StoppedError('SIGTERM');
      }
      if (Date.now() > deadline) {
        if (!phase.duringCommit) await this.cancel(id);
        throw new WarehouseError(`Redshift: the statement ran longer than redshift.statementTimeoutSeconds and was ${phase.duringCommit ? 'left to finish' : 'cancelled'}`, phase.duringCommit ? 'unknown-outcome' : 'transient', {
          context: { statement: sql.slice(0, 300), dataApiStatementId: id },
        });
      }
    }
  }

  private async cancel(id: string): Promise<void> {
    await this.client.send(new (redshiftDataSdk().CancelStatementCommand)({ Id: id })).catch(() => undefined);
  }

  private async results<R>(id: string, rowCount: number | null): Promise<StatementResult<R>> {
    const rows: R[] = [];
    let fields: Array<{ name: string; typeName?: string | undefined }> = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new (redshiftDataSdk().GetStatementResultCommand)({ Id: id, ...(token && { NextToken: token }) }));
      if (page.ColumnMetadata?.length) fields = page.ColumnMetadata.map((c) => ({ name: c.label ?? c.name ?? '', typeName: c.typeName }));
      for (const record of page.Records ?? []) {
        const row: Record<string, unknown> = {};
        record.forEach((f, i) => (row[fields[i]?.name ?? String(i)] = value(f, fields[i]?.typeName)));
        rows.push(row as R);
      }
      token = page.NextToken;
    } while (token);
    return { rows, rowCount: rowCount ?? rows.length, fields: fields.map((f) => ({ name: f.name })) };
  }

  /** An AWS-level failure (not the SQL's): a denied action, a missing cluster, the API unreachable. */
  private apiFailure(e: unknown, action: string, sql: string): Error {
    const mapped = awsFailure(e, { action, region: this.settings.aws.region, resource: describeDataApiLogin(this.settings) });
    if (mapped instanceof Error && mapped !== e) return mapped;
    return classifyWarehouseError(e, { statement: sql });
  }

  async close(): Promise<void> {
    // The Data API has no call that ends a session: it ends after its keep-alive. Nothing of ours
    // is left open in it (every transaction of rsetl's ends with COMMIT or ROLLBACK).
    this.client.destroy();
  }

  destroy(): void {
    this.client.destroy();
  }
}
