import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import type { RsetlConfig } from '../../src/config/schema.js';

const ROLE = 'arn:aws:iam::123456789012:role/rsetl-copy';
const SOURCE = { url: 'postgres://rsetl@db.internal/lms' };

function valid(raw: unknown, require: Array<'source' | 'redshift' | 's3'> = ['source']): RsetlConfig {
  const v = validateConfig(raw, require);
  if (!v.ok) throw new Error(v.problems.join('\n'));
  return v.config;
}

function problems(raw: unknown, require: Array<'source' | 'redshift' | 's3'> = ['source']): string[] {
  const v = validateConfig(raw, require);
  return v.ok ? [] : v.problems;
}

describe('config schema', () => {
  it('gives every field its default when only the source is configured', () => {
    const c = valid({ source: SOURCE });
    expect(c.source).toEqual({ url: SOURCE.url, table: 'analyticfinder', controlSchema: 'rsetl' });
    expect(c.redshift).toEqual({
      port: 5439,
      ssl: true,
      statementTimeoutSeconds: 3600,
      auth: 'password',
      transport: 'postgres',
      dataApiSessionKeepAliveSeconds: 120,
      autoCreate: false,
      durationSeconds: 900,
    });
    expect(c.s3).toMatchObject({ bucket: '', prefix: 'redshift-transfer', region: 'us-east-1', partSizeMb: 8, uploadConcurrency: 4, retentionHours: 168 });
    expect(c.s3.forcePathStyle).toBeUndefined();
    expect(c.poll).toEqual({
      intervalSeconds: 240,
      maxEvents: 5000,
      maxEventsPerLoad: 250000,
      lookbackSeconds: 300,
      lookbackIds: 500,
      backoffCapSeconds: 86400,
      maxFailures: 0,
      lockTimeoutSeconds: 1,
      invalidEvents: 'block',
      concurrency: 4,
      copyConcurrency: 4,
    });
    expect(c.dev).toEqual({ dataDir: '.rsetl' });
  });

  it('requires the source url by default, and the sections a command names', () => {
    expect(problems({})).toEqual(['source.url: required']);
    expect(problems({ source: SOURCE }, ['source', 'redshift', 's3'])).toEqual([
      'redshift: give either url or host+database+user, or a redshift.auth that finds the endpoint (iam, serverless, secret)',
      's3.bucket: required',
    ]);
    expect(problems({}, [])).toEqual([]);
  });

  it('requires the IAM role when a Redshift url is set, and checks its shape', () => {
    expect(problems({ source: SOURCE, redshift: { url: 'jdbc:redshift://h.example.com:5439/dev', user: 'u' } })).toEqual([
      'redshift.iamRole: required when redshift.url is set (COPY reads S3 with it)',
    ]);
    expect(problems({ source: SOURCE, redshift: { url: 'redshift://u:p@h/dev', iamRole: 'arn:aws:iam::123:role/x' } })).toEqual([
      'redshift.iamRole: must look like arn:aws:iam::<12 digits>:role/<name>',
    ]);
    expect(problems({ source: SOURCE, redshift: { url: 'redshift://u:p@h/dev', iamRole: `${ROLE},${ROLE}-chained` } })).toEqual([]);
  });

  it('accepts either url or host+database+user, not both', () => {
    expect(problems({ source: SOURCE, redshift: { url: 'redshift://u@h/db', host: 'h', database: 'd', user: 'u', iamRole: ROLE } })).toEqual([
      'redshift.host: give either redshift.url or redshift.host, not both',
    ]);
    expect(problems({ source: SOURCE, redshift: { host: 'h', iamRole: ROLE } })).toEqual([
      'redshift.database: required when redshift.host is set',
      'redshift.user: required when redshift.host is set',
    ]);
    expect(problems({ source: SOURCE, redshift: { url: 'jdbc:redshift://h:5439/dev', iamRole: ROLE } })).toEqual([
      'redshift.user: required (in redshift.url or redshift.user)',
    ]);
    expect(problems({ source: SOURCE, redshift: { url: 'mysql://h/db', user: 'u', iamRole: ROLE } })[0]).toMatch(/^redshift\.url: must be a Redshift URL/);
  });

  it('turns TLS on by default except for localhost, and reads sslmode from the url', () => {
    const rs = (redshift: object) => valid({ source: SOURCE, redshift: { iamRole: ROLE, ...redshift } }).redshift.ssl;
    expect(rs({ host: 'c.redshift.amazonaws.com', database: 'd', user: 'u' })).toBe(true);
    expect(rs({ host: 'localhost', database: 'd', user: 'u' })).toBe(false);
    expect(rs({ url: 'postgres://u@127.0.0.1:5439/dev' })).toBe(false);
    expect(rs({ url: 'postgres://u@h:5439/dev?sslmode=require' })).toBe('require');
    expect(rs({ url: 'jdbc:redshift://h:5439/dev;ssl=false', user: 'u' })).toBe(false);
    expect(rs({ host: 'localhost', database: 'd', user: 'u', ssl: 'verify-full' })).toBe('verify-full');
  });

  it('checks poll bounds and the coalescing bound against maxEvents', () => {
    expect(problems({ source: SOURCE, poll: { maxEvents: 5000, maxEventsPerLoad: 1000 } })).toEqual([
      'poll.maxEventsPerLoad: must be at least poll.maxEvents (5000)',
    ]);
    expect(problems({ source: SOURCE, poll: { intervalSeconds: 2 } })).toEqual(['poll.intervalSeconds: must be a whole number from 5 to 3600']);
    expect(problems({ source: SOURCE, poll: { invalidEvents: 'drop' } })).toEqual(['poll.invalidEvents: must be "block" or "dead-letter"']);
    expect(problems({ source: SOURCE, poll: { concurrency: 0 } })).toEqual(['poll.concurrency: must be a whole number from 1 to 64']);
    expect(problems({ source: SOURCE, poll: { concurrency: 65 } })).toEqual(['poll.concurrency: must be a whole number from 1 to 64']);
    expect(valid({ source: SOURCE, poll: { concurrency: 1 } }).poll.concurrency).toBe(1);
    expect(valid({ source: SOURCE, poll: { maxEvents: 300000 } }).poll.maxEventsPerLoad).toBe(300000);
    expect(valid({ source: SOURCE, poll: { maxEvents: 5000 } }).poll.maxEventsPerLoad).toBe(250000);
  });

  it('requires both static S3 keys, and path-style addressing follows an endpoint', () => {
    expect(problems({ source: SOURCE, s3: { bucket: 'b-1', accessKeyId: 'AKIAEXAMPLE' } })).toEqual([
      's3.secretAccessKey: required when s3.accessKeyId is set',
    ]);
    expect(valid({ source: SOURCE, s3: { bucket: 'b-1', endpoint: 'http://127.0.0.1:9000' } }).s3.forcePathStyle).toBe(true);
    expect(valid({ source: SOURCE, s3: { bucket: 'b-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: false } }).s3.forcePathStyle).toBe(false);
    expect(problems({ source: SOURCE, s3: { bucket: 'Bad_Bucket' } })[0]).toMatch(/^s3\.bucket: must be an S3 bucket name/);
  });

  it('names unknown keys, with a suggestion, and allows $comment anywhere', () => {
    expect(problems({ source: { ...SOURCE, $comment: 'x' }, $comment: ['a'], s3: { bukcet: 'b', $comment: 'y' }, redshfit: {} })).toEqual([
      's3.bukcet: unknown key (did you mean "bucket"?)',
      'redshfit: unknown key (did you mean "redshift"?)',
    ]);
  });

  it('coerces numbers and booleans given as strings', () => {
    const c = valid({ source: SOURCE, poll: { maxEvents: '700', lockTimeoutSeconds: '0.5' }, s3: { forcePathStyle: 'false' } });
    expect(c.poll.maxEvents).toBe(700);
    expect(c.poll.lockTimeoutSeconds).toBe(0.5);
    expect(c.s3.forcePathStyle).toBe(false);
    expect(problems({ source: SOURCE, redshift: { port: 'fifty' } })).toEqual(['redshift.port: must be a whole number from 1 to 65535']);
  });

  it('treats null as not set', () => {
    expect(valid({ source: SOURCE, redshift: { busUser: null, url: null }, s3: { endpoint: null } }).redshift.busUser).toBeUndefined();
  });
});

describe('redshift.auth', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/rsetl-copy';
  const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rsetl-abc';
  it('iam needs a cluster and a database, no host, and no password anywhere', () => {
    const c = valid({ source: SOURCE, redshift: { auth: 'iam', clusterIdentifier: 'c1', database: 'dev', dbUser: 'rsetl_owner', iamRole: ROLE } });
    expect(c.redshift).toMatchObject({ auth: 'iam', ssl: 'verify-full', durationSeconds: 900, autoCreate: false });
    expect(problems({ source: SOURCE, redshift: { auth: 'iam', database: 'dev', iamRole: ROLE } })).toEqual([
      'redshift.clusterIdentifier: required with redshift.auth "iam" (GetClusterCredentials names the cluster)',
    ]);
    expect(problems({ source: SOURCE, redshift: { auth: 'iam', clusterIdentifier: 'c1', database: 'dev', iamRole: ROLE, password: 'x' } })).toEqual([
      'redshift.password: not used with redshift.auth "iam": remove it (and any password in redshift.url)',
    ]);
    expect(problems({ source: SOURCE, redshift: { auth: 'iam', clusterIdentifier: 'c1', database: 'dev', iamRole: ROLE, durationSeconds: 60 } })).toEqual([
      'redshift.durationSeconds: must be a whole number from 900 to 3600',
    ]);
  });

  it('serverless needs a workgroup, secret a secret ARN; the bus user may use its own mode', () => {
    expect(problems({ source: SOURCE, redshift: { auth: 'serverless', database: 'dev', iamRole: ROLE } })).toEqual([
      'redshift.workgroup: required with redshift.auth "serverless" (GetCredentials names the workgroup)',
    ]);
    expect(problems({ source: SOURCE, redshift: { auth: 'secret', iamRole: ROLE, secretArn: 'not-an-arn' } })).toEqual([
      'redshift.secretArn: must look like arn:aws:secretsmanager:<region>:<12 digits>:secret:<name>',
    ]);
    expect(problems({ source: SOURCE, redshift: { auth: 'secret', iamRole: ROLE, secretArn: SECRET, busUser: { auth: 'iam' } } })).toEqual([
      'redshift.busUser.dbUser: required with auth "iam" (the database user the ETL writes as)',
      'redshift.clusterIdentifier: required for busUser.auth "iam"',
    ]);
    expect(problems({ source: SOURCE, redshift: { auth: 'iam', clusterIdentifier: 'c', database: 'd', iamRole: ROLE, busUser: { dbUser: 'rsetl_bus' } } })).toEqual([]);
  });

  it('an iam login needs no host for commands that need Redshift', () => {
    expect(problems({ source: SOURCE, redshift: { auth: 'iam', clusterIdentifier: 'c', database: 'd', iamRole: ROLE } }, ['source', 'redshift'])).toEqual([]);
  });
});
