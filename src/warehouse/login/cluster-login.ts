// redshift.auth "iam" on a provisioned cluster: GetClusterCredentials issues a temporary password
// for a database user (`IAM:<dbUser>`), or, without a dbUser, GetClusterCredentialsWithIAM for the
// caller's own IAM identity. The endpoint comes from DescribeClusters when no host is configured.
import { awsClientConfig } from '../../aws/clients.js';
import { redshiftSdk } from '../../aws/sdk.js';
import { awsFailure } from '../../aws/errors.js';
import { addKnownSecrets } from '../../config/redact.js';
import { UsageError } from '../../errors.js';
import type { DbLogin } from './login.js';
import type { LoginSettings } from './login-settings.js';

/** The ARN an IAM policy must name for GetClusterCredentials (the account is the caller's own). */
export function dbUserArn(s: LoginSettings, user: string): string {
  return `arn:aws:redshift:${s.aws.region}:<account-id>:dbuser:${s.clusterIdentifier}/${user}`;
}

export async function clusterLogin(s: LoginSettings, needEndpoint: boolean): Promise<DbLogin> {
  const { DescribeClustersCommand, GetClusterCredentialsCommand, GetClusterCredentialsWithIAMCommand, RedshiftClient } = redshiftSdk();
  const client = new RedshiftClient(awsClientConfig(s.aws));
  const cluster = s.clusterIdentifier!;
  try {
    let endpoint: { host: string; port: number } | undefined;
    if (needEndpoint) {
      try {
        const c = (await client.send(new DescribeClustersCommand({ ClusterIdentifier: cluster }))).Clusters?.[0];
        if (!c?.Endpoint?.Address) throw new UsageError(`cluster ${JSON.stringify(cluster)} has no endpoint (status ${c?.ClusterStatus ?? 'unknown'})`);
        endpoint = { host: c.Endpoint.Address, port: c.Endpoint.Port ?? 5439 };
      } catch (e) {
        if (e instanceof UsageError) throw e;
        throw awsFailure(e, { action: 'redshift:DescribeClusters', region: s.aws.region, resource: `cluster ${JSON.stringify(cluster)}` });
      }
    }
    let login: Omit<DbLogin, 'host' | 'port'>;
    if (s.user !== undefined) {
      const action = 'redshift:GetClusterCredentials';
      try {
        const r = await client.send(
          new GetClusterCredentialsCommand({
            ClusterIdentifier: cluster,
            DbUser: s.user,
            ...(s.database !== undefined && { DbName: s.database }),
            DurationSeconds: s.durationSeconds,
            AutoCreate: s.autoCreate,
            ...(s.dbGroups?.length && { DbGroups: s.dbGroups }),
          }),
        );
        if (!r.DbUser || !r.DbPassword) throw new Error('GetClusterCredentials returned no user or password');
        login = { user: r.DbUser, password: r.DbPassword, ...(r.Expiration && { expiresAt: r.Expiration }), via: 'GetClusterCredentials' };
      } catch (e) {
        throw awsFailure(e, { action, region: s.aws.region, resource: `cluster ${JSON.stringify(cluster)} (db user ${s.user})`, resourceArn: dbUserArn(s, s.user) });
      }
    } else {
      const action = 'redshift:GetClusterCredentialsWithIAM';
      try {
        const r = await client.send(
          new GetClusterCredentialsWithIAMCommand({ ClusterIdentifier: cluster, ...(s.database !== undefined && { DbName: s.database }), DurationSeconds: s.durationSeconds }),
        );
        if (!r.DbUser || !r.DbPassword) throw new Error('GetClusterCredentialsWithIAM returned no user or password');
        login = { user: r.DbUser, password: r.DbPassword, ...(r.Expiration && { expiresAt: r.Expiration }), via: 'GetClusterCredentialsWithIAM' };
      } catch (e) {
        throw awsFailure(e, {
          action,
          region: s.aws.region,
          resource: `cluster ${JSON.stringify(cluster)}`,
          resourceArn: `arn:aws:redshift:${s.aws.region}:<account-id>:dbname:${cluster}/${s.database ?? '<database>'}`,
        });
      }
    }
    addKnownSecrets([login.password]);
    return { ...login, ...endpoint };
  } finally {
    client.destroy();
  }
}
