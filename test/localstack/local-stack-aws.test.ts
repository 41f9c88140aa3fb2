// The local stack's AWS API as rsetl's login modes reach it: cluster `rsetl-local`
// (DescribeClusters, GetClusterCredentials), workgroup `rsetl-local` (GetWorkgroup, GetCredentials)
// and the admin's secret (GetSecretValue) all lead to the stand-in, and what they return logs in.
import { DescribeClustersCommand, GetClusterCredentialsCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { GetCredentialsCommand, GetWorkgroupCommand, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomSuffix } from '../support/random-suffix.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ADMIN_SECRET_ARN, LOCAL_CLUSTER_ID, LOCAL_IAM_ROLE, LOCAL_WORKGROUP, startLocalStack } from '../../src/localstack/stack.js';
import { adminUrl, newDatabase } from '../support/databases.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let t: TestStack;
let standin: { host: string; port: number; database: string; user: string; password: string };
let config: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
const clients: pg.Client[] = [];

async function login(c: { host: string; port: number; database: string; user: string; password: string }): Promise<pg.Client> {
  const client = new pg.Client(c);
  await client.connect();
  clients.push(client);
  return client;
}

beforeAll(async () => {
  t = await startTestStack();
  const u = new URL(t.stack.redshiftUrl);
  standin = { host: u.hostname, port: Number(u.port), database: u.pathname.slice(1), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  config = { endpoint: t.stack.awsEndpoint, region: 'us-east-1', credentials: t.stack.aws.credentials };
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await t?.stop();
});

describe('the local stack on its AWS API', () => {
  it('exposes the endpoint and the names each login mode needs', () => {
    expect(t.stack.awsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(t.stack).toMatchObject({
      clusterIdentifier: LOCAL_CLUSTER_ID,
      workgroup: LOCAL_WORKGROUP,
      adminSecretArn: LOCAL_ADMIN_SECRET_ARN,
      callerDbUser: 'IAMR:rsetl-local',
    });
  });

  it('cluster rsetl-local: DescribeClusters points at the stand-in; GetClusterCredentials for the admin logs in', async () => {
    const redshift = new RedshiftClient(config);
    try {
      const cluster = (await redshift.send(new DescribeClustersCommand({ ClusterIdentifier: LOCAL_CLUSTER_ID }))).Clusters![0]!;
      expect(cluster).toMatchObject({
        Endpoint: { Address: standin.host, Port: standin.port },
        DBName: standin.database,
        MasterUsername: standin.user,
        DefaultIamRoleArn: LOCAL_IAM_ROLE,
        MasterPasswordSecretArn: LOCAL_ADMIN_SECRET_ARN,
      });
      expect(cluster.VpcSecurityGroups).toHaveLength(1);
      const r = await redshift.send(new GetClusterCredentialsCommand({ ClusterIdentifier: LOCAL_CLUSTER_ID, DbUser: standin.user, DbName: standin.database }));
      const c = await login({ host: standin.host, port: standin.port, database: standin.database, user: r.DbUser!, password: r.DbPassword! });
      expect((await c.query('select current_user as u')).rows).toEqual([{ u: standin.user }]);
      expect(t.stack.aws.callCount('redshift:GetClusterCredentials')).toBeGreaterThanOrEqual(1);
    } finally {
      redshift.destroy();
    }
  });

  it('workgroup rsetl-local: GetCredentials logs in as IAMR:rsetl-local, a superuser that can do the admin work', async () => {
    const serverless = new RedshiftServerlessClient(config);
    try {
      const wg = (await serverless.send(new GetWorkgroupCommand({ workgroupName: LOCAL_WORKGROUP }))).workgroup!;
      expect(wg.endpoint).toMatchObject({ address: standin.host, port: standin.port });
      const r = await serverless.send(new GetCredentialsCommand({ workgroupName: LOCAL_WORKGROUP, dbName: standin.database }));
      expect(r.dbUser).toBe('IAMR:rsetl-local');
      const c = await login({ host: wg.endpoint!.address!, port: wg.endpoint!.port!, database: standin.database, user: r.dbUser!, password: r.dbPassword! });
      expect((await c.query("select current_user as u, current_setting('is_superuser') as su")).rows).toEqual([{ u: 'IAMR:rsetl-local', su: 'on' }]);
      await c.query('create schema iam_made; drop schema iam_made');
    } finally {
      serverless.destroy();
    }
  });

  it('the admin secret has the shape Redshift stores, and its user and password log in', async () => {
    const secrets = new SecretsManagerClient(config);
    try {
      const r = await secrets.send(new GetSecretValueCommand({ SecretId: LOCAL_ADMIN_SECRET_ARN }));
      const value = JSON.parse(r.SecretString!);
      expect(value).toEqual({
        username: standin.user,
        password: standin.password,
        engine: 'redshift',
        host: standin.host,
        port: standin.port,
        dbClusterIdentifier: LOCAL_CLUSTER_ID,
        dbname: standin.database,
      });
      const c = await login({ host: value.host, port: value.port, database: value.dbname, user: value.username, password: value.password });
      expect((await c.query('select current_user as u')).rows).toEqual([{ u: standin.user }]);
    } finally {
      secrets.destroy();
    }
  });
});

describe('a backing database whose user is not a superuser', () => {
  it('still starts the stack and its AWS API, and warns that IAM logins cannot work', async () => {
    const role = `plain_${randomSuffix()}`;
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    const backing = new URL(await newDatabase('rs_plain'));
    const dir = await mkdtemp(join(tmpdir(), 'rsetl-test-plain-'));
    try {
      await admin.query(`CREATE ROLE "${role}" LOGIN PASSWORD 'plain-pw'`);
      await admin.query(`ALTER DATABASE "${backing.pathname.slice(1)}" OWNER TO "${role}"`);
      backing.username = role;
      backing.password = 'plain-pw';
      const stack = await startLocalStack({ dataDir: dir, sourceUrl: await newDatabase('src_plain'), backingUrl: backing.toString(), createOutbox: false });
      try {
        expect(stack.warnings).toEqual([expect.stringMatching(/^the backing database's user is not a superuser: IAM logins to the stand-in/)]);
        const secrets = new SecretsManagerClient({ endpoint: stack.awsEndpoint, region: 'us-east-1', credentials: stack.aws.credentials });
        try {
          const value = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: stack.adminSecretArn }))).SecretString!);
          const c = await login({ host: value.host, port: value.port, database: value.dbname, user: value.username, password: value.password });
          expect((await c.query('select current_user as u')).rows).toEqual([{ u: role }]);
          await c.end();
        } finally {
          secrets.destroy();
        }
      } finally {
        await stack.stop();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${backing.pathname.slice(1)}" WITH (FORCE)`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS "${role}"`).catch(() => undefined);
      await admin.end();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
