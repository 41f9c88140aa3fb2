// Amazon Redshift's provisioned-cluster actions rsetl calls: DescribeClusters (where a cluster
// listens), GetClusterCredentials (a temporary password for a named database user, `IAM:<user>`,
// or `IAMA:<user>` with AutoCreate) and GetClusterCredentialsWithIAM (a temporary password for the
// caller's own identity, `IAMR:<role>` / `IAM:<user>`). Shapes and error codes follow the
// Amazon Redshift API Reference.
import { ApiError } from './api-error.js';
import { XmlList, type QueryRequest, type XmlValue } from './query-protocol.js';
import type { AwsRegistry, LocalCluster } from './registry.js';

const invalid = (message: string) => new ApiError(400, 'InvalidParameterValue', message);

function clusterNotFound(id: string): ApiError {
  return new ApiError(404, 'ClusterNotFound', `Cluster ${id} not found.`);
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw invalid(`Invalid value for ${name}: ${value}`);
  return Number(value);
}

function required(req: QueryRequest, name: string): string {
  const value = req.params.get(name);
  if (!value) throw new ApiError(400, 'MissingParameter', `The request must contain the parameter ${name}`);
  return value;
}

function clusterXml(c: LocalCluster & { created: Date }, registry: AwsRegistry): XmlValue {
  const roles = c.iamRoles ?? [];
  return {
    ClusterIdentifier: c.id,
    NodeType: 'ra3.xlplus',
    ClusterStatus: 'available',
    ClusterAvailabilityStatus: 'Available',
    MasterUsername: c.masterUsername,
    DBName: c.database,
    Endpoint: { Address: c.host, Port: c.port },
    ClusterCreateTime: c.created,
    VpcSecurityGroups: new XmlList(
      'VpcSecurityGroup',
      (c.securityGroupIds ?? []).map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
    ),
    VpcId: 'vpc-0000000000000000',
    AvailabilityZone: `${registry.region}a`,
    NumberOfNodes: 1,
    PubliclyAccessible: true,
    Encrypted: true,
    IamRoles: new XmlList('ClusterIamRole', roles.map((arn) => ({ IamRoleArn: arn, ApplyStatus: 'in-sync' }))),
    DefaultIamRoleArn: roles[0],
    ClusterNamespaceArn: `arn:aws:redshift:${registry.region}:${registry.account}:namespace:${c.id}`,
    MasterPasswordSecretArn: c.masterPasswordSecretArn,
  };
}

export function redshiftAction(req: QueryRequest, registry: AwsRegistry): Record<string, XmlValue | undefined> {
  const arn = (kind: string, rest: string) => `arn:aws:redshift:${registry.region}:${registry.account}:${kind}:${rest}`;
  switch (req.action) {
    case 'DescribeClusters': {
      const id = req.params.get('ClusterIdentifier');
      registry.authorize('redshift:DescribeClusters', arn('cluster', id ?? '*'));
      const found = id === undefined ? [...registry.clusters.values()] : [registry.clusters.get(id)].filter((c) => c !== undefined);
      if (id !== undefined && found.length === 0) throw clusterNotFound(id);
      return { Clusters: new XmlList('Cluster', found.map((c) => clusterXml(c, registry))) };
    }
    case 'GetClusterCredentials': {
      const id = required(req, 'ClusterIdentifier');
      const dbUser = required(req, 'DbUser');
      registry.authorize('redshift:GetClusterCredentials', arn('dbuser', `${id}/${dbUser}`));
      if (!registry.clusters.has(id)) throw clusterNotFound(id);
      // The API Reference's rules for DbUser: no colon or slash, at most 64 characters, not PUBLIC.
      if (/[:/]/.test(dbUser) || dbUser.length > 64 || dbUser.toLowerCase() === 'public') throw invalid(`Invalid DbUser: ${dbUser}`);
      const autoCreate = req.params.get('AutoCreate') === 'true';
      const lifetime = registry.lifetime(integer(req.params.get('DurationSeconds'), 'DurationSeconds'), invalid);
      const database = req.params.get('DbName');
      // Redshift folds user and group names to lower case; the login name keeps what was asked for.
      const loginUser = `${autoCreate ? 'IAMA' : 'IAM'}:${dbUser}`;
      const issued = registry.credentials.issue({
        loginUser,
        dbUser: dbUser.toLowerCase(),
        lifetimeSeconds: lifetime,
        ...(database ? { database } : {}),
        autoCreate,
        groups: req.list('DbGroups').map((g) => g.toLowerCase()),
      });
      return { DbUser: loginUser, DbPassword: issued.password, Expiration: issued.expiresAt };
    }
    case 'GetClusterCredentialsWithIAM': {
      const id = required(req, 'ClusterIdentifier');
      const database = req.params.get('DbName');
      registry.authorize('redshift:GetClusterCredentialsWithIAM', arn('dbname', `${id}/${database ?? '*'}`));
      if (!registry.clusters.has(id)) throw clusterNotFound(id);
      const lifetime = registry.lifetime(integer(req.params.get('DurationSeconds'), 'DurationSeconds'), invalid);
      // The database user is the caller's identity itself, created at its first login.
      const user = registry.callerDbUser();
      const issued = registry.credentials.issue({
        loginUser: user,
        dbUser: user,
        lifetimeSeconds: lifetime,
        ...(database ? { database } : {}),
        autoCreate: true,
        groups: [],
      });
      return { DbUser: user, DbPassword: issued.password, Expiration: issued.expiresAt, NextRefreshTime: issued.expiresAt };
    }
    default:
      throw new ApiError(400, 'InvalidAction', `The action ${req.action || '(none)'} is not valid for this web service.`);
  }
}
