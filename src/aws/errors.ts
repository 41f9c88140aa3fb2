// What an AWS control-plane failure means for the person running rsetl: a missing IAM permission
// (exit 77) names the action to allow and the resource it is needed on; a cluster, workgroup or
// secret that does not exist (exit 64) names the region searched; missing credentials (exit 78)
// say where they come from.
import { ConfigError, PermissionError, UnreachableError, UsageError, messageOf } from '../errors.js';

type AwsLike = { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AccessToClusterDeniedFault', 'UnauthorizedAccess']);
const NOT_FOUND = new Set(['ClusterNotFoundFault', 'ResourceNotFoundException', 'InvalidGroup.NotFound']);
const NETWORK = new Set(['ENOTFOUND', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET']);

export interface AwsCallContext {
  /** The IAM action, e.g. `redshift:DescribeClusters`. */
  action: string;
  region: string;
  /** What was looked up, for not-found messages: `cluster "dev-cluster"`. */
  resource?: string;
  /** Extra hint for not-found (e.g. the clusters that do exist). */
  notFoundHint?: string;
  /** The resource ARN a policy must name for the action (e.g. a dbuser ARN). */
  resourceArn?: string;
}

/** AWS's own denial names the resource: "… is not authorized to perform: X on resource: arn:…". */
function deniedResource(message: string): string | undefined {
  return /on resource:?\s+(arn:[^\s"]+)/i.exec(message)?.[1]?.replace(/[.,;]+$/, '');
}

export function awsFailure(e: unknown, ctx: AwsCallContext): Error {
  const err = (e ?? {}) as AwsLike;
  const name = err.name ?? '';
  const message = err.message ?? messageOf(e);
  if (DENIED.has(name) || err.$metadata?.httpStatusCode === 403) {
    const arn = deniedResource(message) ?? ctx.resourceArn;
    const grant = `${ctx.action}${arn ? ` on ${arn}` : ''}`;
    return new PermissionError(`AWS denied ${ctx.action}${ctx.resource ? ` on ${ctx.resource}` : ''}: grant ${grant}`, {
      cause: e,
      hint: `allow ${grant} to the AWS identity rsetl runs as (check the profile, AWS_PROFILE or the instance/task role: is it the account and role you meant?)`,
      context: { awsError: name, region: ctx.region, action: ctx.action, ...(arn && { resourceArn: arn }), awsMessage: message },
    });
  }
  if (NOT_FOUND.has(name)) {
    return new UsageError(`${ctx.resource ?? 'the resource'} was not found in region ${ctx.region}`, {
      cause: e,
      hint: ctx.notFoundHint ?? 'check the name and --region (Redshift clusters and workgroups are per region)',
      context: { awsError: name, region: ctx.region },
    });
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials|credential/i.test(name)) {
    return new ConfigError(`no AWS credentials for ${ctx.action}: ${message}`, {
      cause: e,
      hint: 'log in (aws sso login --profile NAME), pass --profile NAME, or set AWS_PROFILE / AWS_ACCESS_KEY_ID',
    });
  }
  if ((err.code && NETWORK.has(err.code)) || name === 'TimeoutError') {
    return new UnreachableError(`the AWS API for ${ctx.action} in ${ctx.region} is unreachable: ${message}`, {
      cause: e,
      hint: 'check the network, proxy settings and --region',
    });
  }
  return e instanceof Error ? e : new Error(message);
}
