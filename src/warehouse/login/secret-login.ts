// redshift.auth "secret": the user and password (and, when present, host, port and database) from
// an AWS Secrets Manager secret in the JSON shape the Redshift console writes
// ({"username","password","engine","host","port","dbClusterIdentifier","dbname"}). Fetched when
// the first connection needs it and kept; a refused login fetches it again (a rotated secret).
import { awsClientConfig } from '../../aws/clients.js';
import { secretsManagerSdk } from '../../aws/sdk.js';
import { awsFailure } from '../../aws/errors.js';
import { addKnownSecrets } from '../../config/redact.js';
import { ConfigError } from '../../errors.js';
import type { DbLogin } from './login.js';
import type { LoginSettings } from './login-settings.js';

export async function secretLogin(s: LoginSettings): Promise<DbLogin> {
  const arn = s.secretArn!;
  const { GetSecretValueCommand, SecretsManagerClient } = secretsManagerSdk();
  const client = new SecretsManagerClient(awsClientConfig(s.aws));
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
  } catch (e) {
    throw awsFailure(e, { action: 'secretsmanager:GetSecretValue', region: s.aws.region, resource: `secret ${arn}`, resourceArn: arn });
  } finally {
    client.destroy();
  }
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text ?? '') as Record<string, unknown>;
  } catch {
    throw new ConfigError(`secret ${arn} does not hold JSON`, { hint: 'store it as the Redshift console does: {"username": …, "password": …}' });
  }
  const user = value.username;
  const password = value.password;
  if (typeof user !== 'string' || typeof password !== 'string' || user === '' || password === '') {
    throw new ConfigError(`secret ${arn} has no "username" and "password"`, { hint: 'store it as the Redshift console does: {"username": …, "password": …, "host": …, "port": …, "dbname": …}' });
  }
  addKnownSecrets([password]);
  const port = typeof value.port === 'number' ? value.port : typeof value.port === 'string' && /^\d+$/.test(value.port) ? Number(value.port) : undefined;
  return {
    user,
    password,
    ...(typeof value.host === 'string' && value.host !== '' && { host: value.host }),
    ...(port !== undefined && { port }),
    ...(typeof value.dbname === 'string' && value.dbname !== '' && { database: value.dbname }),
    via: `GetSecretValue ${arn}`,
  };
}
