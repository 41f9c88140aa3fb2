// Which provider supplied the S3 credentials. The AWS SDK v3 tags the credentials each provider
// returns with `$source`, a record of feature ids (`CREDENTIALS_ENV_VARS`, `CREDENTIALS_PROFILE`,
// `CREDENTIALS_IMDS`, ... — @aws-sdk/core `setCredentialFeature`, listed in @aws-sdk/types
// feature-ids) that it also reports in its user agent. Resolving the client's own credential
// provider therefore names the link of the chain that answered, without re-implementing the chain.
import type { S3Client } from '@aws-sdk/client-s3';
import type { RsetlConfig } from '../config/schema.js';

export type CredentialOrigin = 'config' | 'profile' | 'environment' | 'default chain';

export interface CredentialSource {
  /** Where rsetl told the SDK to look: static keys in the config, a named profile, or the default chain. */
  origin: CredentialOrigin;
  /** The provider that answered, in words. */
  provider: string;
  /** Session credentials (a session token): SSO, an assumed role, an instance or container role. */
  temporary: boolean;
  /** When temporary credentials expire, if the provider says. */
  expiresAt?: string;
}

type Resolved = { accessKeyId: string; sessionToken?: string; expiration?: Date; $source?: Record<string, string> };

/** Feature ids, most specific first: an SSO profile carries both _PROFILE_SSO and _PROFILE. */
const PROVIDERS: ReadonlyArray<[string, (profile: string) => string]> = [
  ['CREDENTIALS_CODE', () => 'static keys in the configuration (s3.accessKeyId / s3.secretAccessKey)'],
  ['CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN', () => 'web identity token from the environment (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE)'],
  ['CREDENTIALS_PROFILE_SSO', (p) => `SSO (IAM Identity Center) session of profile ${p}`],
  ['CREDENTIALS_PROFILE_SSO_LEGACY', (p) => `SSO (legacy) of profile ${p}`],
  ['CREDENTIALS_SSO', (p) => `SSO (IAM Identity Center) session of profile ${p}`],
  ['CREDENTIALS_SSO_LEGACY', (p) => `SSO (legacy) of profile ${p}`],
  ['CREDENTIALS_PROFILE_LOGIN', (p) => `aws login session of profile ${p}`],
  ['CREDENTIALS_LOGIN', () => 'aws login session'],
  ['CREDENTIALS_PROFILE_PROCESS', (p) => `credential_process of profile ${p}`],
  ['CREDENTIALS_PROCESS', () => 'credential_process'],
  ['CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN', (p) => `web identity role of profile ${p}`],
  ['CREDENTIALS_PROFILE_SOURCE_PROFILE', (p) => `role assumed by profile ${p} (source_profile)`],
  ['CREDENTIALS_PROFILE_NAMED_PROVIDER', (p) => `role assumed by profile ${p} (credential_source)`],
  ['CREDENTIALS_PROFILE', (p) => `shared credentials/config file, profile ${p}`],
  ['CREDENTIALS_ENV_VARS', () => 'environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY'],
  ['CREDENTIALS_HTTP', () => 'container credentials endpoint (ECS task role or EKS Pod Identity)'],
  ['CREDENTIALS_IMDS', () => 'EC2 instance profile (instance metadata service)'],
];

function originOf(config: RsetlConfig, source: Record<string, string>): CredentialOrigin {
  if (config.s3.accessKeyId !== undefined) return 'config';
  if (config.s3.profile !== undefined) return 'profile';
  if ('CREDENTIALS_ENV_VARS' in source) return 'environment';
  return 'default chain';
}

/** Resolves the client's credentials (throws the SDK's error when no provider has any). */
export async function resolveCredentialSource(client: S3Client, config: RsetlConfig, env: NodeJS.ProcessEnv = process.env): Promise<CredentialSource> {
  const creds = (await client.config.credentials()) as Resolved;
  const source = creds.$source ?? {};
  const profile = config.s3.profile ?? env.AWS_PROFILE ?? 'default';
  const match = PROVIDERS.find(([feature]) => feature in source);
  const origin = originOf(config, source);
  const provider = match ? match[1](profile) : origin === 'config' ? PROVIDERS[0]![1](profile) : 'an unnamed provider of the AWS default chain';
  return {
    origin,
    provider,
    temporary: creds.sessionToken !== undefined && creds.sessionToken !== '',
    ...(creds.expiration && { expiresAt: creds.expiration.toISOString() }),
  };
}

/** The fix for credentials that cannot be found or are rejected, for the origin that was configured. */
export function credentialFix(config: RsetlConfig): string {
  if (config.s3.accessKeyId !== undefined) return 's3.accessKeyId / s3.secretAccessKey: set a valid key pair (or remove both to use the AWS default credential chain)';
  if (config.s3.profile !== undefined) {
    return `s3.profile "${config.s3.profile}": check it in ~/.aws/config and ~/.aws/credentials; for SSO run \`aws sso login --profile ${config.s3.profile}\``;
  }
  return 'give the AWS default chain credentials: AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, `aws sso login`, or an instance/container role; or set s3.profile or s3.accessKeyId/s3.secretAccessKey';
}
