// Where a COPY's data comes from: the objects named by a manifest, or every object under a key
// prefix (Redshift also loads `part-10` for the prefix `part-1`: docs/design.md#redshift-copy), read from the
// local S3 endpoint.
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface S3Endpoint {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** A COPY that cannot start: Redshift's message and the load error code recorded for it. */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly loadErrorCode: number,
    readonly fileName = '',
  ) {
    super(message);
  }
}

export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new SourceError(`Invalid S3 URL '${url}'`, 8001, url);
  return { bucket: m[1]!, key: m[2]! };
}

const NOT_FOUND = 'S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey,Rid rsetl-standin,CanRetry 1';

/**
 * Large output chunks (with zlib's default 16 KiB, the per-chunk overhead costs more than the
 * inflating), and up to 4 MiB inflated ahead of the reader, so that the thread pool inflates while
 * the COPY's rows are written. (Stream options pass through zlib's options; its type omits them.)
 */
const GUNZIP_OPTIONS = { chunkSize: 256 * 1024, readableHighWaterMark: 4 << 20 };

export class S3Source {
  private readonly client: S3Client;

  constructor(endpoint: S3Endpoint) {
    this.client = new S3Client({ ...endpoint, forcePathStyle: true });
  }

  /** The S3 URLs a COPY loads, in order. */
  async resolve(source: string, manifest: boolean): Promise<string[]> {
    return manifest ? this.fromManifest(source) : this.fromPrefix(source);
  }

  /** The object's bytes, gunzipped when asked. */
  async open(url: string, gzip: boolean): Promise<Readable> {
    const { bucket, key } = parseS3Url(url);
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = r.Body as Readable;
      if (!gzip) return body;
      const gunzip = createGunzip(GUNZIP_OPTIONS);
      body.on('error', (e) => gunzip.destroy(e));
      return body.pipe(gunzip);
    } catch (e) {
      if (isNotFound(e)) throw new SourceError(`${NOT_FOUND} (file ${url})`, 1212, url);
      throw e;
    }
  }

  destroy(): void {
    this.client.destroy();
  }

  private async fromManifest(url: string): Promise<string[]> {
    const { bucket, key } = parseS3Url(url);
    let text: string;
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      text = await r.Body!.transformToString('utf8');
    } catch (e) {
      if (isNotFound(e)) throw new SourceError(`Problem reading manifest file - ${NOT_FOUND}`, 1212, url);
      throw e;
    }
    let entries: { url?: unknown; mandatory?: unknown }[];
    try {
      const parsed = JSON.parse(text) as { entries?: unknown };
      if (!Array.isArray(parsed.entries)) throw new Error('no entries array');
      entries = parsed.entries as typeof entries;
    } catch (e) {
      throw new SourceError(`Manifest file is not in correct json format (${(e as Error).message})`, 8001, url);
    }
    const present = await Promise.all(
      entries.map(async (entry) => {
        if (typeof entry.url !== 'string') throw new SourceError('Manifest entry without a url', 8001, url);
        return (await this.exists(entry.url)) ? entry.url : entry.mandatory === true ? missing(entry.url) : undefined;
      }),
    );
    return present.filter((u): u is string => u !== undefined);
  }

  private async fromPrefix(url: string): Promise<string[]> {
    const { bucket, key } = parseS3Url(url);
    const urls: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) urls.push(`s3://${bucket}/${o.Key}`);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    if (urls.length === 0) throw new SourceError(`The specified S3 prefix '${key}' does not exist`, 1212, url);
    return urls;
  }

  private async exists(url: string): Promise<boolean> {
    const { bucket, key } = parseS3Url(url);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }
}

function missing(url: string): never {
  throw new SourceError(`Manifest file lists a mandatory file that is not found: ${url} - ${NOT_FOUND}`, 1212, url);
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
}
