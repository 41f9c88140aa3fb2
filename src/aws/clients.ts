// How rsetl's AWS control-plane clients (Redshift, Redshift Serverless, Secrets Manager, EC2) are
// configured: a region, credentials (a shared-config/SSO profile, static keys, or the AWS default
// chain: environment, SSO, instance or task role), and optionally an endpoint (a VPC endpoint, or
// the local stack's, which speaks the same protocols).
import { credentialsSdk } from './sdk.js';

export interface AwsAccess {
  region: string;
  /** A shared-config / SSO profile; default: the AWS default chain. */
  profile?: string;
  /** Static keys (the local stack, or a host without a role); default: the AWS default chain. */
  keys?: { accessKeyId: string; secretAccessKey: string };
  endpoint?: string;
}

export function awsCredentials(access: Pick<AwsAccess, 'profile' | 'keys'>) {
  if (access.keys) return async () => access.keys!;
  const { fromIni, fromNodeProviderChain } = credentialsSdk();
  return access.profile ? fromIni({ profile: access.profile }) : fromNodeProviderChain();
}

/** The settings every SDK client of rsetl takes. */
export function awsClientConfig(access: AwsAccess) {
  return { region: access.region, credentials: awsCredentials(access), ...(access.endpoint && { endpoint: access.endpoint }) };
}
