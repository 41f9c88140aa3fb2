// The local AWS control plane through the real SDK v3 clients (endpoint set to it, dummy static
// keys): each action's answer, and its errors with the name and HTTP status real AWS gives them.
import {
  ClusterNotFoundFault,
  DescribeClustersCommand,
  GetClusterCredentialsCommand,
  GetClusterCredentialsWithIAMCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { GetCredentialsCommand, GetWorkgroupCommand, RedshiftServerlessClient, ResourceNotFoundException } from '@aws-sdk/client-redshift-serverless';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalAws, type LocalAws } from '../../src/localstack/aws/index.js';
import { TemporaryCredentials } from '../../src/localstack/redshift-standin/temporary-credentials.js';

let aws: LocalAws;
let table: TemporaryCredentials;
let redshift: RedshiftClient;
let serverless: RedshiftServerlessClient;
let secrets: SecretsManagerClient;

const ROLE = 'arn:aws:iam::000000000000:role/copy-role';

beforeAll(async () => {
  table = new TemporaryCredentials();
  aws = await startLocalAws({ temporaryCredentials: table });
  aws.addCluster({ id: 'dev-cluster', host: '127.0.0.1', port: 54321, database: 'dev', masterUsername: 'awsuser', iamRoles: [ROLE], securityGroupIds: ['sg-0123'] });
  aws.addWorkgroup({ name: 'analytics', host: '127.0.0.1', port: 54322, securityGroupIds: ['sg-9'] });
  // The SDK's region is the client's business; the local server answers any.
  const config = { endpoint: aws.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } };
  redshift = new RedshiftClient(config);
  serverless = new RedshiftServerlessClient(config);
  secrets = new SecretsManagerClient(config);
});

afterAll(async () => {
  redshift?.destroy();
  serverless?.destroy();
  secrets?.destroy();
  await aws?.stop();
});

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } }> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: { name: string; message: string; $metadata: { httpStatusCode?: number } }) => e,
  );
}

describe('Amazon Redshift (awsQuery)', () => {
  it('DescribeClusters gives the endpoint, status, IAM roles and security groups', async () => {
    const r = await redshift.send(new DescribeClustersCommand({ ClusterIdentifier: 'dev-cluster' }));
    expect(r.Clusters).toHaveLength(1);
    expect(r.Clusters![0]).toMatchObject({
      ClusterIdentifier: 'dev-cluster',
      ClusterStatus: 'available',
      MasterUsername: 'awsuser',
      DBName: 'dev',
      Endpoint: { Address: '127.0.0.1', Port: 54321 },
      IamRoles: [{ IamRoleArn: ROLE, ApplyStatus: 'in-sync' }],
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0123', Status: 'active' }],
      DefaultIamRoleArn: ROLE,
    });
    expect(r.Clusters![0]!.ClusterCreateTime).toBeInstanceOf(Date);
    const all = await redshift.send(new DescribeClustersCommand({ MaxRecords: 100 }));
    expect(all.Clusters!.map((c) => c.ClusterIdentifier)).toEqual(['dev-cluster']);
  });

  it('an unknown cluster is ClusterNotFoundFault with status 404', async () => {
    const e = await failure(redshift.send(new DescribeClustersCommand({ ClusterIdentifier: 'nonprd' })));
    expect(e).toBeInstanceOf(ClusterNotFoundFault);
    expect(e.name).toBe('ClusterNotFoundFault');
    expect(e.message).toBe('Cluster nonprd not found.');
    expect(e.$metadata.httpStatusCode).toBe(404);
    const c = await failure(redshift.send(new GetClusterCredentialsCommand({ ClusterIdentifier: 'nonprd', DbUser: 'x' })));
    expect(c.name).toBe('ClusterNotFoundFault');
  });

  it('GetClusterCredentials issues IAM:<user> (IAMA:<user> with AutoCreate), a new password each call, and its expiration', async () => {
    const before = Date.now();
    const a = await redshift.send(new GetClusterCredentialsCommand({ ClusterIdentifier: 'dev-cluster', DbUser: 'rsetl_bus', DbName: 'dev', DurationSeconds: 1800 }));
    const b = await redshift.send(new GetClusterCredentialsCommand({ ClusterIdentifier: 'dev-cluster', DbUser: 'rsetl_bus', DbName: 'dev' }));
    expect(a.DbUser).toBe('IAM:rsetl_bus');
    expect(a.DbPassword).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
    expect(b.DbPassword).not.toBe(a.DbPassword);
    expect(a.Expiration!.getTime() - before).toBeGreaterThanOrEqual(1_799_000);
    expect(a.Expiration!.getTime() - Date.now()).toBeLessThanOrEqual(1_800_000);
    // The default is the minimum, 900 seconds.
    expect(b.Expiration!.getTime() - Date.now()).toBeLessThanOrEqual(900_000);
    expect(b.Expiration!.getTime() - Date.now()).toBeGreaterThan(890_000);
    // Both passwords are in the stand-in's table, for that database only.
    expect(table.check('IAM:rsetl_bus', a.DbPassword!, 'dev')).toMatchObject({ ok: true, credential: { dbUser: 'rsetl_bus', autoCreate: false } });
    expect(table.check('IAM:rsetl_bus', b.DbPassword!, 'dev').ok).toBe(true);
    expect(table.check('IAM:rsetl_bus', a.DbPassword!, 'other')).toEqual({ ok: false, reason: 'other-database' });

    const c = await redshift.send(
      new GetClusterCredentialsCommand({ ClusterIdentifier: 'dev-cluster', DbUser: 'New_User', AutoCreate: true, DbGroups: ['Loaders', 'readers'] }),
    );
    expect(c.DbUser).toBe('IAMA:New_User');
    expect(table.check('IAMA:New_User', c.DbPassword!, 'anydb')).toMatchObject({
      ok: true,
      credential: { dbUser: 'new_user', autoCreate: true, groups: ['loaders', 'readers'] },
    });
  });

  it('refuses a duration outside 900–3600 seconds and a DbUser with a colon', async () => {
    for (const DurationSeconds of [899, 3601]) {
      const e = await failure(redshift.send(new GetClusterCredentialsCommand({ ClusterIdentifier: 'dev-cluster', DbUser: 'u', DurationSeconds })));
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(['InvalidParameterValue', 400]);
    }
    const e = await failure(redshift.send(new GetClusterCredentialsCommand({ ClusterIdentifier: 'dev-cluster', DbUser: 'IAM:u' })));
    expect(e.name).toBe('InvalidParameterValue');
  });

  it('GetClusterCredentialsWithIAM maps the caller: IAMR:<role> for a role, IAM:<user> for a user', async () => {
    const r = await redshift.send(new GetClusterCredentialsWithIAMCommand({ ClusterIdentifier: 'dev-cluster', DbName: 'dev' }));
    expect(r.DbUser).toBe('IAMR:rsetl-local');
    expect(r.NextRefreshTime).toBeInstanceOf(Date);
    expect(table.check('IAMR:rsetl-local', r.DbPassword!, 'dev')).toMatchObject({ ok: true, credential: { dbUser: 'IAMR:rsetl-local', autoCreate: true } });
    aws.callerIdentity = 'arn:aws:iam::000000000000:user/ops/jdoe';
    try {
      const u = await redshift.send(new GetClusterCredentialsWithIAMCommand({ ClusterIdentifier: 'dev-cluster' }));
      expect(u.DbUser).toBe('IAM:jdoe');
    } finally {
      aws.callerIdentity = 'arn:aws:sts::000000000000:assumed-role/rsetl-local/rsetl';
    }
    expect(() => (aws.callerIdentity = 'jdoe')).toThrow(/not an IAM user, role or assumed-role ARN/);
  });

  it('a denied action is AccessDenied with status 403, naming the action and the dbuser resource; allow() undoes it', async () => {
    aws.deny('redshift:GetClusterCredentials');
    try {
      const e = await failure(redshift.send(new GetClusterCredentialsCommand({ ClusterIdentifier: 'dev-cluster', DbUser: 'rsetl_bus' })));
      expect(e.name).toBe('AccessDenied');
      expect(e.$metadata.httpStatusCode).toBe(403);
      expect(e.message).toBe(
        'User: arn:aws:sts::000000000000:assumed-role/rsetl-local/rsetl is not authorized to perform: redshift:GetClusterCredentials on resource: arn:aws:redshift:us-east-1:000000000000:dbuser:dev-cluster/rsetl_bus',
      );
      // Other actions are not affected.
      await redshift.send(new DescribeClustersCommand({ ClusterIdentifier: 'dev-cluster' }));
    } finally {
      aws.allow('redshift:GetClusterCredentials');
    }
    await redshift.send(new GetClusterCredentialsCommand({ ClusterIdentifier: 'dev-cluster', DbUser: 'rsetl_bus' }));
    aws.deny('redshift:DescribeClusters', 'explicit deny in a service control policy');
    try {
      const e = await failure(redshift.send(new DescribeClustersCommand({ ClusterIdentifier: 'dev-cluster' })));
      expect([e.name, e.message]).toEqual(['AccessDenied', 'explicit deny in a service control policy']);
    } finally {
      aws.allow('redshift:DescribeClusters');
    }
  });
});

describe('Amazon Redshift Serverless (awsJson1_1)', () => {
  it('GetWorkgroup gives the endpoint', async () => {
    const r = await serverless.send(new GetWorkgroupCommand({ workgroupName: 'analytics' }));
    expect(r.workgroup).toMatchObject({
      workgroupName: 'analytics',
      status: 'AVAILABLE',
      endpoint: { address: '127.0.0.1', port: 54322 },
      port: 54322,
      securityGroupIds: ['sg-9'],
    });
    expect(r.workgroup!.creationDate).toBeInstanceOf(Date);
    expect(r.workgroup!.workgroupArn).toMatch(/^arn:aws:redshift-serverless:us-east-1:000000000000:workgroup\/[0-9a-f-]{36}$/);
  });

  it('GetCredentials issues IAMR:<role> with a new password each call; unknown workgroups are ResourceNotFoundException 404', async () => {
    const a = await serverless.send(new GetCredentialsCommand({ workgroupName: 'analytics', dbName: 'dev', durationSeconds: 3600 }));
    const b = await serverless.send(new GetCredentialsCommand({ workgroupName: 'analytics' }));
    expect(a.dbUser).toBe('IAMR:rsetl-local');
    expect(b.dbPassword).not.toBe(a.dbPassword);
    expect(a.expiration).toBeInstanceOf(Date);
    expect(a.expiration!.getTime() - Date.now()).toBeGreaterThan(3_590_000);
    expect(a.nextRefreshTime).toBeInstanceOf(Date);
    expect(table.check('IAMR:rsetl-local', a.dbPassword!, 'dev').ok).toBe(true);

    const e = await failure(serverless.send(new GetWorkgroupCommand({ workgroupName: 'analytcs' })));
    expect(e).toBeInstanceOf(ResourceNotFoundException);
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['ResourceNotFoundException', 404]);
    const c = await failure(serverless.send(new GetCredentialsCommand({ workgroupName: 'analytcs' })));
    expect(c.name).toBe('ResourceNotFoundException');
    const v = await failure(serverless.send(new GetCredentialsCommand({ workgroupName: 'analytics', durationSeconds: 60 })));
    expect([v.name, v.$metadata.httpStatusCode]).toEqual(['ValidationException', 400]);
  });

  it('a denied GetCredentials is AccessDeniedException with status 403', async () => {
    aws.deny('redshift-serverless:GetCredentials');
    try {
      const e = await failure(serverless.send(new GetCredentialsCommand({ workgroupName: 'analytics' })));
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(['AccessDeniedException', 403]);
      expect(e.message).toMatch(
        /^User: arn:aws:sts::000000000000:assumed-role\/rsetl-local\/rsetl is not authorized to perform: redshift-serverless:GetCredentials on resource: arn:aws:redshift-serverless:us-east-1:000000000000:workgroup\/[0-9a-f-]{36} because no identity-based policy allows the redshift-serverless:GetCredentials action$/,
      );
    } finally {
      aws.allow('redshift-serverless:GetCredentials');
    }
  });
});

describe('AWS Secrets Manager (awsJson1_1)', () => {
  it('GetSecretValue by ARN, name or partial ARN; a rotation is a new version', async () => {
    const admin = { username: 'awsuser', password: 'p/w+x=1', engine: 'redshift', host: '127.0.0.1', port: 54321, dbClusterIdentifier: 'dev-cluster', dbname: 'dev' };
    const fixed = aws.putSecret('arn:aws:secretsmanager:us-east-1:000000000000:secret:dev-admin', admin);
    expect(fixed).toEqual({ arn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:dev-admin', name: 'dev-admin' });
    const byArn = await secrets.send(new GetSecretValueCommand({ SecretId: fixed.arn }));
    expect(JSON.parse(byArn.SecretString!)).toEqual(admin);
    expect(byArn).toMatchObject({ ARN: fixed.arn, Name: 'dev-admin', VersionStages: ['AWSCURRENT'] });
    expect(byArn.CreatedDate).toBeInstanceOf(Date);
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: 'dev-admin' }))).SecretString).toBe(byArn.SecretString);

    const named = aws.putSecret('bus-user', 'plain text');
    expect(named.arn).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:bus-user-[0-9a-f]{6}$/);
    const partial = await secrets.send(new GetSecretValueCommand({ SecretId: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bus-user' }));
    expect(partial.SecretString).toBe('plain text');

    aws.putSecret('bus-user', { username: 'rsetl_bus', password: 'new' });
    const rotated = await secrets.send(new GetSecretValueCommand({ SecretId: named.arn }));
    expect(JSON.parse(rotated.SecretString!)).toEqual({ username: 'rsetl_bus', password: 'new' });
    expect(rotated.VersionId).not.toBe(partial.VersionId);
  });

  it('an unknown secret is ResourceNotFoundException (400); a denied one AccessDeniedException (400)', async () => {
    const e = await failure(secrets.send(new GetSecretValueCommand({ SecretId: 'nope' })));
    expect([e.name, e.$metadata.httpStatusCode, e.message]).toEqual(['ResourceNotFoundException', 400, "Secrets Manager can't find the specified secret."]);
    aws.putSecret('guarded', 'x');
    aws.deny('secretsmanager:GetSecretValue');
    try {
      const d = await failure(secrets.send(new GetSecretValueCommand({ SecretId: 'guarded' })));
      expect([d.name, d.$metadata.httpStatusCode]).toEqual(['AccessDeniedException', 400]);
      expect(d.message).toMatch(/not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:000000000000:secret:guarded-[0-9a-f]{6} because/);
    } finally {
      aws.allow('secretsmanager:GetSecretValue');
    }
  });
});

describe('what tests steer', () => {
  it('counts calls per action, refused ones included', async () => {
    aws.resetCallCounts();
    await redshift.send(new DescribeClustersCommand({ ClusterIdentifier: 'dev-cluster' }));
    await failure(redshift.send(new DescribeClustersCommand({ ClusterIdentifier: 'gone' })));
    await serverless.send(new GetCredentialsCommand({ workgroupName: 'analytics' }));
    expect(aws.callCount('redshift:DescribeClusters')).toBe(2);
    expect(aws.callCounts()).toEqual({ 'redshift:DescribeClusters': 2, 'redshift-serverless:GetCredentials': 1 });
    aws.resetCallCounts();
    expect(aws.callCount('redshift:DescribeClusters')).toBe(0);
  });

  it('setCredentialLifetime makes passwords expire after that many seconds, whatever was asked for', async () => {
    aws.setCredentialLifetime(2);
    try {
      const r = await redshift.send(new GetClusterCredentialsCommand({ ClusterIdentifier: 'dev-cluster', DbUser: 'short', DurationSeconds: 3600 }));
      expect(r.Expiration!.getTime() - Date.now()).toBeLessThanOrEqual(2_000);
      expect(table.check('IAM:short', r.DbPassword!, 'dev', new Date(Date.now() + 2_500))).toEqual({ ok: false, reason: 'expired' });
    } finally {
      aws.setCredentialLifetime(undefined);
    }
    expect(() => aws.setCredentialLifetime(0)).toThrow(/positive/);
  });
});
