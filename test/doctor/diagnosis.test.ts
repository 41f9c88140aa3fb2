// The pieces of doctor that need no server: which credential provider answered, the cause and fix
// named for an S3 or COPY error, the connection details, and one printed check.
import { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCheck, formatConnection } from '../../src/cli/commands/doctor.js';
import { validateConfig } from '../../src/config/validate.js';
import type { RsetlConfig } from '../../src/config/schema.js';
import { connectionDetails } from '../../src/doctor/connection-details.js';
import { resolveCredentialSource } from '../../src/doctor/credential-source.js';
import { copyProblem } from '../../src/doctor/round-trip.js';
import { s3Problem } from '../../src/doctor/s3-check.js';
import { createS3Client } from '../../src/stage/object-store.js';

function config(extra: { s3?: Record<string, unknown>; redshift?: Record<string, unknown> } = {}): RsetlConfig {
  const v = validateConfig(
    {
      source: { url: 'postgres://u@h/db' },
      redshift: { url: 'jdbc:redshift://example.abc.eu-west-1.redshift.amazonaws.com:5439/dev', user: 'owner', password: 'pw-Secret-1', iamRole: 'arn:aws:iam::123456789012:role/copy', ...extra.redshift },
      s3: { bucket: 'staging-bucket', region: 'eu-west-1', ...extra.s3 },
    },
    ['source', 'redshift', 's3'],
  );
  if (!v.ok) throw new Error(v.problems.join('\n'));
  return v.config;
}

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

describe('the S3 credential provider doctor names', () => {
  it('is the configuration for static keys', async () => {
    const c = config({ s3: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-Example-1' } });
    const client = createS3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-Example-1' } });
    expect(await resolveCredentialSource(client, c)).toEqual({
      origin: 'config',
      provider: 'static keys in the configuration (s3.accessKeyId / s3.secretAccessKey)',
      temporary: false,
    });
  });

  it('is the environment when the default chain finds AWS_ACCESS_KEY_ID, temporary with a session token', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'tok' });
    delete process.env.AWS_PROFILE;
    const source = await resolveCredentialSource(new S3Client({ region: 'eu-west-1' }), config());
    expect(source).toEqual({ origin: 'environment', provider: 'environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY', temporary: true });
  });

  it('is the named profile of the shared credentials file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rsetl-aws-'));
    try {
      await writeFile(join(dir, 'credentials'), '[etl]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret\n');
      await writeFile(join(dir, 'config'), '');
      Object.assign(process.env, { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config') });
      for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[k];
      const c = config({ s3: { profile: 'etl' } });
      const source = await resolveCredentialSource(createS3Client({ region: 'eu-west-1', profile: 'etl' }), c);
      expect(source).toEqual({ origin: 'profile', provider: 'shared credentials/config file, profile etl', temporary: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the fix doctor names for an S3 error', () => {
  const c = config();
  const key = 'redshift-transfer/doctor/abc/probe.txt';
  it('names the IAM action refused', () => {
    const p = s3Problem({ name: 'AccessDenied', message: 'Access Denied', $metadata: { httpStatusCode: 403 } }, 'GetObject', c, key);
    expect(p.fix).toBe('allow s3:GetObject on arn:aws:s3:::staging-bucket/redshift-transfer/* for this identity (IAM policy and bucket policy; with SSE-KMS also kms:GenerateDataKey and kms:Decrypt)');
    expect(s3Problem({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, 'ListObjectsV2', c, key).fix).toMatch(/^allow s3:ListBucket on arn:aws:s3:::staging-bucket \(prefix/);
  });
  it('names the bucket region when S3 redirects', () => {
    const p = s3Problem({ name: 'PermanentRedirect', $metadata: { httpStatusCode: 301 }, $response: { headers: { 'x-amz-bucket-region': 'us-west-2' } } }, 'PutObject', c, key);
    expect(p.cause).toBe('bucket staging-bucket is in another region than s3.region (eu-west-1): it is in us-west-2');
    expect(p.fix).toBe('s3.region: set it to the bucket\'s region ("us-west-2")');
  });
  it('names the credential keys when S3 rejects them', () => {
    const withKeys = config({ s3: { accessKeyId: 'AKIAX', secretAccessKey: 'secret-x1' } });
    expect(s3Problem({ name: 'InvalidAccessKeyId' }, 'PutObject', withKeys, key).fix).toMatch(/^s3\.accessKeyId \/ s3\.secretAccessKey:/);
  });
});

describe('the fix doctor names for a failed COPY', () => {
  const c = config();
  it('is redshift.iamRole when the cluster cannot assume the role', () => {
    const p = copyProblem('S3ServiceException:Access Denied,Status 403 - Not authorized to get credentials of role arn:aws:iam::1:role/x', c);
    expect(p.fix).toMatch(/^redshift\.iamRole: name a role associated with the cluster/);
  });
  it('is the regions when the bucket is elsewhere', () => {
    const p = copyProblem('S3ServiceException:The bucket you are attempting to access must be addressed using the specified endpoint.,Status 301,Error PermanentRedirect', c);
    expect(p.fix).toMatch(/redshift\.region .* s3\.region/);
  });
  it('is the role policy when the role may not read the objects', () => {
    expect(copyProblem('S3ServiceException:Access Denied,Status 403,Error AccessDenied', c).fix).toMatch(/^allow s3:GetObject on arn:aws:s3:::staging-bucket\/redshift-transfer\/\*/);
  });
});

describe('the connection details', () => {
  it('hold host, port, database, user, SSL mode, a JDBC URL and a psql line, never the password', () => {
    const d = connectionDetails(config({ redshift: { busUser: { user: 'etl', password: 'bus-Secret-2' } } }));
    expect(d).toEqual({
      host: 'example.abc.eu-west-1.redshift.amazonaws.com',
      port: 5439,
      database: 'dev',
      user: 'owner',
      etlUser: 'etl',
      sslMode: 'verify-full',
      jdbcUrl: 'jdbc:redshift://example.abc.eu-west-1.redshift.amazonaws.com:5439/dev',
      psql: 'psql "host=example.abc.eu-west-1.redshift.amazonaws.com port=5439 dbname=dev user=owner sslmode=verify-full"',
    });
    const text = formatConnection(d);
    expect(text).toContain('JDBC URL  jdbc:redshift://example.abc.eu-west-1.redshift.amazonaws.com:5439/dev');
    expect(text).not.toMatch(/pw-Secret-1|bus-Secret-2/);
  });
});

describe('a printed check', () => {
  it('is one line with status, number, name and time, then the cause and the fix', () => {
    const text = formatCheck({ name: 'redshift', status: 'fail', ms: 12, detail: 'cannot reach h:1/db', cause: 'nothing answers', fix: 'redshift.url' }, 3);
    expect(text.split('\n')).toEqual(['FAIL  4 redshift      12 ms  cannot reach h:1/db', '      cause: nothing answers', '      fix:   redshift.url']);
    expect(formatCheck({ name: 'round-trip', status: 'skip', ms: 0, detail: 'skipped: S3 does not work (check 3)' }, 4)).toBe(
      'SKIP  5 round-trip           skipped: S3 does not work (check 3)',
    );
  });
});
