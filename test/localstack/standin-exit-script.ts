// Run as a child process by redshift-standin-lifecycle.test.ts: uses the stand-in fully, closes
// it, and must then exit on its own — any handle left open by the stand-in would keep it alive.
import pg from 'pg';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startLocalS3 } from '../../src/localstack/s3.js';
import { startRedshiftStandin } from '../../src/localstack/redshift-standin/index.js';

const s3 = await startLocalS3({ buckets: ['exit'] });
const standin = await startRedshiftStandin({ backendUrl: process.env.STANDIN_BACKEND_URL!, s3 });
const put = new S3Client({ endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials, forcePathStyle: true });
await put.send(new PutObjectCommand({ Bucket: 'exit', Key: 'x/a.json', Body: '{"id": 1}\n{"id": "bad"}\n' }));
put.destroy();
const c = new pg.Client({ connectionString: standin.url });
await c.connect();
await c.query('create table t (id int8)');
await c.query(`COPY t FROM 's3://exit/x/' IAM_ROLE 'arn:aws:iam::1:role/r' FORMAT AS JSON 'auto'`).catch(() => undefined);
// A second client left connected: close() must end its session too.
const idle = new pg.Client({ connectionString: standin.url });
idle.on('error', () => undefined);
await idle.connect();
await c.end();
await standin.close();
await s3.stop();
console.log('closed');
