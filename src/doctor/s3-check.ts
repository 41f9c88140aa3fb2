// Check 3: S3. Which provider supplied the credentials, then PutObject, GetObject, ListObjectsV2
// and DeleteObject of a small probe under `<prefix>/doctor/<random>/` — each with the IAM
// permission it needs named when it is refused. The probe is removed even when a step fails.
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { s3ClientSettings } from '../config/load.js';
import type { RsetlConfig } from '../config/schema.js';
import { createS3Client } from '../stage/object-store.js';
import { CheckFailure, guarded, pass, type CheckOutcome, type DoctorContext } from './check.js';
import { credentialFix, resolveCredentialSource, type CredentialSource } from './credential-source.js';

type S3Op = 'PutObject' | 'GetObject' | 'ListObjectsV2' | 'DeleteObject';

/** The IAM action each operation needs (ListObjectsV2 is authorised as s3:ListBucket on the bucket). */
const PERMISSION: Record<S3Op, string> = {
  PutObject: 's3:PutObject',
  GetObject: 's3:GetObject',
  ListObjectsV2: 's3:ListBucket',
  DeleteObject: 's3:DeleteObject',
};

/** A fresh folder for one doctor run's objects: `<prefix>/doctor/<random>/`. */
export function probePrefix(config: RsetlConfig): string {
  const base = config.s3.prefix === '' ? '' : `${config.s3.prefix}/`;
  return `${base}doctor/${randomBytes(6).toString('hex')}/`;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}

/** Cause and fix for an S3 error, named for the operation and the configuration that failed. */
export function s3Problem(e: unknown, op: S3Op, config: RsetlConfig, key: string): { detail: string; cause: string; fix: string } {
  const err = (e ?? {}) as SdkError;
  const status = err.$metadata?.httpStatusCode;
  const { bucket, region } = config.s3;
  const detail = `${op} s3://${bucket}/${key} failed: ${[err.name, status && `HTTP ${status}`, err.message].filter(Boolean).join(': ')}`;
  const resource = op === 'ListObjectsV2' ? `arn:aws:s3:::${bucket} (prefix ${config.s3.prefix}/*)` : `arn:aws:s3:::${bucket}/${config.s3.prefix}/*`;
  if (err.name === 'NoSuchBucket') {
    return { detail, cause: `bucket ${bucket} does not exist${config.s3.endpoint ? ` at ${config.s3.endpoint}` : ''}`, fix: `s3.bucket: name an existing bucket (or create ${bucket} in ${region})` };
  }
  const bucketRegion = err.$response?.headers?.['x-amz-bucket-region'];
  if (err.name === 'PermanentRedirect' || err.name === 'AuthorizationHeaderMalformed' || status === 301) {
    return {
      detail,
      cause: `bucket ${bucket} is in another region than s3.region (${region})${bucketRegion ? `: it is in ${bucketRegion}` : ''}`,
      fix: `s3.region: set it to the bucket's region${bucketRegion ? ` ("${bucketRegion}")` : ''}`,
    };
  }
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired'].includes(err.name ?? '')) {
    return { detail, cause: 'S3 rejected the credentials (unknown key, wrong secret or expired session)', fix: credentialFix(config) };
  }
  if (err.name === 'AccessDenied' || status === 403) {
    return {
      detail,
      cause: `the credentials are not allowed ${PERMISSION[op]} on the staging prefix`,
      fix: `allow ${PERMISSION[op]} on ${resource} for this identity (IAM policy and bucket policy; with SSE-KMS also kms:GenerateDataKey and kms:Decrypt)`,
    };
  }
  if (err.name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|EAI_AGAIN/.test(`${err.code ?? ''} ${err.message ?? ''}`)) {
    return {
      detail,
      cause: `the S3 endpoint ${config.s3.endpoint ?? `of ${region}`} is unreachable`,
      fix: config.s3.endpoint ? 's3.endpoint: check the URL and that the server is running' : 's3.region; and the network path to S3 (proxy, VPC endpoint, firewall)',
    };
  }
  return { detail, cause: `S3 refused ${op}`, fix: `check s3.bucket, s3.region and that the identity may ${PERMISSION[op]} on ${resource}` };
}

async function step<T>(op: S3Op, key: string, config: RsetlConfig, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const p = s3Problem(e, op, config, key);
    throw new CheckFailure(p.detail, p.cause, p.fix);
  }
}

async function credentials(client: S3Client, config: RsetlConfig, env?: NodeJS.ProcessEnv): Promise<CredentialSource> {
  try {
    return await resolveCredentialSource(client, config, env);
  } catch (e) {
    throw new CheckFailure(`no S3 credentials: ${(e as Error).message}`, 'no provider of the configured credential source has credentials', credentialFix(config));
  }
}

/** Put, get, list and delete one probe object; on failure the object is still deleted. */
async function probe(client: S3Client, config: RsetlConfig): Promise<{ key: string }> {
  const bucket = config.s3.bucket;
  const key = `${probePrefix(config)}probe.txt`;
  const body = `rsetl doctor probe ${new Date().toISOString()}\n`;
  let stored = false;
  try {
    await step('PutObject', key, config, () => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/plain' })));
    stored = true;
    const got = await step('GetObject', key, config, async () => {
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await r.Body?.transformToString('utf-8')) ?? '';
    });
    if (got !== body) throw new CheckFailure(`GetObject s3://${bucket}/${key} returned other content than was put`, 'the endpoint does not behave like S3', 's3.endpoint: point it at an S3-compatible store');
    const listed = await step('ListObjectsV2', key, config, () => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key })));
    if (!(listed.Contents ?? []).some((o) => o.Key === key)) {
      throw new CheckFailure(`ListObjectsV2 s3://${bucket}/${key} does not list the probe`, 'the endpoint does not behave like S3', 's3.endpoint: point it at an S3-compatible store');
    }
    await step('DeleteObject', key, config, () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
    stored = false;
    return { key };
  } finally {
    // A failed Get or List must not leave the probe behind; a failed Delete is already reported.
    if (stored) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  }
}

export function checkS3(ctx: DoctorContext, env?: NodeJS.ProcessEnv): Promise<CheckOutcome> {
  const config = ctx.config!;
  const client = createS3Client(s3ClientSettings(config));
  return guarded(async () => {
    const creds = await credentials(client, config, env);
    const { key } = await probe(client, config);
    ctx.s3Ok = true;
    const where = `s3://${config.s3.bucket}/${config.s3.prefix}/`;
    return pass(
      `${where} in ${config.s3.region}: put, get, list and delete work; credentials from ${creds.provider}${creds.temporary ? ' (temporary)' : ''}`,
      { bucket: config.s3.bucket, region: config.s3.region, ...(config.s3.endpoint && { endpoint: config.s3.endpoint }), probeKey: key, credentials: creds },
    );
  }).finally(() => client.destroy());
}
