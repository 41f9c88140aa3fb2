// Scenario 21 and the login modes of `redshift.auth`, from the outside: real `rsetl` processes with
// no database password anywhere in their config, the real AWS SDK clients against the local AWS
// control plane (src/localstack/aws/), and the stand-in checking the temporary passwords it issued
// (expired ones refused at login, open sessions unaffected), as Redshift does.
import { randomSuffix } from '../support/random-suffix.js';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { openConnections } from '../../src/pipeline/connections.js';
import { pollOnce } from '../../src/pipeline/poller.js';
import { adminUrl } from '../support/databases.js';
import { baseStream, expectNoSecrets, expectOracle, expectSameTables, pageView, startFaultEnv, typeOf, type Bus, type FaultEnv } from './harness.js';

let env: FaultEnv;
const stream = baseStream(21, 6);
const suffix = randomSuffix();
const busUser = `rsetl_bus_${suffix}`;
const secretUser = `rsetl_secret_${suffix}`;
const secretArn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:rsetl-test-${suffix}`;
let ownerUser: string;
let database: string;

/** A config with `redshift.auth` = mode and not one database password in it. */
function authConfig(name: string, mode: 'iam' | 'serverless' | 'secret', extra: Record<string, unknown> = {}): Promise<string> {
  return env.writeConfig(name, (c) => {
    const aws = env.t.stack.aws;
    c.redshift = {
      auth: mode,
      database,
      region: 'us-east-1',
      accessKeyId: aws.credentials.accessKeyId,
      secretAccessKey: aws.credentials.secretAccessKey,
      awsEndpoint: env.t.stack.awsEndpoint,
      ssl: false,
      iamRole: env.t.stack.iamRole,
      ...(mode === 'iam' && { clusterIdentifier: env.t.stack.clusterIdentifier, dbUser: ownerUser, autoCreate: true, busUser: { dbUser: busUser } }),
      ...(mode === 'serverless' && { workgroup: env.t.stack.workgroup }),
      ...(mode === 'secret' && { secretArn }),
      ...extra,
    };
  });
}

async function cliOk(args: string[], config: string) {
  const r = await env.cli(args, { config });
  expect(r.status, `${args.join(' ')}\n${r.stderr}\n${r.stdout}`).toBe(0);
  return r;
}

async function newBusWith(config: string, schema: string, rootId: string): Promise<Bus> {
  await cliOk(['init-etl', schema, '--domain', rootId, '--since', '2000-01-01T00:00:00Z'], config);
  const busId = (await env.t.source.query(`select id from rsetl.bus where schema_name = $1`, [schema])).rows[0].id as number;
  const bus = { schema, rootId, busId };
  await env.insert(bus, stream);
  return bus;
}

let admin: pg.Client;
beforeAll(async () => {
  env = await startFaultEnv({ stream: [] });
  database = decodeURIComponent(new URL(env.t.stack.redshiftUrl).pathname.slice(1));
  ownerUser = new URL(env.rawConfig().redshift.url).username;
  // The secret's user: a login of its own, so rotating its password touches nothing else.
  admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`create role "${secretUser}" login superuser password 'First-${suffix}-pw1'`);
  const standin = new URL(env.t.stack.redshiftUrl);
  env.t.stack.aws.putSecret(secretArn, { username: secretUser, password: `First-${suffix}-pw1`, engine: 'redshift', host: standin.hostname, port: Number(standin.port), dbname: database });
  env.secrets.push(`First-${suffix}-pw1`, `Second-${suffix}-pw2`);
});
afterAll(async () => {
  env?.t.stack.aws.setCredentialLifetime(undefined);
  await env?.stop();
  for (const role of [secretUser, busUser]) {
    await admin?.query(`drop owned by "${role}" cascade`).catch(() => undefined);
    await admin?.query(`drop role if exists "${role}"`).catch(() => undefined);
  }
  await admin?.end();
});

describe('redshift.auth "iam": temporary credentials from GetClusterCredentials', () => {
  let bus: Bus;
  it('init-etl, poll and doctor work with no password anywhere in the config; every event loads once', async () => {
    const config = await authConfig('iam.json', 'iam');
    // The source is the application's PostgreSQL; Redshift's section holds no password at all.
    const redshift = JSON.stringify(JSON.parse(await readFile(config, 'utf8')).redshift);
    expect(redshift).not.toMatch(/password|"url"/i);
    bus = await newBusWith(config, 'iam_bus', '2101');
    // The ETL user GetClusterCredentials created (autoCreate) owns nothing and was granted the schema.
    await cliOk(['poll', '--bus', bus.schema], config);
    await expectOracle(env, bus);
    const loaders = await env.t.warehouse(`select distinct usename from pg_stat_activity where usename = $1`, [busUser]);
    expect(loaders.length).toBeLessThanOrEqual(1);
    const doctor = await env.cli(['doctor', '--json'], { config });
    const check = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === 'redshift');
    expect(check.status, JSON.stringify(check)).toBe('pass');
    expect(check.detail).toMatch(new RegExp(`IAMA?:${busUser} via GetClusterCredentials, expires in 1[45] min`));
    expectNoSecrets(env);
  });

  it('reuses a temporary password until five minutes before it expires, then fetches a new one', async () => {
    const aws = env.t.stack.aws;
    // 304 s: the cache may use it for 4 s, then renews.
    aws.setCredentialLifetime(304);
    try {
      const { config } = await loadConfig({ path: await authConfig('iam-cache.json', 'iam'), require: ['source', 'redshift', 's3'] });
      const conn = openConnections(config);
      try {
        aws.resetCallCounts();
        const a = await conn.warehouse('iam_bus');
        const b = await conn.warehouse('iam_bus');
        expect(aws.callCount('redshift:GetClusterCredentials')).toBe(1);
        await new Promise((r) => setTimeout(r, 4_500));
        const c = await conn.warehouse('iam_bus');
        expect(aws.callCount('redshift:GetClusterCredentials')).toBe(2);
        for (const s of [a, b, c]) {
          expect((await s.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u).toBe(busUser);
          await s.close();
        }
      } finally {
        await conn.close();
      }
    } finally {
      aws.setCredentialLifetime(undefined);
    }
  });

  it('scenario 21: credentials expire between two loads and while a load runs; both loads succeed', async () => {
    const aws = env.t.stack.aws;
    aws.setCredentialLifetime(2);
    try {
      const { config } = await loadConfig({ path: await authConfig('iam-expiry.json', 'iam'), require: ['source', 'redshift', 's3'] });
      const conn = openConnections(config);
      try {
        // A session whose password expires while it is open keeps working (Redshift checks at login).
        const open = await conn.warehouse('iam_bus');
        await new Promise((r) => setTimeout(r, 3_000));
        expect((await open.query<{ n: string }>('SELECT count(*) AS n FROM pagenavevent')).rows[0]!.n).not.toBe('0');
        await open.close();
        // Two loads of the same process, the first password long expired by the second.
        const second = await newBusWith(await authConfig('iam-expiry-init.json', 'iam'), 'iam_expiry', '2102');
        aws.resetCallCounts();
        const first = await pollOnce(conn, config, { buses: [second.schema], ignoreSchedule: true, singleLoad: true, limit: 100 });
        expect(first.buses[0]!.status, JSON.stringify(first.buses[0])).not.toBe('failed');
        await new Promise((r) => setTimeout(r, 3_000));
        const rest = await pollOnce(conn, config, { buses: [second.schema], ignoreSchedule: true });
        expect(rest.buses[0]!.status, JSON.stringify(rest.buses[0])).toBe('caught-up');
        expect(aws.callCount('redshift:GetClusterCredentials')).toBeGreaterThanOrEqual(2);
        await expectOracle(env, second);
      } finally {
        await conn.close();
      }
    } finally {
      aws.setCredentialLifetime(undefined);
    }
  });

  it('a revoked IAM permission: poll, init-etl and doctor name the action and the resource; poll exits 77', async () => {
    const aws = env.t.stack.aws;
    const config = await authConfig('iam-denied.json', 'iam');
    aws.deny('redshift:GetClusterCredentials');
    try {
      await env.pump(bus);
      const template = stream.find((e) => typeOf(e) === 'PageNavEvent')!;
      await env.insert(bus, [pageView(template, new Date(Date.now() - 2_000)), pageView(template, new Date(Date.now() - 1_000))]);
      const poll = await env.cli(['poll', '--bus', bus.schema], { config });
      expect(poll.status, poll.stderr).toBe(77);
      expect(poll.stderr).toMatch(/redshift:GetClusterCredentials on arn:aws:redshift:[\w-]+:\d+:dbuser:rsetl-local\//);
      const init = await env.cli(['init-etl', 'iam_denied', '--domain', '2103'], { config });
      expect(init.status, init.stderr).toBe(77);
      expect(init.stderr).toContain('grant redshift:GetClusterCredentials on arn:aws:redshift:');
      const doctor = await env.cli(['doctor', '--json'], { config });
      const check = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === 'redshift');
      expect(check).toMatchObject({ status: 'fail' });
      expect(check.fix).toMatch(/^grant redshift:GetClusterCredentials on arn:aws:redshift:/);
    } finally {
      aws.allow('redshift:GetClusterCredentials');
    }
    await env.pump(bus);
    await cliOk(['poll', '--bus', bus.schema], config);
    await expectOracle(env, bus);
  });
});

describe('redshift.auth "serverless" and "secret"', () => {
  it('load the same events to the same rows as "iam"', async () => {
    const iam = await newBusWith(await authConfig('iam-same.json', 'iam'), 'same_iam', '2201');
    const serverless = await newBusWith(await authConfig('serverless.json', 'serverless'), 'same_serverless', '2202');
    const secret = await newBusWith(await authConfig('secret.json', 'secret'), 'same_secret', '2203');
    await cliOk(['poll', '--bus', iam.schema], await authConfig('iam-same.json', 'iam'));
    await cliOk(['poll', '--bus', serverless.schema], await authConfig('serverless.json', 'serverless'));
    await cliOk(['poll', '--bus', secret.schema], await authConfig('secret.json', 'secret'));
    await expectSameTables(env, iam.schema, serverless.schema);
    await expectSameTables(env, iam.schema, secret.schema);
    await expectOracle(env, secret);
    expectNoSecrets(env);
  });

  it('secret: a rotated password is fetched again when the cached one is refused', async () => {
    const { config } = await loadConfig({ path: await authConfig('secret-rotate.json', 'secret'), require: ['source', 'redshift', 's3'] });
    const aws = env.t.stack.aws;
    const conn = openConnections(config);
    try {
      aws.resetCallCounts();
      await (await conn.warehouse()).close();
      await admin.query(`alter role "${secretUser}" password 'Second-${suffix}-pw2'`);
      aws.putSecret(secretArn, { username: secretUser, password: `Second-${suffix}-pw2`, engine: 'redshift', host: new URL(env.t.stack.redshiftUrl).hostname, port: Number(new URL(env.t.stack.redshiftUrl).port), dbname: database });
      const again = await conn.warehouse();
      expect((await again.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u).toBe(secretUser);
      await again.close();
      expect(aws.callCount('secretsmanager:GetSecretValue')).toBe(2);
    } finally {
      await conn.close();
    }
  });
});
