// AWS Secrets Manager's GetSecretValue, for secrets a test or the local stack stored
// (LocalAws.putSecret), by ARN, name or ARN without its random suffix. Shapes and error codes
// follow the Secrets Manager API Reference.
import { ApiError } from './api-error.js';
import { epochSeconds } from './json-protocol.js';
import type { AwsRegistry } from './registry.js';

export function secretsAction(action: string, input: Record<string, unknown>, registry: AwsRegistry): unknown {
  if (action !== 'GetSecretValue') throw new ApiError(400, 'UnknownOperationException', `Unknown operation secretsmanager.${action}`);
  const id = input.SecretId;
  if (typeof id !== 'string' || id === '') throw new ApiError(400, 'InvalidParameterException', 'You must provide a SecretId.');
  const secret = registry.findSecret(id);
  registry.authorize('secretsmanager:GetSecretValue', secret?.arn ?? id);
  if (!secret) throw new ApiError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: secret.versionId,
    SecretString: secret.value,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: epochSeconds(secret.createdDate),
  };
}
