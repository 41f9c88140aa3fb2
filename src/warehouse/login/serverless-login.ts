// redshift.auth "serverless": GetCredentials issues a temporary password for the caller's IAM
// identity on a workgroup (Serverless has no DbUser to choose: it maps IAM:<user> / IAMR:<role>).
// The endpoint comes from GetWorkgroup when no host is configured.
import { awsClientConfig } from '../../aws/clients.js';
import { redshiftServerlessSdk } from '../../aws/sdk.js';
import { awsFailure } from '../../aws/errors.js';
import { addKnownSecrets } from '../../config/redact.js';
import { UsageError } from '../../errors.js';
import type { DbLogin } from './login.js';
import type { LoginSettings } from './login-settings.js';

export async function serverlessLogin(s: LoginSettings, needEndpoint: boolean): Promise<DbLogin> {
  const { GetCredentialsCommand, GetWorkgroupCommand, RedshiftServerlessClient } = redshiftServerlessSdk();
  const client = new RedshiftServerlessClient(awsClientConfig(s.aws));
  const workgroup = s.workgroup!;
  const arn = `arn:aws:redshift-serverless:${s.aws.region}:<account-id>:workgroup/<workgroup-id of ${workgroup}>`;
  try {
    let endpoint: { host: string; port: number } | undefined;
    if (needEndpoint) {
      try {
        const wg = (await client.send(new GetWorkgroupCommand({ workgroupName: workgroup }))).workgroup;
        if (!wg?.endpoint?.address) throw new UsageError(`workgroup ${JSON.stringify(workgroup)} has no endpoint (status ${wg?.status ?? 'unknown'})`);
        endpoint = { host: wg.endpoint.address, port: wg.endpoint.port ?? wg.port ?? 5439 };
      } catch (e) {
        if (e instanceof UsageError) throw e;
        throw awsFailure(e, { action: 'redshift-serverless:GetWorkgroup', region: s.aws.region, resource: `workgroup ${JSON.stringify(workgroup)}`, resourceArn: arn });
      }
    }
    try {
      const r = await client.send(
        new GetCredentialsCommand({ workgroupName: workgroup, ...(s.database !== undefined && { dbName: s.database }), durationSeconds: s.durationSeconds }),
      );
      if (!r.dbUser || !r.dbPassword) throw new Error('GetCredentials returned no user or password');
      addKnownSecrets([r.dbPassword]);
      return { user: r.dbUser, password: r.dbPassword, ...(r.expiration && { expiresAt: r.expiration }), via: 'GetCredentials', ...endpoint };
    } catch (e) {
      throw awsFailure(e, { action: 'redshift-serverless:GetCredentials', region: s.aws.region, resource: `workgroup ${JSON.stringify(workgroup)}`, resourceArn: arn });
    }
  } finally {
    client.destroy();
  }
}
