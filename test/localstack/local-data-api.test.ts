// The local Redshift Data API through the real RedshiftDataClient (endpoint set to the local AWS
// server, dummy keys), running SQL on the real stand-in of a local stack: each operation's answers
// and error shapes, sessions, batches, typed results and paging, cancel, idempotency, listing,
// result expiry, and what tests steer (latency, the active-statement quota, faults, call counts).
import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  ListDatabasesCommand,
  ListStatementsCommand,
  RedshiftDataClient,
  ResourceNotFoundException,
  ValidationException,
  paginateGetStatementResult,
  type DescribeStatementResponse,
  type ExecuteStatementInput,
} from '@aws-sdk/client-redshift-data';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_ADMIN_SECRET_ARN,
  LOCAL_BUCKET,
  LOCAL_CLUSTER_ID,
  LOCAL_IAM_ROLE,
  LOCAL_WORKGROUP,
  startLocalStack,
  type LocalStack,
} from '../../src/localstack/stack.js';
import { newDatabase } from '../support/databases.js';
import { waitFor } from '../support/wait-for.js';

let dir: string;
let stack: LocalStack;
let data: RedshiftDataClient;
let backing: pg.Client;
let database: string;
let admin: string;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rsetl-test-data-api-'));
  const backingUrl = await newDatabase('dapi');
  stack = await startLocalStack({ dataDir: dir, sourceUrl: await newDatabase('dapisrc'), backingUrl, createOutbox: false });
  const u = new URL(stack.redshiftUrl);
  database = decodeURIComponent(u.pathname.slice(1));
  admin = decodeURIComponent(u.username);
  data = new RedshiftDataClient({ endpoint: stack.dataApiEndpoint, region: 'us-east-1', credentials: stack.aws.credentials });
  backing = new pg.Client({ connectionString: backingUrl });
  await backing.connect();
});

afterAll(async () => {
  data?.destroy();
  await backing?.end();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  // What a test steers is put back, even when it failed half-way.
  stack.aws.dataApi.setLatency(undefined);
  stack.aws.dataApi.setMaxActiveStatements(200);
  stack.aws.dataApi.setResultRetention(24 * 3600_000);
  stack.aws.dataApi.setPageLimits({ rows: 1000, bytes: 64 * 1024 });
  stack.aws.dataApi.clearFaults();
});

/** The cluster as its admin, logged in with a temporary password (ClusterIdentifier + DbUser). */
const asAdmin = () => ({ ClusterIdentifier: LOCAL_CLUSTER_ID, Database: database, DbUser: admin });

async function submit(Sql: string, extra: Partial<ExecuteStatementInput> = {}): Promise<string> {
  return (await data.send(new ExecuteStatementCommand({ ...asAdmin(), Sql, ...extra }))).Id!;
}

/** Polls DescribeStatement until the statement ended, as a Data API client does. */
async function ended(Id: string, timeoutMs = 30_000): Promise<DescribeStatementResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await data.send(new DescribeStatementCommand({ Id }));
    if (d.Status === 'FINISHED' || d.Status === 'FAILED' || d.Status === 'ABORTED') return d;
    if (Date.now() > deadline) throw new Error(`statement ${Id} still ${d.Status}`);
    await sleep(25);
  }
}

async function statusBecomes(Id: string, status: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await data.send(new DescribeStatementCommand({ Id }))).Status !== status) {
    if (Date.now() > deadline) throw new Error(`statement ${Id} never became ${status}`);
    await sleep(20);
  }
}

async function run(Sql: string, extra: Partial<ExecuteStatementInput> = {}): Promise<DescribeStatementResponse> {
  return ended(await submit(Sql, extra));
}

async function rows(Id: string): Promise<unknown[][]> {
  return (await data.send(new GetStatementResultCommand({ Id }))).Records!.map((r) => r.map((f) => Object.values(f)[0]));
}

interface AwsFailure {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
  ResourceId?: string;
}

async function failure(p: Promise<unknown>): Promise<AwsFailure> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: AwsFailure) => e,
  );
}

async function warehouse(sql: string): Promise<Record<string, unknown>[]> {
  return (await backing.query(sql)).rows;
}

describe('ExecuteStatement and DescribeStatement', () => {
  it('answers at once with the Id and the target, runs the SQL in the background, and describes it', async () => {
    const before = Date.now();
    const r = await data.send(new ExecuteStatementCommand({ ...asAdmin(), Sql: 'select 41 + 1 as answer', StatementName: 'first' }));
    expect(r.Id).toMatch(UUID);
    expect(r).toMatchObject({ ClusterIdentifier: LOCAL_CLUSTER_ID, Database: database, DbUser: admin });
    expect(r.SessionId).toBeUndefined();
    expect(r.CreatedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const d = await ended(r.Id!);
    expect(d).toMatchObject({
      Id: r.Id,
      Status: 'FINISHED',
      QueryString: 'select 41 + 1 as answer',
      HasResultSet: true,
      ResultRows: 1,
      ClusterIdentifier: LOCAL_CLUSTER_ID,
      Database: database,
      DbUser: admin,
    });
    expect(d.Error).toBeUndefined();
    expect(d.SubStatements).toBeUndefined();
    expect(d.Duration).toBeGreaterThan(0);
    expect(d.ResultSize).toBeGreaterThan(0);
    expect(d.RedshiftPid).toBeGreaterThan(0);
    expect(d.RedshiftQueryId).toBeGreaterThan(0);
    expect(d.UpdatedAt!.getTime()).toBeGreaterThanOrEqual(d.CreatedAt!.getTime());
    expect(await rows(r.Id!)).toEqual([[42]]);
  });

  it('runs each statement on its own connection and commits it (DML reports the rows it changed)', async () => {
    await run('create table ex_t (n int)');
    const ins = await run('insert into ex_t values (1), (2), (3)');
    expect(ins).toMatchObject({ Status: 'FINISHED', HasResultSet: false, ResultRows: 3 });
    expect(await warehouse('select count(*)::int as n from ex_t')).toEqual([{ n: 3 }]);
    const a = await run('select pg_backend_pid()');
    const b = await run('select pg_backend_pid()');
    expect(a.RedshiftPid).not.toBe(b.RedshiftPid);
  });

  it('logs in as IAM:<DbUser>, as the caller (IAMR:) with ClusterIdentifier or WorkgroupName alone, or with a secret', async () => {
    const whoami = 'select current_user::varchar as u';
    const viaDbUser = await run(whoami);
    expect(await rows(viaDbUser.Id!)).toEqual([[admin]]);
    const alone = await data.send(new ExecuteStatementCommand({ ClusterIdentifier: LOCAL_CLUSTER_ID, Database: database, Sql: whoami }));
    expect(alone.DbUser).toBe('IAMR:rsetl-local');
    await ended(alone.Id!);
    expect(await rows(alone.Id!)).toEqual([['IAMR:rsetl-local']]);
    const wg = await data.send(new ExecuteStatementCommand({ WorkgroupName: LOCAL_WORKGROUP, Database: database, Sql: whoami }));
    expect(wg).toMatchObject({ WorkgroupName: LOCAL_WORKGROUP, DbUser: 'IAMR:rsetl-local' });
    expect(wg.ClusterIdentifier).toBeUndefined();
    expect(await ended(wg.Id!)).toMatchObject({ Status: 'FINISHED', WorkgroupName: LOCAL_WORKGROUP });
    expect(await rows(wg.Id!)).toEqual([['IAMR:rsetl-local']]);
    const secret = await data.send(new ExecuteStatementCommand({ ClusterIdentifier: LOCAL_CLUSTER_ID, Database: database, SecretArn: LOCAL_ADMIN_SECRET_ARN, Sql: whoami }));
    expect(secret.SecretArn).toBe(LOCAL_ADMIN_SECRET_ARN);
    expect(await ended(secret.Id!)).toMatchObject({ Status: 'FINISHED', SecretArn: LOCAL_ADMIN_SECRET_ARN });
    expect(await rows(secret.Id!)).toEqual([[admin]]);
    // The credentials were fetched on the caller's behalf, as CloudTrail would show.
    expect(stack.aws.callCount('redshift:GetClusterCredentials')).toBeGreaterThan(0);
    expect(stack.aws.callCount('redshift-serverless:GetCredentials')).toBeGreaterThan(0);
  });

  it('refuses a denied credential fetch, unknown targets, a missing database and a denied action as AWS does', async () => {
    stack.aws.deny('redshift:GetClusterCredentials');
    try {
      const e = await failure(submit('select 1'));
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(['ValidationException', 400]);
      expect(e.message).toMatch(/is not authorized to perform: redshift:GetClusterCredentials on resource: arn:aws:redshift:us-east-1:000000000000:dbuser:rsetl-local\//);
    } finally {
      stack.aws.allow('redshift:GetClusterCredentials');
    }
    const cluster = await failure(data.send(new ExecuteStatementCommand({ ClusterIdentifier: 'nonprd', Database: database, DbUser: admin, Sql: 'select 1' })));
    expect([cluster.name, cluster.message]).toEqual(['ValidationException', "Redshift endpoint doesn't exist in this region."]);
    const wg = await failure(data.send(new ExecuteStatementCommand({ WorkgroupName: 'nope', Database: database, Sql: 'select 1' })));
    expect([wg.name, wg.message]).toEqual(['ValidationException', "Redshift endpoint doesn't exist in this region."]);
    const secret = await failure(data.send(new ExecuteStatementCommand({ ClusterIdentifier: LOCAL_CLUSTER_ID, Database: database, SecretArn: 'no-such-secret', Sql: 'select 1' })));
    expect([secret.name, secret.message]).toEqual(['ValidationException', "Secrets Manager can't find the specified secret."]);
    stack.aws.putSecret('half-secret', { username: admin });
    const half = await failure(data.send(new ExecuteStatementCommand({ ClusterIdentifier: LOCAL_CLUSTER_ID, Database: database, SecretArn: 'half-secret', Sql: 'select 1' })));
    expect(half.message).toBe('username and password in secret cannot be empty');
    const noDb = await failure(data.send(new ExecuteStatementCommand({ ClusterIdentifier: LOCAL_CLUSTER_ID, DbUser: admin, Sql: 'select 1' })));
    expect(noDb.name).toBe('ValidationException');
    const none = await failure(data.send(new ExecuteStatementCommand({ Database: database, Sql: 'select 1' })));
    expect(none.name).toBe('ValidationException');

    stack.aws.deny('redshift-data:ExecuteStatement');
    try {
      const e = await failure(submit('select 1'));
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(['AccessDeniedException', 400]);
      expect(e.message).toBe(
        'User: arn:aws:sts::000000000000:assumed-role/rsetl-local/rsetl is not authorized to perform: redshift-data:ExecuteStatement on resource: arn:aws:redshift:us-east-1:000000000000:cluster:rsetl-local because no identity-based policy allows the redshift-data:ExecuteStatement action',
      );
      // Other operations are not affected.
      await data.send(new ListStatementsCommand({}));
    } finally {
      stack.aws.allow('redshift-data:ExecuteStatement');
    }
  });

  it('substitutes :name parameters as string values the server converts, and reports them', async () => {
    const Parameters = [
      { name: 'id', value: '41' },
      { name: 'label', value: "it's a \\ path" },
    ];
    const Sql = 'select :id::int + 1 as n, :label as label, 1::int2 as "::cast"';
    const d = await run(Sql, { Parameters });
    expect(d).toMatchObject({ Status: 'FINISHED', QueryString: Sql, QueryParameters: Parameters });
    expect(await rows(d.Id!)).toEqual([[42, "it's a \\ path", 1]]);
    await run('create table param_t (id int, name varchar(20))');
    await run('insert into param_t values (:id, :name)', { Parameters: [{ name: 'id', value: '7' }, { name: 'name', value: 'seven' }] });
    const where = await run('select name from param_t where id = :id', { Parameters: [{ name: 'id', value: '7' }] });
    expect(await rows(where.Id!)).toEqual([['seven']]);
    const unused = await failure(submit('select 1', { Parameters: [{ name: 'x', value: '1' }] }));
    expect(unused.name).toBe('ValidationException');
    const empty = await failure(submit('select :x', { Parameters: [{ name: 'x', value: '' }] }));
    expect(empty.name).toBe('ValidationException');
  });

  it('reports a failed statement as FAILED with Redshift-like error text; the SQLSTATE stays local', async () => {
    const syntax = await run('select * fromm nowhere');
    expect(syntax.Status).toBe('FAILED');
    expect(syntax.Error).toBe('ERROR: syntax error at or near "fromm"\n Position: 10');
    expect(stack.aws.dataApi.sqlState(syntax.Id!)).toBe('42601');
    const missing = await run('select * from no_such_table');
    expect(missing.Error).toBe('ERROR: relation "no_such_table" does not exist\n Position: 15');
    expect(stack.aws.dataApi.sqlState(missing.Id!)).toBe('42P01');
    expect(missing.HasResultSet).toBe(false);
    // One statement per ExecuteStatement: the service prepares it, and a prepared statement is one command.
    const two = await run('select 1; select 2');
    expect([two.Status, two.Error]).toEqual(['FAILED', 'ERROR: cannot insert multiple commands into a prepared statement']);
    const trailing = await run('select 1;');
    expect(trailing.Status).toBe('FINISHED');
    // The stand-in's own refusals of PostgreSQL-only SQL arrive the same way.
    await run('create table pg_only (n int)');
    const onConflict = await run('insert into pg_only values (1) on conflict do nothing');
    expect(onConflict.Status).toBe('FAILED');
    expect(onConflict.Error).toMatch(/^ERROR: .*ON CONFLICT/i);
  });

  it('answers an operation it does not serve (ListDatabases) as unknown, and refuses CSV results', async () => {
    const e = await failure(data.send(new ListDatabasesCommand({ ClusterIdentifier: LOCAL_CLUSTER_ID, Database: database, DbUser: admin })));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['UnknownOperationException', 400]);
    expect((await failure(submit('select 1', { ResultFormat: 'CSV' }))).name).toBe('ValidationException');
  });

  it('refuses SQL over 100 KB', async () => {
    const limit = 100 * 1024;
    const padded = (bytes: number) => `select 1 -- ${'x'.repeat(bytes - 'select 1 -- '.length)}`;
    expect((await run(padded(limit))).Status).toBe('FINISHED');
    const e = await failure(submit(padded(limit + 1)));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['ValidationException', 400]);
  });
});

describe('COPY from S3', () => {
  /** NDJSON parts, gzipped, and a manifest naming them; returns the manifest's s3 URL. */
  async function putLoad(prefix: string, parts: object[][]): Promise<string> {
    const s3 = new S3Client({ endpoint: stack.s3Endpoint, region: 'us-east-1', credentials: stack.aws.credentials, forcePathStyle: true });
    try {
      const entries = [];
      for (const [i, part] of parts.entries()) {
        const Key = `${prefix}/part-${i}.json.gz`;
        await s3.send(new PutObjectCommand({ Bucket: LOCAL_BUCKET, Key, Body: gzipSync(part.map((r) => JSON.stringify(r)).join('\n') + '\n') }));
        entries.push({ url: `s3://${LOCAL_BUCKET}/${Key}`, mandatory: true });
      }
      await s3.send(new PutObjectCommand({ Bucket: LOCAL_BUCKET, Key: `${prefix}/load.manifest`, Body: JSON.stringify({ entries }) }));
      return `s3://${LOCAL_BUCKET}/${prefix}/load.manifest`;
    } finally {
      s3.destroy();
    }
  }
  const copy = (table: string, manifest: string) =>
    `COPY ${table} FROM '${manifest}' IAM_ROLE '${LOCAL_IAM_ROLE}' MANIFEST GZIP FORMAT AS JSON 'auto' TIMEFORMAT 'auto' REGION 'us-east-1' COMPUPDATE OFF STATUPDATE OFF`;

  it('loads through a stage table in one batch, reporting the rows COPY loaded; a bad row fails the batch', async () => {
    await run('create table copy_target (id int8 not null, kind varchar(16))');
    const manifest = await putLoad('data-api-copy', [[{ id: 1, kind: 'a' }, { id: 2, kind: 'b' }], [{ id: 3, kind: 'c' }]]);
    const b = await data.send(
      new BatchExecuteStatementCommand({
        ...asAdmin(),
        Sqls: ['create temp table copy_stage (like copy_target)', copy('copy_stage', manifest), 'insert into copy_target select * from copy_stage'],
      }),
    );
    const d = await ended(b.Id!);
    expect(d.Status).toBe('FINISHED');
    expect(d.SubStatements!.map((s) => s.ResultRows)).toEqual([0, 3, 3]);
    expect(await warehouse('select id::int, kind from copy_target order by id')).toEqual([
      { id: 1, kind: 'a' },
      { id: 2, kind: 'b' },
      { id: 3, kind: 'c' },
    ]);
    const bad = await putLoad('data-api-copy-bad', [[{ id: 4, kind: 'this kind is far too long for the column' }]]);
    const failed = await run(copy('copy_target', bad));
    expect(failed.Status).toBe('FAILED');
    expect(failed.Error).toBe("ERROR: Load into table 'copy_target' failed.  Check 'sys_load_error_detail' system table for details.");
    expect(await warehouse('select count(*)::int as n from copy_target')).toEqual([{ n: 3 }]);
  });
});

describe('GetStatementResult', () => {
  it('gives typed fields and Redshift column metadata', async () => {
    await run(
      'create table typed_t (i2 int2 not null, i4 int4, i8 int8, d numeric(12,3), f float8, b bool, v varchar(20), c char(3), dt date, ts timestamp, tz timestamptz)',
    );
    await run(
      "insert into typed_t values (1, 2, 9007199254740991, 12.5, 0.25, true, 'vee', 'ab', '2024-02-29', '2024-02-29 13:14:15', '2024-02-29 13:14:15+00'), (3, null, null, null, null, false, null, null, null, null, null)",
    );
    const d = await run('select * from typed_t order by i2');
    const r = await data.send(new GetStatementResultCommand({ Id: d.Id! }));
    expect(r.TotalNumRows).toBe(2);
    expect(r.NextToken).toBeUndefined();
    expect(r.Records![0]).toEqual([
      { longValue: 1 },
      { longValue: 2 },
      { longValue: 9007199254740991 },
      { stringValue: '12.500' },
      { doubleValue: 0.25 },
      { booleanValue: true },
      { stringValue: 'vee' },
      { stringValue: 'ab ' },
      { stringValue: '2024-02-29' },
      { stringValue: '2024-02-29 13:14:15' },
      { stringValue: '2024-02-29 13:14:15+00' },
    ]);
    expect(r.Records![1]!.slice(1, 6)).toEqual([{ isNull: true }, { isNull: true }, { isNull: true }, { isNull: true }, { booleanValue: false }]);
    const meta = r.ColumnMetadata!;
    expect(meta.map((c) => c.typeName)).toEqual(['int2', 'int4', 'int8', 'numeric', 'float8', 'bool', 'varchar', 'bpchar', 'date', 'timestamp', 'timestamptz']);
    expect(meta[0]).toMatchObject({ name: 'i2', label: 'i2', nullable: 0, schemaName: 'public', tableName: 'typed_t', isSigned: true });
    expect(meta[1]).toMatchObject({ nullable: 1 });
    expect(meta[3]).toMatchObject({ precision: 12, scale: 3 });
    expect(meta[6]).toMatchObject({ precision: 20, length: 20, isCaseSensitive: true });
    const expr = await run("select decode('616263', 'hex') as bytes, 'x' || 'y' as joined, 1.5::float4 as real");
    const er = await data.send(new GetStatementResultCommand({ Id: expr.Id! }));
    expect(Buffer.from(er.Records![0]![0]!.blobValue!).toString()).toBe('abc');
    expect(er.Records![0]!.slice(1)).toEqual([{ stringValue: 'xy' }, { doubleValue: 1.5 }]);
    expect(er.ColumnMetadata!.map((c) => [c.typeName, c.tableName, c.nullable])).toEqual([
      ['varbyte', '', 1],
      ['varchar', '', 1],
      ['float4', '', 1],
    ]);
  });

  it('pages 2,500 rows by NextToken: at most 1,000 rows, and about the page byte limit, per page', async () => {
    const d = await run("select n, 'row-' || n as label from generate_series(1, 2500) as n order by n");
    expect(d.ResultRows).toBe(2500);
    const sizes: number[] = [];
    const seen: unknown[] = [];
    let NextToken: string | undefined;
    do {
      const page = await data.send(new GetStatementResultCommand({ Id: d.Id!, NextToken }));
      expect(page.TotalNumRows).toBe(2500);
      expect(page.ColumnMetadata!.map((c) => c.name)).toEqual(['n', 'label']);
      sizes.push(page.Records!.length);
      seen.push(...page.Records!.map((r) => r[0]!.longValue));
      NextToken = page.NextToken;
    } while (NextToken);
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(seen).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));

    stack.aws.dataApi.setPageLimits({ bytes: 4096 });
    let pages = 0;
    let total = 0;
    for await (const page of paginateGetStatementResult({ client: data }, { Id: d.Id! })) {
      pages++;
      total += page.Records!.length;
      expect(page.Records!.length).toBeLessThan(200);
    }
    expect(total).toBe(2500);
    expect(pages).toBeGreaterThan(12);
    const bad = await failure(data.send(new GetStatementResultCommand({ Id: d.Id!, NextToken: 'not-a-token' })));
    expect(bad.name).toBe('ValidationException');
  });

  it('a statement without a result set, a running one and a failed one have no result; unknown and malformed ids are refused', async () => {
    const ddl = await run('create table no_result_t (n int)');
    const e = await failure(data.send(new GetStatementResultCommand({ Id: ddl.Id! })));
    expect([e.name, e.message, e.$metadata.httpStatusCode]).toEqual(['ValidationException', 'Query does not have result. Please check query status with DescribeStatement.', 400]);
    const failed = await run('select 1/0');
    expect((await failure(data.send(new GetStatementResultCommand({ Id: failed.Id! })))).name).toBe('ValidationException');
    stack.aws.dataApi.setLatency({ statementMs: 2000 });
    const slow = await submit('select 1');
    expect((await failure(data.send(new GetStatementResultCommand({ Id: slow })))).name).toBe('ValidationException');

    const unknown = await failure(data.send(new DescribeStatementCommand({ Id: '70662acc-f334-46f8-b953-3a9546796d7a' })));
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
    expect([unknown.name, unknown.message, unknown.ResourceId, unknown.$metadata.httpStatusCode]).toEqual([
      'ResourceNotFoundException',
      'Query does not exist.',
      '70662acc-f334-46f8-b953-3a9546796d7a',
      400,
    ]);
    expect((await failure(data.send(new GetStatementResultCommand({ Id: '70662acc-f334-46f8-b953-3a9546796d7a' })))).name).toBe('ResourceNotFoundException');
    const malformed = await failure(data.send(new DescribeStatementCommand({ Id: 'InvalidStatementId' })));
    expect(malformed).toBeInstanceOf(ValidationException);
    expect(malformed.message).toMatch(/^id must satisfy regex pattern: /);
  });

  it('keeps results for the retention period, then the statement is gone', async () => {
    stack.aws.dataApi.setResultRetention(800);
    const d = await run('select 1 as n');
    expect(await rows(d.Id!)).toEqual([[1]]);
    await sleep(1000);
    const e = await failure(data.send(new GetStatementResultCommand({ Id: d.Id! })));
    expect([e.name, e.message]).toEqual(['ResourceNotFoundException', 'Query does not exist.']);
    expect((await failure(data.send(new DescribeStatementCommand({ Id: d.Id! })))).name).toBe('ResourceNotFoundException');
  });
});

describe('sessions', () => {
  it('carries a temp table and BEGIN … COMMIT across calls on one connection', async () => {
    await run('create table sess_target (n int)');
    const begin = await data.send(new ExecuteStatementCommand({ ...asAdmin(), Sql: 'begin', SessionKeepAliveSeconds: 60 }));
    const SessionId = begin.SessionId!;
    expect(SessionId).toMatch(UUID);
    const first = await ended(begin.Id!);
    expect(first).toMatchObject({ Status: 'FINISHED', SessionId });
    const temp = await ended((await data.send(new ExecuteStatementCommand({ SessionId, Sql: 'create temp table sess_tmp as select 42 as n' }))).Id!);
    const insert = await data.send(new ExecuteStatementCommand({ SessionId, Sql: 'insert into sess_target select n from sess_tmp' }));
    expect(insert).toMatchObject({ SessionId, ClusterIdentifier: LOCAL_CLUSTER_ID, Database: database, DbUser: admin });
    const inserted = await ended(insert.Id!);
    expect([temp.Status, inserted.Status, inserted.ResultRows]).toEqual(['FINISHED', 'FINISHED', 1]);
    expect(new Set([first.RedshiftPid, temp.RedshiftPid, inserted.RedshiftPid]).size).toBe(1);
    // Not committed yet: nobody else sees the row.
    expect(await warehouse('select count(*)::int as n from sess_target')).toEqual([{ n: 0 }]);
    expect((await ended((await data.send(new ExecuteStatementCommand({ SessionId, Sql: 'commit' }))).Id!)).Status).toBe('FINISHED');
    expect(await warehouse('select n from sess_target')).toEqual([{ n: 42 }]);
    const again = await ended((await data.send(new ExecuteStatementCommand({ SessionId, Sql: 'select n from sess_tmp' }))).Id!);
    expect(await rows(again.Id!)).toEqual([[42]]);
    expect(stack.aws.dataApi.sessionState(SessionId)).toBe('AVAILABLE');
  });

  it('refuses a statement while the session runs another ("Session is not available"), and an id it never issued', async () => {
    const open = await data.send(new ExecuteStatementCommand({ ...asAdmin(), Sql: 'select 1', SessionKeepAliveSeconds: 60, WaitTimeSeconds: 20 }));
    expect(open.Status).toBe('FINISHED');
    stack.aws.dataApi.setLatency({ statementMs: 1500 });
    const busy = await data.send(new ExecuteStatementCommand({ SessionId: open.SessionId!, Sql: 'select 2' }));
    expect(stack.aws.dataApi.sessionState(open.SessionId!)).toBe('BUSY');
    const e = await failure(data.send(new ExecuteStatementCommand({ SessionId: open.SessionId!, Sql: 'select 3' })));
    expect([e.name, e.message, e.$metadata.httpStatusCode]).toEqual(['ValidationException', 'Session is not available', 400]);
    expect((await ended(busy.Id!)).Status).toBe('FINISHED');
    stack.aws.dataApi.setLatency({ statementMs: 0 });
    expect((await run('select 4', { SessionId: open.SessionId! })).Status).toBe('FINISHED');
    const unknownId = '0b6b2f3c-1d2e-4f5a-8b9c-0d1e2f3a4b5c';
    const unknown = await failure(data.send(new ExecuteStatementCommand({ SessionId: unknownId, Sql: 'select 1' })));
    expect([unknown.name, unknown.message]).toEqual(['ValidationException', `Session with Id: ${unknownId} is invalid`]);
  });

  it('closes a session idle past its keep-alive: its open transaction rolls back and it takes no more statements', async () => {
    await run('create table lapse_target (n int)');
    const opened = Date.now();
    const begin = await data.send(new ExecuteStatementCommand({ ...asAdmin(), Sql: 'begin', SessionKeepAliveSeconds: 2, WaitTimeSeconds: 20 }));
    const SessionId = begin.SessionId!;
    const insert = await data.send(new ExecuteStatementCommand({ SessionId, Sql: 'insert into lapse_target values (1)', WaitTimeSeconds: 20 }));
    expect(insert.Status).toBe('FINISHED');
    const pid = insert.RedshiftPid!;
    // While the session lives, its open transaction holds the table.
    await expect(backing.query('begin; lock table lapse_target in access exclusive mode nowait')).rejects.toThrow(/could not obtain lock/);
    await backing.query('rollback');
    await waitFor('the idle session to close', async () => stack.aws.dataApi.sessionState(SessionId) === 'CLOSED');
    // Closed by its keep-alive, not sooner.
    expect(Date.now() - opened).toBeGreaterThanOrEqual(2_000);
    const e = await failure(data.send(new ExecuteStatementCommand({ SessionId, Sql: 'commit' })));
    expect([e.name, e.message]).toEqual(['ValidationException', 'Session is not available']);
    // Its backend is gone, the lock with it, and nothing was committed.
    await waitFor('the session\'s backend to end', async () => (await warehouse(`select 1 from pg_stat_activity where pid = ${pid}`)).length === 0);
    await backing.query('begin; lock table lapse_target in access exclusive mode nowait');
    await backing.query('rollback');
    expect(await warehouse('select count(*)::int as n from lapse_target')).toEqual([{ n: 0 }]);
  });

  it('ends a session whose connection the server dropped', async () => {
    const open = await data.send(new ExecuteStatementCommand({ ...asAdmin(), Sql: 'select 1', SessionKeepAliveSeconds: 60, WaitTimeSeconds: 20 }));
    await backing.query(`select pg_terminate_backend(${open.RedshiftPid})`);
    // The next statement is refused, or fails when it raced the news of the connection's end.
    const next = await data.send(new ExecuteStatementCommand({ SessionId: open.SessionId!, Sql: 'select 2' })).then(
      (r) => ended(r.Id!),
      (err: Error) => err,
    );
    if (!(next instanceof Error)) expect(next.Status).toBe('FAILED');
    // Either way the session is over.
    const e = await failure(data.send(new ExecuteStatementCommand({ SessionId: open.SessionId!, Sql: 'select 3' })));
    expect([e.name, e.message]).toEqual(['ValidationException', 'Session is not available']);
    expect(stack.aws.dataApi.sessionState(open.SessionId!)).toBe('CLOSED');
  });

  it('refuses a keep-alive outside 0–86400 seconds, and 0 opens no session', async () => {
    expect((await failure(submit('select 1', { SessionKeepAliveSeconds: 86_401 }))).name).toBe('ValidationException');
    expect((await failure(submit('select 1', { SessionKeepAliveSeconds: -1 }))).name).toBe('ValidationException');
    const none = await data.send(new ExecuteStatementCommand({ ...asAdmin(), Sql: 'select 1', SessionKeepAliveSeconds: 0 }));
    expect(none.SessionId).toBeUndefined();
  });
});

describe('BatchExecuteStatement', () => {
  it('runs the SQL in order as one transaction and describes each part as <id>:<n>', async () => {
    const r = await data.send(
      new BatchExecuteStatementCommand({
        ...asAdmin(),
        Sqls: ['create table batch_ok (n int)', 'insert into batch_ok values (1), (2)', 'select n from batch_ok order by n'],
        StatementName: 'batch-ok',
      }),
    );
    expect(r).toMatchObject({ ClusterIdentifier: LOCAL_CLUSTER_ID, Database: database, DbUser: admin });
    const d = await ended(r.Id!);
    expect(d).toMatchObject({ Status: 'FINISHED', HasResultSet: true, ResultRows: -1, ResultSize: -1, RedshiftQueryId: 0 });
    expect(d.QueryString).toBeUndefined();
    expect(d.Duration).toBeGreaterThan(0);
    const subs = d.SubStatements!;
    expect(subs.map((s) => [s.Id, s.Status, s.HasResultSet, s.ResultRows, s.QueryString])).toEqual([
      [`${r.Id}:1`, 'FINISHED', false, 0, 'create table batch_ok (n int)'],
      [`${r.Id}:2`, 'FINISHED', false, 2, 'insert into batch_ok values (1), (2)'],
      [`${r.Id}:3`, 'FINISHED', true, 2, 'select n from batch_ok order by n'],
    ]);
    for (const s of subs) expect(s.RedshiftQueryId).toBeGreaterThan(0);
    expect(await rows(`${r.Id}:3`)).toEqual([[1], [2]]);
    const part = await data.send(new DescribeStatementCommand({ Id: `${r.Id}:2` }));
    expect(part).toMatchObject({ Id: `${r.Id}:2`, Status: 'FINISHED', QueryString: 'insert into batch_ok values (1), (2)', ResultRows: 2 });
    for (const Id of [r.Id!, `${r.Id}:1`]) {
      expect((await failure(data.send(new GetStatementResultCommand({ Id })))).name).toBe('ValidationException');
    }
    expect((await failure(data.send(new DescribeStatementCommand({ Id: `${r.Id}:4` })))).name).toBe('ResourceNotFoundException');
  });

  it('is atomic: a failing third statement leaves nothing of the first two; the ones after it are ABORTED', async () => {
    await run('create table batch_atomic (n int)');
    const r = await data.send(
      new BatchExecuteStatementCommand({
        ...asAdmin(),
        Sqls: ['insert into batch_atomic values (1)', 'insert into batch_atomic values (2)', 'insert into batch_atomic values (1/0)', 'insert into batch_atomic values (4)'],
      }),
    );
    const d = await ended(r.Id!);
    expect([d.Status, d.Error]).toEqual(['FAILED', 'ERROR: division by zero']);
    expect(d.SubStatements!.map((s) => s.Status)).toEqual(['FINISHED', 'FINISHED', 'FAILED', 'ABORTED']);
    expect(d.SubStatements![2]!.Error).toBe('ERROR: division by zero');
    expect(stack.aws.dataApi.sqlState(`${r.Id}:3`)).toBe('22012');
    expect(await warehouse('select count(*)::int as n from batch_atomic')).toEqual([{ n: 0 }]);
    // With AUTO_COMMIT each part stands alone.
    const auto = await data.send(
      new BatchExecuteStatementCommand({ ...asAdmin(), Sqls: ['insert into batch_atomic values (1)', 'select 1/0', 'insert into batch_atomic values (3)'], ExecutionMode: 'AUTO_COMMIT' }),
    );
    const ad = await ended(auto.Id!);
    expect(ad.Status).toBe('FAILED');
    expect(ad.SubStatements!.map((s) => s.Status)).toEqual(['FINISHED', 'FAILED', 'FINISHED']);
    expect(await warehouse('select n from batch_atomic order by n')).toEqual([{ n: 1 }, { n: 3 }]);
  });

  it('takes 1 to 40 SQL texts of at most 100 KB each', async () => {
    const forty = await data.send(new BatchExecuteStatementCommand({ ...asAdmin(), Sqls: Array.from({ length: 40 }, (_, i) => `select ${i}`) }));
    const d = await ended(forty.Id!);
    expect([d.Status, d.SubStatements!.length]).toEqual(['FINISHED', 40]);
    expect(await rows(`${forty.Id}:40`)).toEqual([[39]]);
    for (const Sqls of [Array.from({ length: 41 }, () => 'select 1'), [], ['select 1', `select 1 -- ${'x'.repeat(100 * 1024)}`]]) {
      const e = await failure(data.send(new BatchExecuteStatementCommand({ ...asAdmin(), Sqls })));
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(['ValidationException', 400]);
    }
  });

  it('opens and uses sessions like ExecuteStatement', async () => {
    const b = await data.send(new BatchExecuteStatementCommand({ ...asAdmin(), Sqls: ['create temp table batch_tmp (n int)', 'insert into batch_tmp values (5)'], SessionKeepAliveSeconds: 30 }));
    expect(b.SessionId).toMatch(UUID);
    expect((await ended(b.Id!)).SessionId).toBe(b.SessionId);
    const d = await run('select n from batch_tmp', { SessionId: b.SessionId! });
    expect(await rows(d.Id!)).toEqual([[5]]);
  });
});

describe('CancelStatement', () => {
  it('cancels a running statement on the server: ABORTED, and its backend is free', async () => {
    const Id = await submit('select pg_sleep(30)');
    await statusBecomes(Id, 'STARTED');
    // pg_sleep is running on the backend now, or about to.
    const c = await data.send(new CancelStatementCommand({ Id }));
    expect(c.Status).toBe(true);
    const started = Date.now();
    const d = await ended(Id);
    expect(d.Status).toBe('ABORTED');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await warehouse(`select 1 from pg_stat_activity where query like 'select pg_sleep(30)%'`)).toEqual([]);
    const again = await failure(data.send(new CancelStatementCommand({ Id })));
    expect([again.name, again.message]).toEqual(['ValidationException', `Could not cancel a query that is already in ABORTED state with ID: ${Id}`]);
  });

  it('cancels a statement not yet picked, which then never runs; a finished one cannot be cancelled', async () => {
    await run('create table cancel_t (n int)');
    stack.aws.dataApi.setLatency({ submitMs: 1000 });
    const Id = await submit('insert into cancel_t values (1)');
    expect((await data.send(new DescribeStatementCommand({ Id }))).Status).toBe('SUBMITTED');
    expect((await data.send(new CancelStatementCommand({ Id }))).Status).toBe(true);
    expect((await ended(Id)).Status).toBe('ABORTED');
    expect(await warehouse('select count(*)::int as n from cancel_t')).toEqual([{ n: 0 }]);
    stack.aws.dataApi.setLatency({ submitMs: 0 });
    const done = await run('select 1');
    const e = await failure(data.send(new CancelStatementCommand({ Id: done.Id! })));
    expect([e.name, e.message]).toEqual(['ValidationException', `Could not cancel a query that is already in FINISHED state with ID: ${done.Id}`]);
    expect((await failure(data.send(new CancelStatementCommand({ Id: '70662acc-f334-46f8-b953-3a9546796d7b' })))).name).toBe('ResourceNotFoundException');
  });
});

describe('ClientToken', () => {
  it('answers a repeated request with the first statement, which runs once', async () => {
    await run('create table token_t (n int)');
    const input = { ...asAdmin(), Sql: 'insert into token_t values (1)', ClientToken: 'rsetl-token-0001' };
    stack.aws.resetCallCounts();
    const a = await data.send(new ExecuteStatementCommand(input));
    await ended(a.Id!);
    const b = await data.send(new ExecuteStatementCommand(input));
    expect(b.Id).toBe(a.Id);
    expect(b.CreatedAt).toEqual(a.CreatedAt);
    expect(stack.aws.callCount('redshift-data:ExecuteStatement')).toBe(2);
    expect(await warehouse('select count(*)::int as n from token_t')).toEqual([{ n: 1 }]);
    const other = await failure(data.send(new ExecuteStatementCommand({ ...input, Sql: 'insert into token_t values (2)' })));
    expect(other.name).toBe('ValidationException');
    // Without a token of its own, the SDK makes one per command: the same SQL twice runs twice.
    const c = await data.send(new ExecuteStatementCommand({ ...asAdmin(), Sql: 'insert into token_t values (1)' }));
    expect(c.Id).not.toBe(a.Id);
    await ended(c.Id!);
    expect(await warehouse('select count(*)::int as n from token_t')).toEqual([{ n: 2 }]);
  });
});

describe('ListStatements', () => {
  it('lists the caller role’s statements by name prefix and status, newest first, in pages', async () => {
    const a1 = (await run('select 1', { StatementName: 'dapi-list-a1' })).Id!;
    const a2 = (await run('select 2', { StatementName: 'dapi-list-a2' })).Id!;
    await run('select 3', { StatementName: 'dapi-list-b1' });
    const batch = await data.send(new BatchExecuteStatementCommand({ ...asAdmin(), Sqls: ['select 4', 'select 5'], StatementName: 'dapi-list-a3' }));
    await ended(batch.Id!);
    const listed = await data.send(new ListStatementsCommand({ StatementName: 'dapi-list-a' }));
    expect(listed.Statements!.map((s) => s.Id)).toEqual([batch.Id, a2, a1]);
    expect(listed.Statements![0]).toMatchObject({ IsBatchStatement: true, QueryStrings: ['select 4', 'select 5'], Status: 'FINISHED', StatementName: 'dapi-list-a3' });
    expect(listed.Statements![1]).toMatchObject({ IsBatchStatement: false, QueryString: 'select 2', StatementName: 'dapi-list-a2' });
    expect(listed.Statements![1]!.CreatedAt).toBeInstanceOf(Date);

    const first = await data.send(new ListStatementsCommand({ StatementName: 'dapi-list-a', MaxResults: 2 }));
    expect(first.Statements!.map((s) => s.Id)).toEqual([batch.Id, a2]);
    const second = await data.send(new ListStatementsCommand({ StatementName: 'dapi-list-a', MaxResults: 2, NextToken: first.NextToken! }));
    expect(second.Statements!.map((s) => s.Id)).toEqual([a1]);
    expect(second.NextToken).toBeUndefined();

    // By default only finished statements are listed (the service's documentation); ALL lists every one.
    stack.aws.dataApi.setLatency({ statementMs: 1500 });
    const running = await submit('select 6', { StatementName: 'dapi-list-a4' });
    expect((await data.send(new ListStatementsCommand({ StatementName: 'dapi-list-a' }))).Statements!.map((s) => s.Id)).not.toContain(running);
    const all = await data.send(new ListStatementsCommand({ StatementName: 'dapi-list-a', Status: 'ALL' }));
    expect(all.Statements![0]).toMatchObject({ Id: running });
    expect(['SUBMITTED', 'PICKED', 'STARTED']).toContain(all.Statements![0]!.Status);
    const failed = await data.send(new ListStatementsCommand({ StatementName: 'dapi-list', Status: 'FAILED' }));
    expect(failed.Statements).toEqual([]);

    // RoleLevel false: the current IAM session's own statements only.
    stack.aws.callerIdentity = 'arn:aws:sts::000000000000:assumed-role/rsetl-local/other-session';
    try {
      expect((await data.send(new ListStatementsCommand({ StatementName: 'dapi-list-a' }))).Statements).toHaveLength(3);
      expect((await data.send(new ListStatementsCommand({ StatementName: 'dapi-list-a', RoleLevel: false }))).Statements).toEqual([]);
    } finally {
      stack.aws.callerIdentity = 'arn:aws:sts::000000000000:assumed-role/rsetl-local/rsetl';
    }
    expect((await failure(data.send(new ListStatementsCommand({ MaxResults: 101 })))).name).toBe('ValidationException');
  });
});

describe('what tests steer', () => {
  it('latency holds a statement SUBMITTED, then STARTED, before it runs', async () => {
    stack.aws.dataApi.setLatency({ submitMs: 600, statementMs: 600 });
    const Id = await submit('select 1');
    expect((await data.send(new DescribeStatementCommand({ Id }))).Status).toBe('SUBMITTED');
    await statusBecomes(Id, 'STARTED');
    // WaitTimeSeconds holds the answer until the statement ended (or the wait ran out).
    const waited = await data.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: 10 }));
    expect(waited.Status).toBe('FINISHED');
  });

  it('latency for matching statements only slows those; undefined takes every latency away', async () => {
    stack.aws.dataApi.setLatency({ match: /^\s*select 'slow'/i, ms: 3000 });
    const slow = await submit("select 'slow'");
    const fast = await ended(await submit("select 'fast'"));
    const slowDone = await ended(slow);
    expect([fast.Status, slowDone.Status]).toEqual(['FINISHED', 'FINISHED']);
    expect(slowDone.UpdatedAt!.getTime() - slowDone.CreatedAt!.getTime()).toBeGreaterThanOrEqual(3000);
    // Not slowed: it would have taken 3 s at least, and it finished before the slow one.
    expect(fast.UpdatedAt!.getTime() - fast.CreatedAt!.getTime()).toBeLessThan(3000);
    expect(fast.UpdatedAt!.getTime()).toBeLessThan(slowDone.UpdatedAt!.getTime());
    stack.aws.dataApi.setLatency({ submitMs: 5000 });
    stack.aws.dataApi.setLatency(undefined);
    const quick = Date.now();
    expect((await run("select 'slow'")).Status).toBe('FINISHED');
    // Neither the 3 s for 'slow' nor the 5 s before each statement is left.
    expect(Date.now() - quick).toBeLessThan(3000);
  });

  it('the active-statement quota answers ActiveStatementsExceededException', async () => {
    stack.aws.dataApi.setMaxActiveStatements(1);
    stack.aws.dataApi.setLatency({ statementMs: 1000 });
    const Id = await submit('select 1');
    expect(stack.aws.dataApi.activeStatements()).toBe(1);
    const e = await failure(submit('select 2'));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['ActiveStatementsExceededException', 400]);
    expect((await failure(data.send(new BatchExecuteStatementCommand({ ...asAdmin(), Sqls: ['select 3'] })))).name).toBe('ActiveStatementsExceededException');
    await ended(Id);
    expect((await run('select 4')).Status).toBe('FINISHED');
  });

  it('failNext makes the next matching statement fail on the server, once', async () => {
    stack.aws.dataApi.failNext({ match: /fail_me/, message: 'could not serialize access', code: '40001' });
    expect((await run('select 1 as untouched')).Status).toBe('FINISHED');
    const failed = await run('select 1 as fail_me');
    expect([failed.Status, failed.Error]).toEqual(['FAILED', 'ERROR: could not serialize access']);
    expect(stack.aws.dataApi.sqlState(failed.Id!)).toBe('40001');
    expect((await run('select 1 as fail_me')).Status).toBe('FINISHED');
    // Inside a batch the server's own failure aborts the transaction.
    await run('create table fault_t (n int)');
    stack.aws.dataApi.failNext({ match: 'values (2)' });
    const b = await data.send(new BatchExecuteStatementCommand({ ...asAdmin(), Sqls: ['insert into fault_t values (1)', 'insert into fault_t values (2)'] }));
    const d = await ended(b.Id!);
    expect([d.Status, d.Error]).toEqual(['FAILED', 'ERROR: injected failure']);
    expect(await warehouse('select count(*)::int as n from fault_t')).toEqual([{ n: 0 }]);
  });

  it('a failed COMMIT ends the session’s transaction, as on the server; a message may carry its own ERROR: prefix', async () => {
    await run('create table commit_fault_t (n int)');
    const begin = await data.send(new ExecuteStatementCommand({ ...asAdmin(), Sql: 'begin', SessionKeepAliveSeconds: 60, WaitTimeSeconds: 20 }));
    const SessionId = begin.SessionId!;
    expect((await run('insert into commit_fault_t values (1)', { SessionId })).Status).toBe('FINISHED');
    stack.aws.dataApi.failNext({ match: /^\s*COMMIT/i, message: 'ERROR: 1023 DETAIL: Serializable isolation violation on table (injected)' });
    const commit = await run('COMMIT', { SessionId });
    expect([commit.Status, commit.Error]).toEqual(['FAILED', 'ERROR: 1023 DETAIL: Serializable isolation violation on table (injected)']);
    expect(await warehouse('select count(*)::int as n from commit_fault_t')).toEqual([{ n: 0 }]);
    // Rolled back, not left open and aborted: no lock held, and the session takes statements again.
    await backing.query('begin; lock table commit_fault_t in access exclusive mode nowait');
    await backing.query('rollback');
    const after = await run('insert into commit_fault_t values (2)', { SessionId });
    expect(after.Status).toBe('FINISHED');
    expect(await warehouse('select n from commit_fault_t')).toEqual([{ n: 2 }]);
  });

  it('failNextCall fails the next call of an action; counts are per operation', async () => {
    stack.aws.resetCallCounts();
    const Id = await submit('select 1');
    stack.aws.dataApi.failNextCall('redshift-data:DescribeStatement', { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' });
    const noRetry = new RedshiftDataClient({ endpoint: stack.dataApiEndpoint, region: 'us-east-1', credentials: stack.aws.credentials, maxAttempts: 1 });
    try {
      const e = await failure(noRetry.send(new DescribeStatementCommand({ Id })));
      expect([e.name, e.message, e.$metadata.httpStatusCode]).toEqual(['ThrottlingException', 'Rate exceeded', 400]);
    } finally {
      noRetry.destroy();
    }
    // A 500 is retried by the SDK, and the retry is served.
    stack.aws.dataApi.failNextCall('redshift-data:DescribeStatement');
    await ended(Id);
    await data.send(new ListStatementsCommand({}));
    const counts = stack.aws.callCounts();
    expect(counts['redshift-data:ExecuteStatement']).toBe(1);
    expect(counts['redshift-data:DescribeStatement']).toBeGreaterThanOrEqual(3);
    expect(counts['redshift-data:ListStatements']).toBe(1);
    expect(counts['redshift:GetClusterCredentials']).toBe(1);
  });
});
