// Amazon Redshift Serverless's actions rsetl calls: GetWorkgroup (where a workgroup listens) and
// GetCredentials (a temporary password for the caller's IAM identity, `IAMR:<role>` /
// `IAM:<user>`). Shapes and error codes follow the Redshift Serverless API Reference.
import { ApiError } from './api-error.js';
import { epochSeconds } from './json-protocol.js';
import type { AwsRegistry } from './registry.js';

const invalid = (message: string) => new ApiError(400, 'ValidationException', message);

function workgroupNotFound(name: string): ApiError {
  return new ApiError(404, 'ResourceNotFoundException', `Workgroup ${name} not found.`);
}

function text(input: Record<string, unknown>, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${name} must be a string`);
  return v;
}

export function serverlessAction(action: string, input: Record<string, unknown>, registry: AwsRegistry): unknown {
  const arn = (rest: string) => `arn:aws:redshift-serverless:${registry.region}:${registry.account}:${rest}`;
  const workgroupName = text(input, 'workgroupName');
  const workgroup = workgroupName === undefined ? undefined : registry.workgroups.get(workgroupName);
  const resource = arn(`workgroup/${workgroup?.id ?? workgroupName ?? '*'}`);
  switch (action) {
    case 'GetWorkgroup': {
      registry.authorize('redshift-serverless:GetWorkgroup', resource);
      if (workgroupName === undefined) throw invalid('workgroupName is required');
      if (!workgroup) throw workgroupNotFound(workgroupName);
      const namespaceName = workgroup.namespaceName ?? workgroup.name;
      return {
        workgroup: {
          workgroupId: workgroup.id,
          workgroupArn: arn(`workgroup/${workgroup.id}`),
          workgroupName: workgroup.name,
          namespaceName,
          status: 'AVAILABLE',
          baseCapacity: 8,
          enhancedVpcRouting: false,
          publiclyAccessible: true,
          port: workgroup.port,
          endpoint: { address: workgroup.host, port: workgroup.port, vpcEndpoints: [] },
          securityGroupIds: workgroup.securityGroupIds ?? [],
          subnetIds: [],
          creationDate: workgroup.created.toISOString(),
        },
      };
    }
    case 'GetCredentials': {
      registry.authorize('redshift-serverless:GetCredentials', resource);
      if (workgroupName === undefined) throw invalid('workgroupName or customDomainName is required');
      if (!workgroup) throw workgroupNotFound(workgroupName);
      const requested = input.durationSeconds;
      if (requested !== undefined && typeof requested !== 'number') throw invalid('durationSeconds must be a number');
      const lifetime = registry.lifetime(requested as number | undefined, invalid);
      const database = text(input, 'dbName');
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
      return {
        dbUser: user,
        dbPassword: issued.password,
        expiration: epochSeconds(issued.expiresAt),
        nextRefreshTime: epochSeconds(issued.expiresAt),
      };
    }
    default:
      throw new ApiError(400, 'UnknownOperationException', `Unknown operation RedshiftServerless.${action}`);
  }
}
