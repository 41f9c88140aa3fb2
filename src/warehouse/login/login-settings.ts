// From the configuration to what a login mode needs: for the owner (the admin commands, the
// materialized view refresh) and for the ETL writer (`redshift.busUser`, which falls back to the
// owner's login when it is not set).
import type { AwsAccess } from '../../aws/clients.js';
import { parseRedshiftUrl } from '../../config/redshift-url.js';
import type { AuthMode, RsetlConfig } from '../../config/schema.js';

export interface LoginSettings {
  mode: AuthMode;
  /** password: the user and password; iam: the db user (undefined: GetClusterCredentialsWithIAM). */
  user?: string;
  password?: string;
  database?: string;
  clusterIdentifier?: string;
  workgroup?: string;
  secretArn?: string;
  dbGroups?: string[];
  autoCreate: boolean;
  durationSeconds: number;
  aws: AwsAccess;
}

export function loginSettings(config: RsetlConfig, role: 'owner' | 'bus'): LoginSettings {
  const r = config.redshift;
  const fromUrl = r.url === undefined ? undefined : parseRedshiftUrl(r.url);
  const bus = role === 'bus' ? r.busUser : undefined;
  const aws: AwsAccess = {
    region: r.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...((bus?.profile ?? r.profile) !== undefined && { profile: bus?.profile ?? r.profile }),
    ...(r.accessKeyId !== undefined && r.secretAccessKey !== undefined && bus?.profile === undefined && { keys: { accessKeyId: r.accessKeyId, secretAccessKey: r.secretAccessKey } }),
    ...(r.awsEndpoint !== undefined && { endpoint: r.awsEndpoint }),
  };
  const common = {
    ...((r.database ?? fromUrl?.database) !== undefined && { database: r.database ?? fromUrl?.database }),
    ...(r.clusterIdentifier !== undefined && { clusterIdentifier: r.clusterIdentifier }),
    ...(r.workgroup !== undefined && { workgroup: r.workgroup }),
    autoCreate: r.autoCreate,
    durationSeconds: r.durationSeconds,
    aws,
  };
  if (bus) {
    const mode = bus.auth ?? (bus.password !== undefined ? 'password' : r.auth);
    const user = bus.dbUser ?? bus.user;
    return {
      ...common,
      mode,
      ...(user !== undefined && { user }),
      ...(bus.password !== undefined && { password: bus.password }),
      ...(bus.secretArn !== undefined && { secretArn: bus.secretArn }),
    };
  }
  const user = r.auth === 'iam' ? r.dbUser : (r.user ?? fromUrl?.user);
  const password = r.password ?? fromUrl?.password;
  return {
    ...common,
    mode: r.auth,
    ...(user !== undefined && { user }),
    ...(password !== undefined && { password }),
    ...(r.secretArn !== undefined && { secretArn: r.secretArn }),
    ...(r.dbGroups !== undefined && { dbGroups: r.dbGroups }),
  };
}
