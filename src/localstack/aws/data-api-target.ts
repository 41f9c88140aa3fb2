// Where a Data API statement runs and as whom, from the request's authentication members, as the
// service decides it: ClusterIdentifier + DbUser logs in as `IAM:<DbUser>` with a password from
// GetClusterCredentials; ClusterIdentifier alone as the caller's IAM identity (GetClusterCredentials-
// WithIAM, `IAMR:<role>`); WorkgroupName as the caller's identity too (Serverless GetCredentials);
// SecretArn with the secret's username and password. The credentials are fetched on the caller's
// behalf at submission, so a denied or failing fetch fails the call itself: as a
// ValidationException carrying the IAM message (the Data API's model has no access error of its
// own), and an unknown cluster or workgroup with the message the service gives for it.
import { ApiError } from './api-error.js';
import { invalid, text, type Input } from './data-api-input.js';
import type { AwsAction, AwsRegistry } from './registry.js';

/** What the statement records and reports about its target. */
export interface DataApiTarget {
  host: string;
  port: number;
  database: string;
  /** The login name and password the stand-in checks. */
  user: string;
  password: string;
  /** The DbUser the service reports (absent for a secret). */
  dbUser?: string;
  clusterIdentifier?: string;
  workgroupName?: string;
  secretArn?: string;
}

/** Temporary passwords live this long; the Data API logs in at once, so the minimum is plenty. */
const LOGIN_SECONDS = 900;

const noEndpoint = () => invalid("Redshift endpoint doesn't exist in this region.");

/** A denial of the credentials call the service makes on the caller's behalf. */
function onBehalf(registry: AwsRegistry, action: AwsAction, resource: string): void {
  try {
    registry.authorize(action, resource);
  } catch (e) {
    if (e instanceof ApiError) throw invalid(e.message);
    throw e;
  }
}

export function resolveTarget(input: Input, registry: AwsRegistry): DataApiTarget {
  const clusterId = text(input, 'ClusterIdentifier');
  const workgroupName = text(input, 'WorkgroupName');
  const secretArn = text(input, 'SecretArn');
  const dbUser = text(input, 'DbUser');
  const database = text(input, 'Database');
  if (clusterId !== undefined && workgroupName !== undefined) throw invalid('Only one of ClusterIdentifier or WorkgroupName can be specified');
  if (clusterId === undefined && workgroupName === undefined && secretArn === undefined) {
    throw invalid('Either ClusterIdentifier, WorkgroupName or SecretArn must be specified');
  }
  if (secretArn !== undefined && dbUser !== undefined) throw invalid('DbUser cannot be specified together with SecretArn');
  if (workgroupName !== undefined && dbUser !== undefined) throw invalid('DbUser cannot be specified together with WorkgroupName');
  const arn = (service: string, rest: string) => `arn:aws:${service}:${registry.region}:${registry.account}:${rest}`;

  if (secretArn !== undefined) return fromSecret(registry, secretArn, clusterId, workgroupName, database);
  if (database === undefined) throw invalid('Database is required when authenticating with temporary credentials');

  if (workgroupName !== undefined) {
    // A workgroup ARN names it by id; a name names it by name.
    const workgroup = [...registry.workgroups.values()].find((w) => w.name === workgroupName || arn('redshift-serverless', `workgroup/${w.id}`) === workgroupName);
    onBehalf(registry, 'redshift-serverless:GetCredentials', arn('redshift-serverless', `workgroup/${workgroup?.id ?? workgroupName}`));
    if (!workgroup) throw noEndpoint();
    const user = registry.callerDbUser();
    const issued = registry.credentials.issue({ loginUser: user, dbUser: user, lifetimeSeconds: LOGIN_SECONDS, database, autoCreate: true, groups: [] });
    return { host: workgroup.host, port: workgroup.port, database, user, password: issued.password, dbUser: user, workgroupName };
  }

  const cluster = registry.clusters.get(clusterId!);
  if (dbUser !== undefined) {
    onBehalf(registry, 'redshift:GetClusterCredentials', arn('redshift', `dbuser:${clusterId}/${dbUser}`));
    if (!cluster) throw noEndpoint();
    if (/[:/]/.test(dbUser) || dbUser.length > 64 || dbUser.toLowerCase() === 'public') throw invalid(`Invalid DbUser: ${dbUser}`);
    const loginUser = `IAM:${dbUser}`;
    const issued = registry.credentials.issue({
      loginUser,
      dbUser: dbUser.toLowerCase(),
      lifetimeSeconds: LOGIN_SECONDS,
      database,
      autoCreate: false,
      groups: [],
    });
    return { host: cluster.host, port: cluster.port, database, user: loginUser, password: issued.password, dbUser, clusterIdentifier: clusterId };
  }
  onBehalf(registry, 'redshift:GetClusterCredentialsWithIAM', arn('redshift', `dbname:${clusterId}/${database}`));
  if (!cluster) throw noEndpoint();
  const user = registry.callerDbUser();
  const issued = registry.credentials.issue({ loginUser: user, dbUser: user, lifetimeSeconds: LOGIN_SECONDS, database, autoCreate: true, groups: [] });
  return { host: cluster.host, port: cluster.port, database, user, password: issued.password, dbUser: user, clusterIdentifier: clusterId };
}

/**
 * A secret in the console's shape ({"username","password", optionally "host","port","dbname",
 * "dbClusterIdentifier"}): the cluster named in the request, else the one named in the secret,
 * else the secret's host and port.
 */
function fromSecret(registry: AwsRegistry, secretArn: string, clusterId?: string, workgroupName?: string, database?: string): DataApiTarget {
  const secret = registry.findSecret(secretArn);
  onBehalf(registry, 'secretsmanager:GetSecretValue', secret?.arn ?? secretArn);
  if (!secret) throw invalid("Secrets Manager can't find the specified secret.");
  let fields: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(secret.value);
    if (parsed && typeof parsed === 'object') fields = parsed as Record<string, unknown>;
  } catch {
    // A secret that is not JSON has no username or password: refused below.
  }
  const { username, password } = fields;
  if (typeof username !== 'string' || !username || typeof password !== 'string' || !password) {
    throw invalid('username and password in secret cannot be empty');
  }
  const secretCluster = typeof fields.dbClusterIdentifier === 'string' ? fields.dbClusterIdentifier : undefined;
  if (clusterId !== undefined && secretCluster !== undefined && secretCluster !== clusterId) {
    throw invalid(`The cluster identifier ${clusterId} does not match the dbClusterIdentifier stored in the secret`);
  }
  const dbname = database ?? (typeof fields.dbname === 'string' ? fields.dbname : undefined);
  if (dbname === undefined) throw invalid('Database is required when authenticating with a secret');
  const base = { database: dbname, user: username, password, secretArn };
  if (workgroupName !== undefined) {
    const workgroup = registry.workgroups.get(workgroupName);
    if (!workgroup) throw noEndpoint();
    return { ...base, host: workgroup.host, port: workgroup.port, workgroupName };
  }
  const named = clusterId ?? secretCluster;
  if (named !== undefined) {
    const cluster = registry.clusters.get(named);
    if (!cluster) throw noEndpoint();
    return { ...base, host: cluster.host, port: cluster.port, clusterIdentifier: named };
  }
  if (typeof fields.host !== 'string' || fields.port === undefined) throw noEndpoint();
  return { ...base, host: fields.host, port: Number(fields.port) };
}
