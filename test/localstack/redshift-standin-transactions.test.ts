// The stand-in across statements and sessions: TRUNCATE commits the open transaction as on
// Redshift; in its `serializable` and `snapshot` isolation modes two sessions that write the same
// table concurrently without LOCK fail one of them with Redshift's error text, while LOCK makes them
// queue and both succeed; the default mode stays PostgreSQL's READ COMMITTED; and the Serverless
// flavour refuses the STL_ views while the SYS_ views answer.
import { randomSuffix } from '../support/random-suffix.js';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StandinIsolation } from '../../src/localstack/redshift-standin/index.js';
import { adminUrl } from '../support/databases.js';
import { startStandinFixture, type StandinFixture } from './standin-fixture.js';

interface PgError {
  code?: string;
  message: string;
  detail?: string;
  severity?: string;
}

function failure(p: Promise<unknown>): Promise<PgError> {
  return p.then(
    () => {
      throw new Error('the statement succeeded');
    },
    (e: PgError) => e,
  );
}

/** Notices (warnings) a client receives, as `SEVERITY: message`. */
function notices(c: pg.Client): string[] {
  const seen: string[] = [];
  c.on('notice', (n) => seen.push(`${n.severity}: ${n.message}`));
  return seen;
}

/** Resolves once `pid` waits for a lock (its statement is queued behind another session). */
async function waitingForLock(direct: pg.Client, pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await direct.query(`SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, [pid]);
    if (r.rows[0]?.wait_event_type === 'Lock') return;
    await sleep(25);
  }
  throw new Error(`backend ${pid} never waited for a lock`);
}

/** The client's backend pid, from its BackendKeyData (the stand-in passes it through unchanged). */
function pidOf(c: pg.Client): number {
  return (c as unknown as { processID: number }).processID;
}

describe('TRUNCATE commits the transaction it runs in', () => {
  let fx: StandinFixture;
  let direct: pg.Client;
  beforeAll(async () => {
    fx = await startStandinFixture('standin_truncate');
    direct = await fx.direct();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  async function freshTables(): Promise<void> {
    await direct.query('DROP TABLE IF EXISTS kept, emptied; CREATE TABLE kept (id INT8); CREATE TABLE emptied (id INT8); INSERT INTO emptied VALUES (1), (2)');
  }
  const count = async (table: string) => Number((await direct.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

  it('BEGIN; INSERT; TRUNCATE other; ROLLBACK: the INSERT stays, and ROLLBACK warns there is no transaction', async () => {
    await freshTables();
    const c = await fx.connect();
    const warned = notices(c);
    await c.query('BEGIN');
    await c.query('INSERT INTO kept VALUES (1)');
    await c.query('TRUNCATE emptied');
    await c.query('ROLLBACK');
    expect(await count('kept')).toBe(1);
    expect(await count('emptied')).toBe(0);
    expect(warned).toEqual(['WARNING: there is no transaction in progress']);
    // The session is outside a transaction: the next statement commits on its own.
    await c.query('INSERT INTO kept VALUES (2)');
    expect(await count('kept')).toBe(2);
  });

  it('COMMIT after TRUNCATE warns the same; TRUNCATE itself cannot be rolled back (the guide page\'s example)', async () => {
    await freshTables();
    const c = await fx.connect();
    const warned = notices(c);
    await c.query('BEGIN');
    await c.query('TRUNCATE emptied');
    await c.query('COMMIT');
    expect(warned).toEqual(['WARNING: there is no transaction in progress']);
    await direct.query('INSERT INTO emptied VALUES (3)');
    await c.query('BEGIN');
    await c.query('TRUNCATE emptied');
    await c.query('ROLLBACK');
    expect(await count('emptied')).toBe(0);
  });

  it('outside a transaction TRUNCATE runs as usual, and after a failed statement the block stays aborted', async () => {
    await freshTables();
    const c = await fx.connect();
    await c.query('TRUNCATE emptied');
    expect(await count('emptied')).toBe(0);
    await c.query('BEGIN');
    await c.query('INSERT INTO kept VALUES (1)');
    await failure(c.query('SELECT 1/0'));
    expect((await failure(c.query('TRUNCATE kept'))).code).toBe('25P02');
    await c.query('ROLLBACK');
    expect(await count('kept')).toBe(0);
  });

  it('is refused where the stand-in cannot commit first: over the extended protocol, or with BEGIN in the same message', async () => {
    await freshTables();
    const c = await fx.connect();
    await c.query('BEGIN');
    await c.query('INSERT INTO kept VALUES (1)');
    const extended = await failure(c.query({ name: 'truncate-emptied', text: 'TRUNCATE emptied' }));
    expect(extended).toMatchObject({ code: '0A000', message: expect.stringMatching(/^TRUNCATE inside a transaction block is only emulated over the simple query protocol/) });
    await c.query('ROLLBACK');
    const mixed = await failure(c.query('BEGIN; INSERT INTO kept VALUES (2); TRUNCATE emptied; ROLLBACK'));
    expect(mixed).toMatchObject({ code: '0A000', message: expect.stringContaining('TRUNCATE commits the open transaction on Redshift') });
    expect(await count('kept')).toBe(0);
    expect(await count('emptied')).toBe(2);
  });
});

describe.each(['serializable', 'snapshot'] as const)('isolation mode %s', (isolation: StandinIsolation) => {
  let fx: StandinFixture;
  let direct: pg.Client;
  beforeAll(async () => {
    fx = await startStandinFixture(`standin_${isolation}`, { isolation });
    direct = await fx.direct();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  const expected =
    isolation === 'serializable'
      ? { code: 'XX000', message: '1023', detail: expect.stringMatching(/^Serializable isolation violation on table - \d+, transactions forming the cycle are: [\d, ]+ \(pid:\d+\)$/) }
      : { code: 'XX000', message: 'could not complete because of conflict with concurrent transaction' };

  async function counter(): Promise<void> {
    await direct.query('DROP TABLE IF EXISTS counter; CREATE TABLE counter (id INT8, v INT8); INSERT INTO counter VALUES (1, 0)');
  }
  const value = async () => Number((await direct.query('SELECT v FROM counter WHERE id = 1')).rows[0].v);

  it('two sessions updating the same table without LOCK: the second fails with Redshift\'s text, and can roll back', async () => {
    await counter();
    const [a, b] = [await fx.connect(), await fx.connect()];
    await a.query('BEGIN');
    await a.query('UPDATE counter SET v = v + 1 WHERE id = 1');
    await b.query('BEGIN');
    await b.query('SELECT count(*) FROM counter');
    const second = failure(b.query('UPDATE counter SET v = v + 10 WHERE id = 1'));
    await waitingForLock(direct, pidOf(b));
    await a.query('COMMIT');
    const e = await second;
    expect(e).toMatchObject(expected);
    if (isolation === 'serializable') expect(e.detail).toContain(`(pid:${pidOf(b)})`);
    await b.query('ROLLBACK');
    expect(await value()).toBe(1);
  });

  it('the same two sessions with LOCK first: the second waits, then both succeed in turn', async () => {
    await counter();
    const [a, b] = [await fx.connect(), await fx.connect()];
    await a.query('BEGIN');
    await a.query('LOCK counter');
    await a.query('UPDATE counter SET v = v + 1 WHERE id = 1');
    await b.query('BEGIN');
    const locked = b.query('LOCK counter');
    await waitingForLock(direct, pidOf(b));
    await a.query('COMMIT');
    await locked;
    await b.query('SELECT count(*) FROM counter');
    await b.query('UPDATE counter SET v = v + 10 WHERE id = 1');
    await b.query('COMMIT');
    expect(await value()).toBe(11);
  });

  // The example of "Troubleshooting serializable isolation errors": each transaction reads the
  // table the other one writes. SERIALIZABLE fails one of them; SNAPSHOT lets both commit.
  it(`reads crossing writes: ${isolation === 'serializable' ? 'one transaction fails with 1023' : 'both commit (write skew is allowed)'}; with LOCK on both tables both commit`, async () => {
    await direct.query('DROP TABLE IF EXISTS tab1, tab2; CREATE TABLE tab1 (n INT4); CREATE TABLE tab2 (n INT4)');
    const [a, b] = [await fx.connect(), await fx.connect()];
    const concurrently = async () => {
      for (const c of [a, b]) await c.query('BEGIN');
      const outcomes = await Promise.allSettled([
        (async () => {
          await a.query('SELECT * FROM tab1');
          await a.query('INSERT INTO tab2 VALUES (1)');
        })(),
        (async () => {
          await b.query('INSERT INTO tab1 VALUES (1)');
          await b.query('SELECT * FROM tab2');
        })(),
      ]);
      const commits = await Promise.allSettled([a.query('COMMIT'), b.query('COMMIT')]);
      return [...outcomes, ...commits].filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as PgError);
    };
    const unlocked = await concurrently();
    await a.query('ROLLBACK').catch(() => undefined);
    await b.query('ROLLBACK').catch(() => undefined);
    if (isolation === 'serializable') {
      expect(unlocked).toHaveLength(1);
      expect(unlocked[0]).toMatchObject(expected);
    } else {
      expect(unlocked).toEqual([]);
    }
    const before = Number((await direct.query('SELECT (SELECT count(*) FROM tab1) + (SELECT count(*) FROM tab2) AS n')).rows[0].n);
    await a.query('BEGIN; LOCK tab1, tab2');
    await a.query('SELECT * FROM tab1');
    await a.query('INSERT INTO tab2 VALUES (1)');
    await b.query('BEGIN');
    const bLocked = b.query('LOCK tab1, tab2');
    await waitingForLock(direct, pidOf(b));
    await a.query('COMMIT');
    await bLocked;
    await b.query('INSERT INTO tab1 VALUES (1)');
    await b.query('SELECT * FROM tab2');
    await b.query('COMMIT');
    const after = Number((await direct.query('SELECT (SELECT count(*) FROM tab1) + (SELECT count(*) FROM tab2) AS n')).rows[0].n);
    expect(after - before).toBe(2);
  });

  it('IAM logins run at the same isolation', async () => {
    const dbUser = `iso_${randomSuffix()}`;
    const issued = fx.standin.temporaryCredentials.issue({ loginUser: `IAMA:${dbUser}`, dbUser, autoCreate: true, groups: [], lifetimeSeconds: 900 });
    const url = new URL(fx.standin.url);
    const c = new pg.Client({ host: url.hostname, port: Number(url.port), database: url.pathname.slice(1), user: issued.loginUser, password: issued.password });
    await c.connect();
    try {
      const level = (await c.query('SHOW transaction_isolation')).rows[0].transaction_isolation;
      expect(level).toBe(isolation === 'serializable' ? 'serializable' : 'repeatable read');
    } finally {
      await c.end();
      const admin = new pg.Client({ connectionString: adminUrl() });
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS "${dbUser}"`).catch(() => undefined);
      await admin.end();
    }
  });
});

describe('the default isolation mode is PostgreSQL\'s READ COMMITTED (laxer than both Redshift levels)', () => {
  let fx: StandinFixture;
  beforeAll(async () => {
    fx = await startStandinFixture('standin_readcommitted');
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it('a second writer of the same row waits, then writes over the first one without an error', async () => {
    const direct = await fx.direct();
    await direct.query('CREATE TABLE counter (id INT8, v INT8); INSERT INTO counter VALUES (1, 0)');
    const [a, b] = [await fx.connect(), await fx.connect()];
    await a.query('BEGIN');
    await a.query('UPDATE counter SET v = v + 1 WHERE id = 1');
    await b.query('BEGIN');
    await b.query('SELECT count(*) FROM counter');
    const second = b.query('UPDATE counter SET v = v + 10 WHERE id = 1');
    await waitingForLock(direct, pidOf(b));
    await a.query('COMMIT');
    await second;
    await b.query('COMMIT');
    expect((await direct.query('SELECT v FROM counter')).rows[0].v).toBe('11');
  });
});

describe('the Serverless flavour', () => {
  let fx: StandinFixture;
  beforeAll(async () => {
    fx = await startStandinFixture('standin_serverless', { flavour: 'serverless' });
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it('refuses stl_load_errors as a missing relation, and sys_load_error_detail answers', async () => {
    const c = await fx.connect();
    for (const [sql, name] of [
      ['SELECT count(*) FROM stl_load_errors', 'stl_load_errors'],
      ['select * from pg_catalog.STL_LOAD_ERRORS limit 1', 'pg_catalog.STL_LOAD_ERRORS'],
      ['SELECT * FROM stl_load_commits', 'stl_load_commits'],
    ] as const) {
      expect(await failure(c.query(sql))).toMatchObject({ code: '42P01', message: `relation "${name}" does not exist` });
    }
    // Also over the extended protocol (rsetl's diagnosis query has parameters).
    expect(await failure(c.query('SELECT * FROM stl_load_errors WHERE session = $1', [1]))).toMatchObject({ code: '42P01' });
    expect((await c.query('SELECT count(*)::int AS n FROM sys_load_error_detail')).rows).toEqual([{ n: 0 }]);
    expect((await c.query('SELECT count(*)::int AS n FROM sys_load_history WHERE query_id > $1', [0])).rows).toEqual([{ n: 0 }]);
    // A user's own table of that name in another schema is no system view.
    await c.query('CREATE SCHEMA mine; CREATE TABLE mine.stl_load_errors (n INT4)');
    expect((await c.query('SELECT count(*)::int AS n FROM mine.stl_load_errors')).rows).toEqual([{ n: 0 }]);
  });

  it('the provisioned flavour (default) answers stl_load_errors', async () => {
    const provisioned = await startStandinFixture('standin_provisioned');
    try {
      const c = await provisioned.connect();
      expect((await c.query('SELECT count(*)::int AS n FROM stl_load_errors')).rows).toEqual([{ n: 0 }]);
    } finally {
      await provisioned.stop();
    }
  });
});
