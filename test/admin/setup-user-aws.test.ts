// setup-user's AWS control-plane calls, mocked with aws-sdk-client-mock (they cannot run
// locally), with the endpoint pointed at the local Redshift stand-in so the SQL part really runs:
// DescribeClusters → endpoint; GetClusterCredentials → the admin login; Serverless GetWorkgroup
// and GetCredentials; the security group rule added once; access denied and not found.
import { ClusterNotFoundFault, DescribeClustersCommand, GetClusterCredentialsCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import {
  GetCredentialsCommand,
  GetWorkgroupCommand,
  RedshiftServerlessClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-redshift-serverless';
import { AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupsCommand, EC2Client, type IpPermission } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { randomSuffix } from '../support/random-suffix.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupUser } from '../../src/admin/setup-user.js';
import { describeError, exitCodeFor } from '../../src/cli/exit-codes.js';
import { PermissionError, UsageError } from '../../src/errors.js';
import { adminUrl } from '../support/databases.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const redshift = mockClient(RedshiftClient);
const serverless = mockClient(RedshiftServerlessClient);
const ec2 = mockClient(EC2Client);

let t: TestStack;
let dir: string;
let standin: { host: string; port: number; database: string; user: string; password: string };
const users: string[] = [];
const newUser = () => {
  const u = `aws_${randomSuffix()}`;
  users.push(u);
  return u;
};
const aws = { region: 'us-east-1' };
const myIp = async () => '203.0.113.7';

function awsError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status, requestId: 'req-1' } });
}

/** A cluster whose endpoint is the stand-in; GetClusterCredentials answers with the stand-in's admin login. */
function clusterAt(id: string, groups: string[] = ['sg-0123']): void {
  redshift.on(DescribeClustersCommand, { ClusterIdentifier: id }).resolves({
    Clusters: [
      {
        ClusterIdentifier: id,
        ClusterStatus: 'available',
        Endpoint: { Address: standin.host, Port: standin.port },
        VpcSecurityGroups: groups.map((g) => ({ VpcSecurityGroupId: g, Status: 'active' })),
        IamRoles: [{ IamRoleArn: 'arn:aws:iam::123456789012:role/nonprod-redshift', ApplyStatus: 'in-sync' }],
      },
    ],
  });
  redshift.on(GetClusterCredentialsCommand).resolves({ DbUser: standin.user, DbPassword: standin.password, Expiration: new Date(Date.now() + 900_000) });
}

/** EC2 with state: AuthorizeSecurityGroupIngress adds to what DescribeSecurityGroups answers. */
function securityGroup(id: string): { rules: IpPermission[] } {
  const state = { rules: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }] as IpPermission[] };
  ec2.on(DescribeSecurityGroupsCommand).callsFake(() => ({ SecurityGroups: [{ GroupId: id, IpPermissions: structuredClone(state.rules) }] }));
  ec2.on(AuthorizeSecurityGroupIngressCommand).callsFake((input: { IpPermissions?: IpPermission[] }) => {
    state.rules.push(...(input.IpPermissions ?? []));
    return {};
  });
  return state;
}

beforeAll(async () => {
  t = await startTestStack();
  dir = await mkdtemp(join(tmpdir(), 'rsetl-setup-aws-'));
  const u = new URL(t.stack.redshiftUrl);
  standin = { host: u.hostname, port: Number(u.port), database: u.pathname.slice(1), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
});

afterEach(() => {
  redshift.reset();
  serverless.reset();
  ec2.reset();
});

afterAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  for (const name of users) {
    await admin.query(`DROP DATABASE IF EXISTS "${name}db" WITH (FORCE)`).catch(() => undefined);
    await admin.query(`DROP USER IF EXISTS "${name}"`).catch(() => undefined);
  }
  await admin.end();
  await rm(dir, { recursive: true, force: true });
  redshift.restore();
  serverless.restore();
  ec2.restore();
  await t?.stop();
});

describe('setup-user --cluster', () => {
  it('finds the endpoint, logs in with the temporary admin password, creates user and database', async () => {
    clusterAt('nonprod');
    const user = newUser();
    const configOut = join(dir, `${user}.json`);
    const r = await setupUser({ user, target: { kind: 'cluster', id: 'nonprod' }, aws, adminDatabase: standin.database, ssl: false, configOut });
    expect(r.steps.map((s) => [s.step, s.status])).toEqual([
      ['user', 'done'],
      ['database', 'done'],
      ['login', 'done'],
      ['config', 'done'],
    ]);
    expect(redshift.commandCalls(GetClusterCredentialsCommand)[0]!.args[0].input).toMatchObject({
      ClusterIdentifier: 'nonprod',
      DbUser: 'awsuser',
      DbName: standin.database,
      AutoCreate: false,
    });
    expect(await t.warehouse('SELECT usename FROM pg_user WHERE usename = $1', [user])).toHaveLength(1);
    const written = JSON.parse(await readFile(configOut, 'utf8'));
    expect(written.redshift).toMatchObject({
      url: `jdbc:redshift://${standin.host}:${standin.port}/${user}db`,
      user,
      clusterIdentifier: 'nonprod',
      region: 'us-east-1',
      iamRole: 'arn:aws:iam::123456789012:role/nonprod-redshift',
    });
  });

  it('--authorize-my-ip adds the inbound rule once and finds it on the next run', async () => {
    clusterAt('nonprod', ['sg-0123']);
    const sg = securityGroup('sg-0123');
    const user = newUser();
    const first = await setupUser(
      { user, target: { kind: 'cluster', id: 'nonprod' }, aws, adminDatabase: standin.database, ssl: false, configOut: join(dir, `${user}.json`), authorizeMyIp: true },
      { publicIp: myIp },
    );
    expect(first.steps[0]).toMatchObject({ step: 'security-group', status: 'done' });
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(1);
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]!.args[0].input).toEqual({
      GroupId: 'sg-0123',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: standin.port, ToPort: standin.port, IpRanges: [{ CidrIp: '203.0.113.7/32', Description: `rsetl ${user}` }] }],
    });
    const second = await setupUser(
      { user, target: { kind: 'cluster', id: 'nonprod' }, aws, adminDatabase: standin.database, ssl: false, configOut: join(dir, `${user}.json`), authorizeMyIp: true },
      { publicIp: myIp },
    );
    expect(second.steps[0]).toMatchObject({ step: 'security-group', status: 'already-done' });
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(1);
    expect(sg.rules.filter((r) => r.IpRanges?.some((x) => x.CidrIp === '203.0.113.7/32'))).toHaveLength(1);
  });

  it('--dry-run describes the security group but adds no rule', async () => {
    clusterAt('nonprod');
    securityGroup('sg-0123');
    const user = newUser();
    const r = await setupUser(
      { user, target: { kind: 'cluster', id: 'nonprod' }, aws, adminDatabase: standin.database, ssl: false, configOut: join(dir, `${user}.json`), authorizeMyIp: true, dryRun: true },
      { publicIp: myIp },
    );
    expect(r.steps[0]).toMatchObject({ step: 'security-group', status: 'planned' });
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(0);
    expect(await t.warehouse('SELECT 1 FROM pg_user WHERE usename = $1', [user])).toEqual([]);
  });

  it('access denied is a permission error (exit 77) naming the IAM action', async () => {
    redshift
      .on(DescribeClustersCommand)
      .rejects(awsError('AccessDenied', 'User: arn:aws:iam::123456789012:user/jdoe is not authorized to perform: redshift:DescribeClusters', 403));
    const e = await setupUser({ user: 'nobody', target: { kind: 'cluster', id: 'nonprod' }, aws, configOut: join(dir, 'x.json') }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PermissionError);
    expect(exitCodeFor(e)).toBe(77);
    const d = describeError(e);
    expect(d.message).toMatch(/AWS denied redshift:DescribeClusters on cluster "nonprod"/);
    expect(d.hint).toMatch(/allow redshift:DescribeClusters/);
  });

  it('a denied GetClusterCredentials names that action', async () => {
    clusterAt('nonprod');
    redshift.on(GetClusterCredentialsCommand).rejects(awsError('AccessDenied', 'not authorized to perform: redshift:GetClusterCredentials', 403));
    const e = await setupUser({ user: 'nobody', target: { kind: 'cluster', id: 'nonprod' }, aws, configOut: join(dir, 'x.json') }).catch((x: unknown) => x);
    expect(exitCodeFor(e)).toBe(77);
    expect((e as Error).message).toMatch(/redshift:GetClusterCredentials/);
  });

  it('a cluster that does not exist is a usage error (exit 64) that lists the clusters of the region', async () => {
    redshift
      .on(DescribeClustersCommand, { ClusterIdentifier: 'nonprd' })
      .rejects(new ClusterNotFoundFault({ message: 'Cluster nonprd not found.', $metadata: { httpStatusCode: 404 } }));
    redshift.on(DescribeClustersCommand, { MaxRecords: 100 }).resolves({ Clusters: [{ ClusterIdentifier: 'nonprod' }, { ClusterIdentifier: 'prod' }] });
    const e = await setupUser({ user: 'nobody', target: { kind: 'cluster', id: 'nonprd' }, aws, configOut: join(dir, 'x.json') }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect(exitCodeFor(e)).toBe(64);
    expect(describeError(e)).toMatchObject({ message: 'cluster "nonprd" was not found in region us-east-1', hint: 'clusters in us-east-1: nonprod, prod' });
  });

  it('an EC2 permission problem for --authorize-my-ip names ec2:AuthorizeSecurityGroupIngress', async () => {
    clusterAt('nonprod');
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-0123', IpPermissions: [] }] });
    ec2.on(AuthorizeSecurityGroupIngressCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403));
    const e = await setupUser(
      { user: newUser(), target: { kind: 'cluster', id: 'nonprod' }, aws, adminDatabase: standin.database, ssl: false, configOut: join(dir, 'sg.json'), authorizeMyIp: true },
      { publicIp: myIp },
    ).catch((x: unknown) => x);
    expect(exitCodeFor(e)).toBe(77);
    expect((e as Error).message).toMatch(/ec2:AuthorizeSecurityGroupIngress on security group sg-0123/);
  });
});

describe('setup-user --workgroup (Serverless)', () => {
  it('uses GetWorkgroup for the endpoint and GetCredentials for the admin login', async () => {
    serverless.on(GetWorkgroupCommand, { workgroupName: 'analytics' }).resolves({
      workgroup: { workgroupName: 'analytics', status: 'AVAILABLE', endpoint: { address: standin.host, port: standin.port }, securityGroupIds: ['sg-9'] } as never,
    });
    serverless.on(GetCredentialsCommand).resolves({ dbUser: standin.user, dbPassword: standin.password, expiration: new Date(Date.now() + 900_000) });
    const user = newUser();
    const configOut = join(dir, `${user}.json`);
    const r = await setupUser({ user, target: { kind: 'workgroup', name: 'analytics' }, aws, adminDatabase: standin.database, ssl: false, configOut });
    expect(r.steps.find((s) => s.step === 'user')).toMatchObject({ status: 'done' });
    expect(serverless.commandCalls(GetCredentialsCommand)[0]!.args[0].input).toMatchObject({ workgroupName: 'analytics', dbName: standin.database });
    expect(JSON.parse(await readFile(configOut, 'utf8')).redshift).toMatchObject({ workgroup: 'analytics', clusterIdentifier: null });
    expect(redshift.calls()).toHaveLength(0);
  });

  it('a workgroup that does not exist is a usage error; denied GetCredentials is a permission error', async () => {
    serverless.on(GetWorkgroupCommand).rejects(new ResourceNotFoundException({ message: 'Workgroup analytcs not found', $metadata: {} }));
    const e = await setupUser({ user: 'nobody', target: { kind: 'workgroup', name: 'analytcs' }, aws, configOut: join(dir, 'x.json') }).catch((x: unknown) => x);
    expect(exitCodeFor(e)).toBe(64);
    expect((e as Error).message).toBe('workgroup "analytcs" was not found in region us-east-1');

    serverless.reset();
    serverless.on(GetWorkgroupCommand).resolves({ workgroup: { endpoint: { address: standin.host, port: standin.port } } as never });
    serverless.on(GetCredentialsCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: redshift-serverless:GetCredentials', 400));
    const d = await setupUser({ user: 'nobody', target: { kind: 'workgroup', name: 'analytics' }, aws, configOut: join(dir, 'x.json') }).catch((x: unknown) => x);
    expect(exitCodeFor(d)).toBe(77);
    expect((d as Error).message).toMatch(/redshift-serverless:GetCredentials/);
  });
});
