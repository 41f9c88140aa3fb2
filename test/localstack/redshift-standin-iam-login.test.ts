// Logins with temporary passwords from the local AWS control plane, end to end: the real SDK
// clients ask for credentials, a real pg client logs in to the stand-in with what they return, and
// the stand-in behaves as Redshift does: every issued password works until its own expiration, a
// login after it is refused with 28P01 while a session opened before keeps working, the session
// runs as the mapped database user, AutoCreate creates it and DbGroups are joined; also over TLS.
import { GetClusterCredentialsCommand, GetClusterCredentialsWithIAMCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { GetCredentialsCommand, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { randomSuffix } from '../support/random-suffix.js';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalAws, type LocalAws } from '../../src/localstack/aws/index.js';
import { startRedshiftStandin } from '../../src/localstack/redshift-standin/index.js';
import { adminUrl } from '../support/databases.js';
import { waitFor } from '../support/wait-for.js';
import { startStandinFixture, type StandinFixture } from './standin-fixture.js';

let fx: StandinFixture;
let aws: LocalAws;
let redshift: RedshiftClient;
let serverless: RedshiftServerlessClient;
let database: string;
let host: string;
let port: number;
const roles: string[] = [];
const clients: pg.Client[] = [];

/** A database role name of this test file (roles are shared by the whole server). */
function name(prefix: string): string {
  const n = `${prefix}_${randomSuffix()}`;
  roles.push(n);
  return n;
}

async function login(user: string, password: string, db = database): Promise<pg.Client> {
  const c = new pg.Client({ host, port, database: db, user, password });
  c.on('error', () => undefined);
  await c.connect();
  clients.push(c);
  return c;
}

async function refused(user: string, password: string, db = database): Promise<{ code?: string; message: string; severity?: string }> {
  return login(user, password, db).then(
    () => {
      throw new Error(`the login of ${user} was accepted`);
    },
    (e: { code?: string; message: string; severity?: string }) => e,
  );
}

beforeAll(async () => {
  fx = await startStandinFixture('standin_iam');
  aws = await startLocalAws({ temporaryCredentials: fx.standin.temporaryCredentials });
  const url = new URL(fx.standin.url);
  host = url.hostname;
  port = Number(url.port);
  database = url.pathname.slice(1);
  aws.addCluster({ id: 'local', host, port, database, masterUsername: decodeURIComponent(url.username) });
  aws.addWorkgroup({ name: 'local', host, port });
  const config = { endpoint: aws.endpoint, region: 'us-east-1', credentials: aws.credentials };
  redshift = new RedshiftClient(config);
  serverless = new RedshiftServerlessClient(config);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  redshift?.destroy();
  serverless?.destroy();
  await aws?.stop();
  await fx?.stop();
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  for (const r of roles) await admin.query(`DROP ROLE IF EXISTS "${r.replace(/"/g, '""')}"`).catch(() => undefined);
  await admin.end();
});

async function clusterCredentials(input: { DbUser: string; AutoCreate?: boolean; DbGroups?: string[]; DbName?: string }) {
  const r = await redshift.send(new GetClusterCredentialsCommand({ ClusterIdentifier: 'local', DbName: database, ...input }));
  return { user: r.DbUser!, password: r.DbPassword!, expiration: r.Expiration! };
}

async function createUser(user: string): Promise<void> {
  const direct = await fx.direct();
  await direct.query(`CREATE USER "${user}"`);
}

describe('IAM logins on the stand-in', () => {
  it('GetClusterCredentials: the session runs as the mapped database user, and two passwords of one user both work', async () => {
    const user = name('bus');
    await createUser(user);
    const first = await clusterCredentials({ DbUser: user });
    const second = await clusterCredentials({ DbUser: user });
    expect(first.user).toBe(`IAM:${user}`);
    const a = await login(first.user, first.password);
    const b = await login(second.user, second.password);
    for (const c of [a, b]) {
      expect((await c.query('select current_user as cu, session_user as su')).rows).toEqual([{ cu: user, su: user }]);
    }
    // The first password still opens sessions after the second was issued.
    const again = await login(first.user, first.password);
    expect((await again.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    // The mapped user's privileges apply: it cannot read what only the admin may.
    await expect(a.query('select * from pg_authid')).rejects.toMatchObject({ code: '42501' });
  });

  it('a password expires: a new login is refused with 28P01 while the session opened before keeps answering', async () => {
    const user = name('short');
    await createUser(user);
    aws.setCredentialLifetime(2);
    let creds: Awaited<ReturnType<typeof clusterCredentials>>;
    try {
      creds = await clusterCredentials({ DbUser: user });
    } finally {
      aws.setCredentialLifetime(undefined);
    }
    expect(creds.expiration.getTime() - Date.now()).toBeLessThanOrEqual(2_000);
    const session = await login(creds.user, creds.password);
    await sleep(3_000);
    const e = await refused(creds.user, creds.password);
    expect(e.code).toBe('28P01');
    expect(e.message).toBe(`password authentication failed for user "IAM:${user}"`);
    expect((await session.query('select current_user as cu, 41 + 1 as n')).rows).toEqual([{ cu: user, n: 42 }]);
    // A fresh password works again.
    const fresh = await clusterCredentials({ DbUser: user });
    await login(fresh.user, fresh.password);
  });

  it('refuses a wrong password, another user\'s password and another database with 28P01', async () => {
    const user = name('guard');
    await createUser(user);
    const creds = await clusterCredentials({ DbUser: user });
    expect((await refused(creds.user, 'not-issued')).code).toBe('28P01');
    const other = await clusterCredentials({ DbUser: name('other') });
    expect((await refused(creds.user, other.password)).code).toBe('28P01');
    // The password was issued for DbName = this database only.
    expect((await refused(creds.user, creds.password, 'postgres')).code).toBe('28P01');
  });

  it('AutoCreate creates the user (IAMA:) and joins DbGroups; without it a missing user cannot log in', async () => {
    const group = name('loaders');
    const direct = await fx.direct();
    await direct.query(`CREATE GROUP "${group}"`);
    const user = name('auto');
    const creds = await clusterCredentials({ DbUser: user, AutoCreate: true, DbGroups: [group] });
    expect(creds.user).toBe(`IAMA:${user}`);
    expect((await direct.query('select 1 from pg_roles where rolname = $1', [user])).rowCount).toBe(0);
    const c = await login(creds.user, creds.password);
    expect((await c.query('select current_user as cu')).rows).toEqual([{ cu: user }]);
    expect((await c.query(`select pg_has_role($1, $2, 'member') as member`, [user, group])).rows).toEqual([{ member: true }]);
    // The created user has no password: only IAM logins open it.
    expect((await direct.query('select rolpassword from pg_authid where rolname = $1', [user])).rows).toEqual([{ rolpassword: null }]);
    // A second login finds the user made and the membership granted.
    const again = await clusterCredentials({ DbUser: user, AutoCreate: true, DbGroups: [group] });
    await login(again.user, again.password);

    const missing = name('missing');
    const noCreate = await clusterCredentials({ DbUser: missing });
    const e = await refused(noCreate.user, noCreate.password);
    expect([e.code, e.message, e.severity]).toEqual(['28000', `user "${missing}" does not exist`, 'FATAL']);
    expect((await direct.query('select 1 from pg_roles where rolname = $1', [missing])).rowCount).toBe(0);
  });

  it('Serverless GetCredentials and GetClusterCredentialsWithIAM log in as the caller\'s identity, IAMR:<role>', async () => {
    const role = name('etl-role');
    aws.callerIdentity = `arn:aws:sts::000000000000:assumed-role/${role}/session-1`;
    roles.push(`IAMR:${role}`);
    const r = await serverless.send(new GetCredentialsCommand({ workgroupName: 'local', dbName: database }));
    expect(r.dbUser).toBe(`IAMR:${role}`);
    const c = await login(r.dbUser!, r.dbPassword!);
    expect((await c.query('select current_user as cu, session_user as su')).rows).toEqual([{ cu: `IAMR:${role}`, su: `IAMR:${role}` }]);
    const w = await redshift.send(new GetClusterCredentialsWithIAMCommand({ ClusterIdentifier: 'local', DbName: database }));
    expect(w.DbUser).toBe(`IAMR:${role}`);
    const d = await login(w.DbUser!, w.DbPassword!);
    expect((await d.query('select current_user as cu')).rows).toEqual([{ cu: `IAMR:${role}` }]);
  });

  it('keeps the Redshift session rules and the stand-in\'s SQL screening for IAM sessions, and cancels their queries', async () => {
    const user = name('rules');
    await createUser(user);
    const creds = await clusterCredentials({ DbUser: user });
    const c = await login(creds.user, creds.password);
    const settings = await c.query("select current_setting('standard_conforming_strings') as scs, current_setting('TimeZone') as tz, 'a\\'b' as s");
    expect(settings.rows[0]).toEqual({ scs: 'off', tz: 'UTC', s: "a'b" });
    await c.query('create temp table t (id int8)');
    await expect(c.query('insert into t values (1) on conflict do nothing')).rejects.toThrow(/ON CONFLICT/i);
    // BackendKeyData is the backend's own, so a cancel reaches the right session.
    const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
    const slow = c.query('select pg_sleep(30)').catch((e: { code?: string }) => e);
    // Cancel once the backend sleeps: a cancel that arrives before the query runs is lost.
    const direct = await fx.direct();
    await waitFor('the backend to be in pg_sleep', async () =>
      (await direct.query(`select 1 from pg_stat_activity where pid = $1 and wait_event = 'PgSleep'`, [processID])).rowCount! > 0);
    const request = Buffer.alloc(16);
    request.writeInt32BE(16, 0);
    request.writeInt32BE(80877102, 4);
    request.writeInt32BE(processID, 8);
    request.writeInt32BE(secretKey, 12);
    await new Promise<void>((resolve, reject) => {
      const s = connect({ host, port }, () => s.end(request));
      s.on('close', () => resolve());
      s.on('error', reject);
    });
    expect(await slow).toMatchObject({ code: '57014' });
  });

  it('logs in over TLS too (a stand-in with a certificate, sharing the same issued passwords)', async () => {
    const pem = (f: string) => readFileSync(fileURLToPath(new URL(`../fixtures/tls/${f}`, import.meta.url)), 'utf8');
    const tls = await startRedshiftStandin({
      backendUrl: fx.backendUrl,
      s3: fx.s3,
      tls: { cert: pem('server.pem'), key: pem('server.key') },
      temporaryCredentials: fx.standin.temporaryCredentials,
    });
    try {
      const user = name('tls');
      await createUser(user);
      const creds = await clusterCredentials({ DbUser: user });
      const c = new pg.Client({ host: 'localhost', port: tls.port, database, user: creds.user, password: creds.password, ssl: { ca: pem('ca.pem') } });
      await c.connect();
      try {
        expect((await c.query('select current_user as cu')).rows).toEqual([{ cu: user }]);
        expect((c as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream.encrypted).toBe(true);
      } finally {
        await c.end();
      }
    } finally {
      await tls.close();
    }
  });

  it('passes other users through to the backend as before', async () => {
    const c = await fx.connect();
    const backendUser = decodeURIComponent(new URL(fx.backendUrl).username);
    expect((await c.query('select current_user as cu')).rows).toEqual([{ cu: backendUser }]);
  });
});
