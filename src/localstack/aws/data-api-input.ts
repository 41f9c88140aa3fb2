// Reading a Redshift Data API request body the way the service checks it: the member types and
// the constraints of the service model (redshift-data 2019-12-20), and the error answers the
// service gives. The SDK checks none of these constraints itself, so the server must.
import { ApiError } from './api-error.js';

/** The model's UUID shape: a statement or session id, optionally `:<n>` for a batch's n-th statement. */
export const ID_PATTERN = '^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\\d+)?$';
const ID = new RegExp(ID_PATTERN);

export const invalid = (message: string) => new ApiError(400, 'ValidationException', message);

/**
 * An unknown statement id. The model gives ResourceNotFoundException status 404, but the service
 * answers it with 400 (observed by client libraries' integration tests against real AWS).
 */
export const statementNotFound = (id: string) => new ApiError(400, 'ResourceNotFoundException', 'Query does not exist.', { ResourceId: id });

export type Input = Record<string, unknown>;

export function text(input: Input, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${name} must be a string`);
  return v;
}

export function required(input: Input, name: string): string {
  const v = text(input, name);
  if (v === undefined) throw invalid(`${name} is required`);
  return v;
}

export function integer(input: Input, name: string, min: number, max: number): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${name} must be an integer`);
  if (v < min || v > max) throw invalid(`${name} must be between ${min} and ${max}`);
  return v;
}

export function bool(input: Input, name: string): boolean | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${name} must be a boolean`);
  return v;
}

/** A statement id (`Id`) or session id in the model's UUID shape; the message is the service's. */
export function statementId(input: Input, name = 'Id'): string {
  const id = required(input, name);
  if (!ID.test(id)) throw invalid(`${name.charAt(0).toLowerCase()}${name.slice(1)} must satisfy regex pattern: ${ID_PATTERN}`);
  return id;
}

export interface SqlParameter {
  name: string;
  value: string;
}

/** `Parameters`: at least one, names of [0-9a-zA-Z_], each once, values of one character or more. */
export function parameters(input: Input): SqlParameter[] | undefined {
  const v = input.Parameters;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length === 0) throw invalid('Parameters must contain at least one parameter');
  const seen = new Set<string>();
  return v.map((p: unknown) => {
    const { name, value } = (p ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name !== 'string' || !/^[0-9a-zA-Z_]+$/.test(name)) throw invalid(`Parameter name ${String(name)} must satisfy regex pattern: ^[0-9a-zA-Z_]+$`);
    if (typeof value !== 'string' || value.length === 0) throw invalid(`Parameter ${name} must have a value of at least 1 character`);
    if (seen.has(name)) throw invalid(`Parameter ${name} is given more than once`);
    seen.add(name);
    return { name, value };
  });
}

/** The model's length bounds of the strings ExecuteStatement and BatchExecuteStatement take. */
export function checkLengths(input: Input): void {
  const bounds: Array<[string, number, number]> = [
    ['ClientToken', 1, 64],
    ['ClusterIdentifier', 1, 63],
    ['StatementName', 0, 500],
  ];
  for (const [name, min, max] of bounds) {
    const v = text(input, name);
    if (v !== undefined && (v.length < min || v.length > max)) throw invalid(`${name} must be between ${min} and ${max} characters long`);
  }
  const wg = text(input, 'WorkgroupName');
  if (wg !== undefined && !/^(([a-z0-9-]+)|(arn:(aws(-[a-z]+)*):redshift-serverless:[a-z]{2}(-gov|(-iso[a-z]?))?-[a-z]+-\d{1}:\d{12}:workgroup\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))$/.test(wg)) {
    throw invalid(`WorkgroupName must satisfy the model's pattern of a workgroup name or ARN: ${wg}`);
  }
  if (wg !== undefined && (wg.length < 3 || wg.length > 128)) throw invalid('WorkgroupName must be between 3 and 128 characters long');
}
