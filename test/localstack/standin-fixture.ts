// A Redshift stand-in in front of a fresh database of the test run's PostgreSQL, with a local S3.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { startLocalS3, type LocalS3 } from '../../src/localstack/s3.js';
import { startRedshiftStandin, type RedshiftStandin, type StandinOptions } from '../../src/localstack/redshift-standin/index.js';
import { newDatabase } from '../support/databases.js';

export const BUCKET = 'staging';
export const ROLE = 'arn:aws:iam::123456789012:role/rsetl-loader';

export interface StandinFixture {
  standin: RedshiftStandin;
  s3: LocalS3;
  backendUrl: string;
  /** A connected pg client through the stand-in; closed by stop(). */
  connect(): Promise<pg.Client>;
  /** A pg client straight to the backing database (bypasses the stand-in). */
  direct(): Promise<pg.Client>;
  put(key: string, body: string | Buffer, gzip?: boolean): Promise<void>;
  /** Uploads NDJSON parts (gzipped) plus a manifest naming them; returns the manifest's s3 URL. */
  putLoad(prefix: string, parts: object[][] | string[], extra?: { url: string; mandatory: boolean }[]): Promise<string>;
  stop(): Promise<void>;
}

export async function startStandinFixture(prefix: string, options: Partial<StandinOptions> = {}): Promise<StandinFixture> {
  const s3 = await startLocalS3({ buckets: [BUCKET] });
  const backendUrl = await newDatabase(prefix);
  const standin = await startRedshiftStandin({ backendUrl, s3, ...options });
  const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials, forcePathStyle: true });
  const clients: pg.Client[] = [];
  const open = async (connectionString: string) => {
    const c = new pg.Client({ connectionString });
    c.on('error', () => undefined);
    await c.connect();
    clients.push(c);
    return c;
  };
  const put = async (key: string, body: string | Buffer, gzip = false) => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: gzip ? gzipSync(bytes) : bytes }));
  };
  return {
    standin,
    s3,
    backendUrl,
    connect: () => open(standin.url),
    direct: () => open(backendUrl),
    put,
    async putLoad(keyPrefix, parts, extra = []) {
      const entries: { url: string; mandatory: boolean }[] = [];
      for (const [i, part] of parts.entries()) {
        const key = `${keyPrefix}/part-${i}.json.gz`;
        const text = typeof part === 'string' ? part : part.map((r) => JSON.stringify(r)).join('\n') + '\n';
        await put(key, text, true);
        entries.push({ url: `s3://${BUCKET}/${key}`, mandatory: true });
      }
      const manifestKey = `${keyPrefix}/load.manifest`;
      await put(manifestKey, JSON.stringify({ entries: [...entries, ...extra] }));
      return `s3://${BUCKET}/${manifestKey}`;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      await standin.close();
      client.destroy();
      await s3.stop();
    },
  };
}

/** The COPY rsetl sends: manifest, gzip, JSON 'auto', as one simple-protocol statement. */
export function copySql(table: string, manifestUrl: string, role = ROLE): string {
  return `COPY ${table} FROM '${manifestUrl}' IAM_ROLE '${role}' MANIFEST GZIP FORMAT AS JSON 'auto' TIMEFORMAT 'auto' REGION 'us-east-1' COMPUPDATE OFF STATUPDATE OFF`;
}
