// Injected faults (for tests of rsetl's failure handling), simulated latency, and a clean close().
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newDatabase } from '../support/databases.js';
import { waitFor } from '../support/wait-for.js';
import { copySql, startStandinFixture, type StandinFixture } from './standin-fixture.js';

let fx: StandinFixture;

beforeAll(async () => {
  fx = await startStandinFixture('standin_faults');
  const c = await fx.connect();
  await c.query('create table ledger (id int8, note varchar(20))');
});
afterAll(async () => {
  await fx?.stop();
});

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected the statement to fail');
}

async function count(where: string): Promise<number> {
  const d = await fx.direct();
  return (await d.query(`select count(*)::int as n from ledger where ${where}`)).rows[0].n;
}

const SERIALIZABLE = '1023 Serializable isolation violation on table - 123, transactions forming the cycle are: 1, 2 (pid:4)';

describe('injected faults', () => {
  it('fails a matching COPY with the given error and leaves the transaction aborted', async () => {
    const c = await fx.connect();
    const manifest = await fx.putLoad('fault', [[{ id: 1 }]]);
    fx.standin.injectFault({ match: /COPY/i, error: { code: 'XX000', message: SERIALIZABLE } });
    await c.query('begin');
    await c.query("insert into ledger values (0, 'first')");
    const err = await failure(c.query(copySql('ledger', manifest)));
    expect(err).toMatchObject({ code: 'XX000', message: SERIALIZABLE });
    expect((await failure(c.query('select 1'))).code).toBe('25P02');
    await c.query('rollback');
    expect(await count('id = 0')).toBe(0);
    // Used up: the next COPY runs.
    expect((await c.query(copySql('ledger', manifest))).rowCount).toBe(1);
  });

  it('hits `times` matching statements, over the extended protocol too, until cleared', async () => {
    const c = await fx.connect();
    fx.standin.injectFault({ match: /^select \$1/i, error: { code: '40001', message: 'try again' }, times: 2 });
    expect((await failure(c.query('select $1::int as x', [1]))).code).toBe('40001');
    expect((await failure(c.query('select $1::int as x', [1]))).code).toBe('40001');
    expect((await c.query('select $1::int as x', [1])).rows[0].x).toBe(1);
    fx.standin.injectFault({ match: /ledger/, error: { code: 'XX000', message: 'never' }, times: 100 });
    fx.standin.clearFaults();
    expect((await c.query('select count(*) from ledger')).rowCount).toBe(1);
  });

  it("drops the connection after the backend ran COMMIT: the commit happened, the client can't tell", async () => {
    const c = await fx.connect();
    fx.standin.injectFault({ match: /^COMMIT/i, dropConnection: 'after' });
    await c.query('begin');
    await c.query("insert into ledger values (10, 'lost commit')");
    const err = await failure(c.query('COMMIT'));
    expect(err.message).toMatch(/terminated|closed|ended/i);
    expect(await count('id = 10')).toBe(1);
  });

  it('drops the connection before COMMIT reaches the backend: nothing is committed', async () => {
    const c = await fx.connect();
    const pid = (c as unknown as { processID: number }).processID;
    fx.standin.injectFault({ match: /^COMMIT/i, dropConnection: 'before' });
    await c.query('begin');
    await c.query("insert into ledger values (20, 'never committed')");
    await failure(c.query('COMMIT'));
    // The backend session ends with the client's; its open transaction is rolled back. (Until it
    // ends, the row is merely uncommitted: invisible too, so only its end shows the rollback.)
    const direct = await fx.direct();
    await waitFor('the backend session to end', async () => (await direct.query('select 1 from pg_stat_activity where pid = $1', [pid])).rowCount === 0);
    expect(await count('id = 20')).toBe(0);
  });

  it('drops the connection after an intercepted COPY ran', async () => {
    const c = await fx.connect();
    const manifest = await fx.putLoad('dropcopy', [[{ id: 30 }]]);
    fx.standin.injectFault({ match: /^COPY/i, dropConnection: 'after' });
    await failure(c.query(copySql('ledger', manifest)));
    expect(await count('id = 30')).toBe(1);
  });
});

describe('latency and lifecycle', () => {
  it('adds the simulated per-statement and per-COPY latency', async () => {
    const slow = await startStandinFixture('standin_latency', { latency: { statementMs: 40, copyMs: 150 } });
    try {
      const c = await slow.connect();
      await c.query('create table l (id int8)');
      let t = Date.now();
      for (let i = 0; i < 5; i++) await c.query('select $1::int', [i]);
      expect(Date.now() - t).toBeGreaterThanOrEqual(5 * 40);
      const manifest = await slow.putLoad('l', [[{ id: 1 }]]);
      t = Date.now();
      await c.query(copySql('l', manifest));
      expect(Date.now() - t).toBeGreaterThanOrEqual(190);
    } finally {
      await slow.stop();
    }
  });

  it('close() ends every session and leaves no handle behind: a process using it exits on its own', async () => {
    const backendUrl = await newDatabase('standin_exit');
    const run = promisify(execFile);
    const { stdout } = await run('node_modules/.bin/vite-node', ['test/localstack/standin-exit-script.ts'], {
      env: { ...process.env, STANDIN_BACKEND_URL: backendUrl },
      timeout: 45_000,
    });
    expect(stdout).toContain('closed');
  });

  it('close() disconnects connected clients and stops listening', async () => {
    const other = await startStandinFixture('standin_close');
    const c = await other.connect();
    const ended = new Promise((resolve) => c.once('end', resolve));
    await other.standin.close();
    await ended;
    await expect((async () => {
      const again = await other.connect();
      return again;
    })()).rejects.toThrow();
    await other.stop();
  });
});

