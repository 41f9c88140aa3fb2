import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadConfig, redshiftConnection, s3ClientSettings } from '../../src/config/load.js';
import { clearKnownSecrets, redactText } from '../../src/config/redact.js';

const ROLE = 'arn:aws:iam::123456789012:role/rsetl-copy';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rsetl-config-'));
  clearKnownSecrets();
});

async function file(content: unknown, name = 'rsetl.config.json', mode = 0o600): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  await chmod(path, mode);
  return path;
}

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConfigError);
  return e as ConfigError;
}

describe('loadConfig: where the file comes from', () => {
  it('reads opts.path, then RSETL_CONFIG, then ./rsetl.config.json', async () => {
    const a = await file({ source: { url: 'postgres://h/a' } }, 'a.json');
    const b = await file({ source: { url: 'postgres://h/b' } }, 'b.json');
    await file({ source: { url: 'postgres://h/default' } });
    expect((await loadConfig({ path: a, env: { RSETL_CONFIG: b }, cwd: dir })).config.source.url).toBe('postgres://h/a');
    expect((await loadConfig({ env: { RSETL_CONFIG: b }, cwd: dir })).config.source.url).toBe('postgres://h/b');
    const d = await loadConfig({ env: {}, cwd: dir });
    expect(d.config.source.url).toBe('postgres://h/default');
    expect(d.path).toBe(join(dir, 'rsetl.config.json'));
  });

  it('accepts a missing default file when the environment supplies what is required', async () => {
    const loaded = await loadConfig({ env: { RSETL_SOURCE_URL: 'postgres://h/db' }, cwd: dir });
    expect(loaded.path).toBeUndefined();
    expect(loaded.config.source.url).toBe('postgres://h/db');
    const e = await configError(loadConfig({ env: {}, cwd: dir }));
    expect(e.message).toBe('source.url: required');
    expect(e.hint).toMatch(/no config file found/);
  });

  it('fails on an explicit file that does not exist', async () => {
    const e = await configError(loadConfig({ path: join(dir, 'nope.json'), env: {} }));
    expect(e.message).toMatch(/nope\.json not found/);
  });

  it('reports invalid JSON by line and column without quoting the file', async () => {
    const path = await file('{\n  "source": { "url": "postgres://u:hunter2@h/db", }\n}');
    const e = await configError(loadConfig({ path, env: {} }));
    expect(e.message).toMatch(/not valid JSON at line 2, column \d+/);
    expect(e.message).not.toContain('hunter2');
  });

  it('lists every problem, one per line', async () => {
    const path = await file({ source: {}, redshift: { url: 'jdbc:redshift://h:5439/db', user: 'u' }, poll: { maxEvents: 10, maxEventsPerLoad: 5 }, s3: { bukcet: 'x' } });
    const e = await configError(loadConfig({ path, env: {}, require: ['source', 'redshift', 's3'] }));
    expect(e.message.split('\n')).toEqual([
      'redshift.iamRole: required when redshift.url is set (COPY reads S3 with it)',
      's3.bukcet: unknown key (did you mean "bucket"?)',
      'poll.maxEventsPerLoad: must be at least poll.maxEvents (10)',
    ]);
  });
});

describe('loadConfig: the environment', () => {
  it('substitutes ${NAME}, also inside a string, and $${ stays literal', async () => {
    const path = await file({ source: { url: 'postgres://u:${PW}@${HOST}/db' } });
    const e = await configError(loadConfig({ path, env: { PW: 'p' } }));
    expect(e.message).toBe('source.url: environment variable HOST is not set');
    const path2 = await file({ source: { url: 'postgres://u:${PW}@h/db', controlSchema: '${SCHEMA}' }, dev: { dataDir: 'data/$${x}' } }, 'b.json');
    const { config } = await loadConfig({ path: path2, env: { PW: 'p%40ss', SCHEMA: 'ctl' } });
    expect(config.source).toMatchObject({ url: 'postgres://u:p%40ss@h/db', controlSchema: 'ctl' });
    expect(config.dev.dataDir).toBe('data/${x}');
  });

  it('overrides keys with RSETL_<SECTION>_<KEY>, case-insensitively, nested, coerced', async () => {
    const path = await file({
      source: { url: 'postgres://h/db' },
      redshift: { host: 'rs.example.com', database: 'dev', user: 'owner', iamRole: ROLE, busUser: { user: 'bus', password: 'old' } },
      s3: { bucket: 'from-file' },
    });
    const { config, warnings } = await loadConfig({
      path,
      env: {
        RSETL_REDSHIFT_PASSWORD: 'pw',
        RSETL_POLL_MAXEVENTS: '700',
        RSETL_POLL_MAX_EVENTS_PER_LOAD: '9000',
        RSETL_S3_BUCKET: 'from-env',
        RSETL_REDSHIFT_BUSUSER_PASSWORD: 'newbus',
        RSETL_REDSHIFT_SSL: 'false',
        RSETL_S3_BUKET: 'typo',
        RSETL_TEST_PG_URL: 'not ours',
        RSETL_DEBUG: '1',
      },
      require: ['source', 'redshift', 's3'],
    });
    expect(config.redshift.password).toBe('pw');
    expect(config.poll.maxEvents).toBe(700);
    expect(config.poll.maxEventsPerLoad).toBe(9000);
    expect(config.s3.bucket).toBe('from-env');
    expect(config.redshift.busUser).toEqual({ user: 'bus', password: 'newbus' });
    expect(config.redshift.ssl).toBe(false);
    expect(warnings).toEqual(['RSETL_S3_BUKET: no such configuration key (s3.buket); ignored']);
  });

  it('names the variable when an override is invalid, and an override satisfies an unset placeholder', async () => {
    const path = await file({ source: { url: '${UNSET_URL}' } });
    const e = await configError(loadConfig({ path, env: { RSETL_POLL_INTERVALSECONDS: '1' } }));
    expect(e.message.split('\n')).toEqual([
      'source.url: environment variable UNSET_URL is not set',
      'poll.intervalSeconds: must be a whole number from 5 to 3600 (from RSETL_POLL_INTERVALSECONDS)',
    ]);
    const ok = await loadConfig({ path, env: { RSETL_SOURCE_URL: 'postgres://h/db' } });
    expect(ok.config.source.url).toBe('postgres://h/db');
  });
});

describe('loadConfig: secrets', () => {
  const secretConfig = { source: { url: 'postgres://u:s3cret-pw@h/db' } };

  it('warns about a secret-holding file readable by group or others', async () => {
    const path = await file(secretConfig, 'open.json', 0o644);
    expect((await loadConfig({ path, env: {} })).warnings).toEqual([`${path} holds secrets and is readable by group or others: chmod 600 ${path}`]);
    const closed = await file(secretConfig, 'closed.json', 0o600);
    expect((await loadConfig({ path: closed, env: {} })).warnings).toEqual([]);
    const placeholders = await file({ source: { url: 'postgres://u:${PW}@h/db' }, redshift: { password: '${RS}' } }, 'ph.json', 0o644);
    expect((await loadConfig({ path: placeholders, env: { PW: 'x', RS: 'y' } })).warnings).toEqual([]);
  });

  it('registers loaded secrets so that every printer masks them verbatim', async () => {
    const path = await file(secretConfig);
    await loadConfig({ path, env: {} });
    expect(redactText('FATAL: bad password s3cret-pw given')).toBe('FATAL: bad password *** given');
  });
});

describe('redshiftConnection and s3ClientSettings', () => {
  const base = { source: { url: 'postgres://h/db' } };

  it('builds pg settings from a JDBC url completed by fields, with the bus user when asked', async () => {
    const path = await file({
      ...base,
      redshift: { url: 'jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/dev', user: 'owner', password: 'pw', iamRole: ROLE, busUser: { user: 'bus', password: 'buspw' } },
    });
    const { config } = await loadConfig({ path, env: {}, require: ['redshift'] });
    expect(redshiftConnection(config)).toMatchObject({
      host: 'c.abc.us-east-1.redshift.amazonaws.com',
      port: 5439,
      database: 'dev',
      user: 'owner',
      password: 'pw',
      ssl: { rejectUnauthorized: true },
    });
    expect(redshiftConnection(config, { asBusUser: true })).toMatchObject({ user: 'bus', password: 'buspw' });
  });

  it('decodes credentials in a url, and maps ssl settings', async () => {
    const path = await file({ ...base, redshift: { url: 'redshift://me:p%40ss@localhost:5440/db', iamRole: ROLE } });
    const { config } = await loadConfig({ path, env: {}, require: ['redshift'] });
    expect(redshiftConnection(config)).toMatchObject({ host: 'localhost', port: 5440, user: 'me', password: 'p@ss', ssl: false });
    expect(redshiftConnection(config, { asBusUser: true }).user).toBe('me');
    const req = await file({ ...base, redshift: { host: 'h.example.com', database: 'd', user: 'u', iamRole: ROLE, ssl: 'require' } }, 'r.json');
    expect(redshiftConnection((await loadConfig({ path: req, env: {} })).config).ssl).toEqual({ rejectUnauthorized: false });
  });

  it('fails with a ConfigError when Redshift is not configured', async () => {
    const { config } = await loadConfig({ env: { RSETL_SOURCE_URL: 'postgres://h/db' }, cwd: dir });
    expect(() => redshiftConnection(config)).toThrow(ConfigError);
  });

  it('leaves credentials to the AWS chain unless static keys are given', async () => {
    const chain = await loadConfig({ env: { RSETL_SOURCE_URL: 'postgres://h/db', RSETL_S3_BUCKET: 'b-1' }, cwd: dir });
    expect(s3ClientSettings(chain.config)).toEqual({ region: 'us-east-1' });
    const local = await loadConfig({
      env: { RSETL_SOURCE_URL: 'postgres://h/db', RSETL_S3_ENDPOINT: 'http://127.0.0.1:9000', RSETL_S3_ACCESSKEYID: 'AKIA1', RSETL_S3_SECRETACCESSKEY: 'sk' },
      cwd: dir,
    });
    expect(s3ClientSettings(local.config)).toEqual({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIA1', secretAccessKey: 'sk' },
    });
    const profile = await loadConfig({ env: { RSETL_SOURCE_URL: 'postgres://h/db', RSETL_S3_PROFILE: 'dev' }, cwd: dir });
    expect(s3ClientSettings(profile.config)).toEqual({ region: 'us-east-1', profile: 'dev' });
  });
});
