// S3 access for staging: streaming multipart uploads, manifests, and deletes. The client is built
// from configuration so tests and the local stack point it at the npm S3 server; production keeps
// the SDK defaults and the AWS credential chain.
// The SDK is loaded on first use (aws/sdk.ts): an idle poll never stages anything.
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { credentialsSdk, s3Sdk, s3UploadSdk } from '../aws/sdk.js';
import { StageError } from '../errors.js';

export interface S3Settings {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  profile?: string;
}

export function createS3Client(s: S3Settings): S3Client {
  const config: S3ClientConfig = {
    region: s.region,
    // An S3 endpoint that stops answering must fail the load, not hang it (the SDK retries first).
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 300_000 },
  };
  if (s.endpoint) config.endpoint = s.endpoint;
  if (s.forcePathStyle ?? Boolean(s.endpoint)) config.forcePathStyle = true;
  if (s.credentials) config.credentials = s.credentials;
  else if (s.profile) config.credentials = credentialsSdk().fromIni({ profile: s.profile });
  return new (s3Sdk().S3Client)(config);
}

export interface UploadOptions {
  /** Multipart part size; 8 MiB keeps each request under the local S3 server's 11 MiB limit. */
  partSizeBytes: number;
  /** Parts of one object uploaded at once. */
  queueSize: number;
}

export class ObjectStore {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
  ) {}

  url(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /** Streams a body of unknown length to S3 (multipart when it exceeds one part). */
  async upload(key: string, body: Readable, opts: UploadOptions): Promise<void> {
    try {
      const upload = new (s3UploadSdk().Upload)({
        client: this.client,
        params: { Bucket: this.bucket, Key: key, Body: body },
        partSize: opts.partSizeBytes,
        queueSize: opts.queueSize,
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (e) {
      throw stageError(`upload of ${this.url(key)} failed`, e);
    }
  }

  async put(key: string, body: string | Buffer, contentType = 'application/json'): Promise<void> {
    try {
      await this.client.send(new (s3Sdk().PutObjectCommand)({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
    } catch (e) {
      throw stageError(`upload of ${this.url(key)} failed`, e);
    }
  }

  async getText(key: string): Promise<string> {
    try {
      const r = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: this.bucket, Key: key }));
      return (await r.Body?.transformToString('utf-8')) ?? '';
    } catch (e) {
      throw stageError(`download of ${this.url(key)} failed`, e);
    }
  }

  /** A gzip object's text (used only on the failure path, for small shadow files). */
  async getGunzippedText(key: string): Promise<string> {
    try {
      const r = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: this.bucket, Key: key }));
      return gunzipSync(Buffer.from((await r.Body?.transformToByteArray()) ?? [])).toString('utf8');
    } catch (e) {
      throw stageError(`download of ${this.url(key)} failed`, e);
    }
  }

  async list(prefix: string): Promise<Array<{ key: string; size: number; lastModified: Date | undefined }>> {
    const out: Array<{ key: string; size: number; lastModified: Date | undefined }> = [];
    let token: string | undefined;
    try {
      do {
        const r = await this.client.send(
          new (s3Sdk().ListObjectsV2Command)({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of r.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0, lastModified: o.LastModified });
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw stageError(`listing ${this.url(prefix)} failed`, e);
    }
    return out;
  }

  /** Deletes every object under a prefix (1000 keys per request). Returns the number deleted. */
  async deletePrefix(prefix: string): Promise<number> {
    if (!prefix.endsWith('/')) throw new Error(`refusing to delete a prefix that is not a folder: ${prefix}`);
    const keys = (await this.list(prefix)).map((o) => o.key);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      try {
        const r = await this.client.send(
          new (s3Sdk().DeleteObjectsCommand)({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        if (r.Errors?.length) throw new Error(r.Errors.map((x) => `${x.Key}: ${x.Code}`).join('; '));
      } catch (e) {
        throw stageError(`deleting ${this.url(prefix)} failed`, e);
      }
    }
    return keys.length;
  }
}

function stageError(message: string, e: unknown): StageError {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  const detail = [err.name, status ? `HTTP ${status}` : undefined, err.message].filter(Boolean).join(': ');
  return new StageError(`${message}: ${detail}`, {
    cause: e,
    hint:
      err.name === 'NoSuchBucket'
        ? 'check s3.bucket and s3.region'
        : err.name === 'AccessDenied' || status === 403
          ? 'the S3 credentials need s3:PutObject, s3:GetObject, s3:ListBucket and s3:DeleteObject on the staging prefix'
          : undefined,
  });
}
