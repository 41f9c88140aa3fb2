// Where a Redshift cluster or Serverless workgroup listens, and a temporary admin password for it
// (docs/dba.md#temporary-credentials): the console's "Connect with temporary password", done with
// the AWS SDK so a developer never handles the admin user's real password. Read-only calls only.
import {
  DescribeClustersCommand,
  GetClusterCredentialsCommand,
  RedshiftClient,
  type Cluster,
} from '@aws-sdk/client-redshift';
import { GetCredentialsCommand, GetWorkgroupCommand, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { addKnownSecrets } from '../config/redact.js';
import { UsageError } from '../errors.js';
import { awsClientConfig, type AwsAccess } from '../aws/clients.js';
import { awsFailure } from '../aws/errors.js';

export type RedshiftTarget = { kind: 'cluster'; id: string } | { kind: 'workgroup'; name: string };

export interface RedshiftEndpoint {
  host: string;
  port: number;
  /** VPC security groups in front of the endpoint (for --authorize-my-ip). */
  securityGroupIds: string[];
  /** The cluster's default (or only) IAM role, a good first value for redshift.iamRole. */
  iamRole?: string;
}

export interface AdminCredentials {
  user: string;
  password: string;
  expiration?: Date;
}

/** Temporary credentials live 15 minutes, the minimum: setup-user needs them for seconds. */
const DURATION_SECONDS = 900;

function targetName(t: RedshiftTarget): string {
  return t.kind === 'cluster' ? `cluster ${JSON.stringify(t.id)}` : `workgroup ${JSON.stringify(t.name)}`;
}

/** The cluster ids that do exist in the region, for a not-found hint; undefined if listing fails too. */
async function knownClusters(client: RedshiftClient): Promise<string[] | undefined> {
  try {
    const r = await client.send(new DescribeClustersCommand({ MaxRecords: 100 }));
    return (r.Clusters ?? []).map((c) => c.ClusterIdentifier ?? '').filter(Boolean);
  } catch {
    return undefined;
  }
}

function endpointOfCluster(c: Cluster, id: string): RedshiftEndpoint {
  const host = c.Endpoint?.Address;
  if (!host) {
    throw new UsageError(`cluster ${JSON.stringify(id)} has no endpoint yet (status ${c.ClusterStatus ?? 'unknown'})`, {
      hint: 'wait until the cluster is available, then run setup-user again',
    });
  }
  const roles = (c.IamRoles ?? []).map((r) => r.IamRoleArn ?? '').filter(Boolean);
  const iamRole = c.DefaultIamRoleArn ?? (roles.length === 1 ? roles[0] : undefined);
  return {
    host,
    port: c.Endpoint?.Port ?? 5439,
    securityGroupIds: (c.VpcSecurityGroups ?? [])
      .filter((g) => g.Status === undefined || g.Status === 'active')
      .map((g) => g.VpcSecurityGroupId ?? '')
      .filter(Boolean),
    ...(iamRole ? { iamRole } : {}),
  };
}

async function clusterEndpoint(access: AwsAccess, id: string, admin: { user: string; database: string }) {
  const client = new RedshiftClient(awsClientConfig(access));
  try {
    let cluster: Cluster | undefined;
    try {
      cluster = (await client.send(new DescribeClustersCommand({ ClusterIdentifier: id }))).Clusters?.[0];
      if (!cluster) throw Object.assign(new Error(`cluster ${id} not found`), { name: 'ClusterNotFoundFault' });
    } catch (e) {
      const known = (e as { name?: string }).name === 'ClusterNotFoundFault' ? await knownClusters(client) : undefined;
      throw awsFailure(e, {
        action: 'redshift:DescribeClusters',
        region: access.region,
        resource: targetName({ kind: 'cluster', id }),
        ...(known !== undefined && {
          notFoundHint: known.length ? `clusters in ${access.region}: ${known.join(', ')}` : `there are no clusters in ${access.region}; check --region`,
        }),
      });
    }
    const endpoint = endpointOfCluster(cluster, id);
    let creds: AdminCredentials;
    try {
      const r = await client.send(
        new GetClusterCredentialsCommand({
          ClusterIdentifier: id,
          DbUser: admin.user,
          DbName: admin.database,
          DurationSeconds: DURATION_SECONDS,
          AutoCreate: false,
        }),
      );
      if (!r.DbUser || !r.DbPassword) throw new Error('GetClusterCredentials returned no user or password');
      creds = { user: r.DbUser, password: r.DbPassword, ...(r.Expiration ? { expiration: r.Expiration } : {}) };
    } catch (e) {
      throw awsFailure(e, { action: 'redshift:GetClusterCredentials', region: access.region, resource: `${targetName({ kind: 'cluster', id })} (db user ${admin.user})` });
    }
    return { endpoint, creds };
  } finally {
    client.destroy();
  }
}

async function workgroupEndpoint(access: AwsAccess, name: string, admin: { database: string }) {
  const client = new RedshiftServerlessClient(awsClientConfig(access));
  try {
    let endpoint: RedshiftEndpoint;
    try {
      const wg = (await client.send(new GetWorkgroupCommand({ workgroupName: name }))).workgroup;
      const host = wg?.endpoint?.address;
      if (!host) throw new UsageError(`workgroup ${JSON.stringify(name)} has no endpoint yet (status ${wg?.status ?? 'unknown'})`);
      endpoint = { host, port: wg?.endpoint?.port ?? wg?.port ?? 5439, securityGroupIds: wg?.securityGroupIds ?? [] };
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw awsFailure(e, { action: 'redshift-serverless:GetWorkgroup', region: access.region, resource: targetName({ kind: 'workgroup', name }) });
    }
    let creds: AdminCredentials;
    try {
      // Serverless maps the caller's IAM identity to a database user (IAM:<user> / IAMR:<role>);
      // there is no DbUser to choose (docs/dba.md#temporary-credentials).
      const r = await client.send(new GetCredentialsCommand({ workgroupName: name, dbName: admin.database, durationSeconds: DURATION_SECONDS }));
      if (!r.dbUser || !r.dbPassword) throw new Error('GetCredentials returned no user or password');
      creds = { user: r.dbUser, password: r.dbPassword, ...(r.expiration ? { expiration: r.expiration } : {}) };
    } catch (e) {
      throw awsFailure(e, { action: 'redshift-serverless:GetCredentials', region: access.region, resource: targetName({ kind: 'workgroup', name }) });
    }
    return { endpoint, creds };
  } finally {
    client.destroy();
  }
}

/**
 * The endpoint of a cluster (DescribeClusters) or workgroup (GetWorkgroup) and temporary admin
 * credentials for `admin.database` (GetClusterCredentials as `admin.user`, or GetCredentials).
 * The temporary password is registered for redaction before anything can print it.
 */
export async function resolveRedshift(
  access: AwsAccess,
  target: RedshiftTarget,
  admin: { user: string; database: string },
): Promise<{ endpoint: RedshiftEndpoint; creds: AdminCredentials }> {
  const r = target.kind === 'cluster' ? await clusterEndpoint(access, target.id, admin) : await workgroupEndpoint(access, target.name, admin);
  addKnownSecrets([r.creds.password]);
  return r;
}
