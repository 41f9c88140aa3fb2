// TLS end to end: the stand-in started with the throwaway certificates of test/fixtures/tls, and
// rsetl's own connection settings (redshift.ssl / redshift.sslRootCert) connecting to it with pg:
// verified against the configured CA, refused against the shipped Amazon bundle and for a
// certificate of another host name, encrypted without checks under "require".
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError, EXIT } from '../../src/cli/exit-codes.js';
import { redshiftConnection } from '../../src/config/connections.js';
import type { SslSetting } from '../../src/config/redshift-url.js';
import type { RsetlConfig } from '../../src/config/schema.js';
import { validateConfig } from '../../src/config/validate.js';
import { WarehouseError } from '../../src/errors.js';
import { startRedshiftStandin, type RedshiftStandin } from '../../src/localstack/redshift-standin/index.js';
import { WarehouseSession } from '../../src/warehouse/session.js';
import { ROLE, startStandinFixture, type StandinFixture } from './standin-fixture.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
const TEST_CA = fixture('ca.pem');
const pem = (name: string) => readFileSync(fixture(name), 'utf8');

let fx: StandinFixture;
/** Same backend, but its certificate names only not-this-host.invalid. */
let wrongHost: RedshiftStandin;
/** Same backend, started without a certificate: answers SSLRequest with 'N'. */
let plain: RedshiftStandin;

beforeAll(async () => {
  fx = await startStandinFixture('standin_tls', { tls: { cert: pem('server.pem'), key: pem('server.key') } });
  wrongHost = await startRedshiftStandin({ backendUrl: fx.backendUrl, s3: fx.s3, tls: { cert: pem('wrong-host.pem'), key: pem('wrong-host.key') } });
  plain = await startRedshiftStandin({ backendUrl: fx.backendUrl, s3: fx.s3 });
});
afterAll(async () => {
  await wrongHost?.close();
  await plain?.close();
  await fx?.stop();
});

/** A validated rsetl configuration whose redshift.url is `standinUrl` reached by `host`. */
function config(standinUrl: string, host: string, ssl: SslSetting, sslRootCert?: string): RsetlConfig {
  const url = new URL(standinUrl);
  url.hostname = host;
  const raw = { source: { url: 'postgres://rsetl@db.internal/lms' }, redshift: { url: url.toString(), iamRole: ROLE, ssl, ...(sslRootCert && { sslRootCert }) } };
  const v = validateConfig(raw, ['redshift']);
  if (!v.ok) throw new Error(v.problems.join('\n'));
  return v.config;
}

/** Connects pg with rsetl's settings for `c`; the caller ends the client. */
async function pgClient(c: RsetlConfig): Promise<pg.Client> {
  const client = new pg.Client(redshiftConnection(c));
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** The socket pg reads from once connected: a TLSSocket after a successful SSLRequest. */
const socketOf = (client: pg.Client) => (client as unknown as { connection: { stream: TLSSocket } }).connection.stream;

/** What WarehouseSession.connect (every rsetl Redshift connection) throws for `c`. */
async function refusal(c: RsetlConfig): Promise<unknown> {
  return WarehouseSession.connect(redshiftConnection(c)).then(
    async (s) => {
      await s.close();
      throw new Error('the connection was expected to be refused');
    },
    (e: unknown) => e,
  );
}

describe('the stand-in over TLS, with rsetl connection settings', () => {
  for (const ssl of ['verify-full', true] as const) {
    for (const host of ['127.0.0.1', 'localhost']) {
      it(`ssl ${JSON.stringify(ssl)} with sslRootCert = the test CA connects to ${host}, encrypted and verified`, async () => {
        const client = await pgClient(config(fx.standin.url, host, ssl, TEST_CA));
        try {
          const socket = socketOf(client);
          expect(socket.encrypted).toBe(true);
          expect(socket.authorized).toBe(true);
          expect(socket.getPeerCertificate().subject.CN).toBe('localhost');
          expect((await client.query('select 1 + 1 as two')).rows).toEqual([{ two: 2 }]);
          // A result far larger than one TLS record and the socket buffers: the relay's back-pressure over TLS.
          const big = await client.query("select repeat('x', 100) as v from generate_series(1, 20000)");
          expect(big.rows).toHaveLength(20000);
        } finally {
          await client.end();
        }
      });
    }
  }

  it('runs rsetl sessions (WarehouseSession) over the verified connection', async () => {
    const session = await WarehouseSession.connect(redshiftConnection(config(fx.standin.url, 'localhost', 'verify-full', TEST_CA)));
    try {
      const r = await session.query<{ tz: string }>("select current_setting('TimeZone') as tz");
      expect(r.rows[0]?.tz).toBe('UTC');
    } finally {
      await session.close();
    }
  });

  for (const ssl of ['verify-full', true] as const) {
    it(`ssl ${JSON.stringify(ssl)} with the shipped Amazon bundle refuses the test certificate, as a configuration error naming the keys`, async () => {
      const e = await refusal(config(fx.standin.url, 'localhost', ssl));
      expect(e).toBeInstanceOf(WarehouseError);
      expect((e as Error).message).toMatch(/self[- ]signed|unable to verify/i);
      expect((e as WarehouseError).failureClass).toBe('environment');
      const d = describeError(e);
      expect(d.code).toBe(EXIT.CONFIG);
      expect(d.hint).toContain('redshift.sslRootCert');
      expect(d.hint).toContain('Amazon Redshift CA bundle');
    });
  }

  it('classifies the raw pg error the same way (errors that escape without a WarehouseError)', async () => {
    const client = new pg.Client(redshiftConnection(config(fx.standin.url, '127.0.0.1', 'verify-full')));
    client.on('error', () => undefined);
    const e = await client.connect().then(() => undefined, (err: unknown) => err);
    await client.end().catch(() => undefined);
    expect(describeError(e)).toMatchObject({ code: EXIT.CONFIG, kind: 'config' });
    expect(describeError(e).hint).toContain('redshift.sslRootCert');
  });

  for (const host of ['localhost', '127.0.0.1']) {
    it(`refuses a certificate issued by the trusted CA for another host name (connecting to ${host})`, async () => {
      const e = await refusal(config(wrongHost.url, host, 'verify-full', TEST_CA));
      expect(e).toBeInstanceOf(WarehouseError);
      expect((e as WarehouseError).cause).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      expect((e as Error).message).toContain(host);
      const d = describeError(e);
      expect(d.code).toBe(EXIT.CONFIG);
      expect(d.hint).toMatch(/another host name/);
      expect(d.hint).toContain('redshift.url');
    });
  }

  it('"require" encrypts without checking the chain or the name', async () => {
    for (const url of [fx.standin.url, wrongHost.url]) {
      const client = await pgClient(config(url, '127.0.0.1', 'require'));
      try {
        expect(socketOf(client).encrypted).toBe(true);
        expect(socketOf(client).authorized).toBe(false);
        expect((await client.query('select 2 as n')).rows).toEqual([{ n: 2 }]);
      } finally {
        await client.end();
      }
    }
  });

  it('still serves clients that do not ask for TLS', async () => {
    const client = await pgClient(config(fx.standin.url, '127.0.0.1', false));
    try {
      expect(socketOf(client).encrypted).toBeUndefined();
      expect((await client.query('select 3 as n')).rows).toEqual([{ n: 3 }]);
    } finally {
      await client.end();
    }
  });

  it("without a certificate the stand-in answers 'N', and asking for TLS is a configuration error", async () => {
    const e = await refusal(config(plain.url, '127.0.0.1', 'require'));
    expect((e as Error).message).toMatch(/does not support SSL/);
    const d = describeError(e);
    expect(d.code).toBe(EXIT.CONFIG);
    expect(d.hint).toContain('redshift.ssl');
  });
});
