// The stand-in as a PostgreSQL-wire endpoint: pg's simple and extended protocol, pools, separate
// sessions per connection, COPY FROM STDIN passthrough, cancel and psql's catalog queries.
import { connect } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { startStandinFixture, type StandinFixture } from './standin-fixture.js';

let fx: StandinFixture;

beforeAll(async () => {
  fx = await startStandinFixture('standin_protocol');
});
afterAll(async () => {
  await fx?.stop();
});

describe('the Redshift stand-in as a PostgreSQL endpoint', () => {
  it('answers simple and extended queries and reuses a named prepared statement', async () => {
    const c = await fx.connect();
    expect((await c.query('select 1 + 1 as two')).rows).toEqual([{ two: 2 }]);
    const r = await c.query('select $1::int * 2 as x, $2::text as s', [21, "it's"]);
    expect(r.rows).toEqual([{ x: 42, s: "it's" }]);
    for (const n of [1, 2, 3]) {
      const p = await c.query({ name: 'square', text: 'select $1::int * $1::int as sq', values: [n] });
      expect(p.rows[0].sq).toBe(n * n);
    }
    const multi = (await c.query('select 1 as a; select 2 as b')) as unknown as pg.QueryResult[];
    expect(multi.map((m) => m.rows[0])).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('passes authentication through: a wrong password gets the server\'s own error', async () => {
    const url = new URL(fx.standin.url);
    url.password = 'wrong';
    const c = new pg.Client({ connectionString: url.toString() });
    const err = await c.connect().then(() => undefined, (e: { code?: string }) => e);
    expect(err?.code).toBe('28P01');
  });

  it('runs each session with Redshift string rules and UTC', async () => {
    const c = await fx.connect();
    const r = await c.query("select current_setting('standard_conforming_strings') as scs, current_setting('TimeZone') as tz, 'a\\'b' as s");
    expect(r.rows[0]).toEqual({ scs: 'off', tz: 'UTC', s: "a'b" });
    // pg's own escaping stays correct under those rules.
    const v = 'back\\slash \'quote\'';
    expect((await c.query(`select ${c.escapeLiteral(v)} as v`)).rows[0].v).toBe(v);
  });

  it('serves a pg.Pool with parallel queries, each on its own backend', async () => {
    const pool = new pg.Pool({ connectionString: fx.standin.url, max: 5 });
    try {
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => pool.query('select $1::int as i, pg_backend_pid() as pid', [i])),
      );
      expect(results.map((r) => r.rows[0].i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(new Set(results.map((r) => r.rows[0].pid)).size).toBeGreaterThan(1);
      await Promise.all(
        Array.from({ length: 5 }, async (_, w) => {
          const c = await pool.connect();
          try {
            await c.query('begin');
            await c.query('create temp table t (w int)');
            await c.query('insert into t values ($1)', [w]);
            expect((await c.query('select w from t')).rows).toEqual([{ w }]);
            await c.query('rollback');
          } finally {
            c.release();
          }
        }),
      );
    } finally {
      await pool.end();
    }
  });

  it('gives two connections different sessions: pids differ and temp tables are private', async () => {
    const a = await fx.connect();
    const b = await fx.connect();
    const [pa, pb] = await Promise.all([a.query('select pg_backend_pid() as p'), b.query('select pg_backend_pid() as p')]);
    expect(pa.rows[0].p).not.toBe(pb.rows[0].p);
    await a.query('create temp table mine (i int)');
    await a.query('insert into mine values (1)');
    expect((await a.query('select count(*)::int as n from mine')).rows[0].n).toBe(1);
    await expect(b.query('select count(*) from mine')).rejects.toMatchObject({ code: '42P01' });
  });

  it('passes COPY FROM STDIN through (pg-copy-streams)', async () => {
    const c = await fx.connect();
    await c.query('create table stdin_rows (id int8, s varchar(20))');
    const rows = Array.from({ length: 50_000 }, (_, i) => `${i}\tv\\\\${i}\n`);
    await pipeline(Readable.from(rows), c.query(copyFrom('COPY stdin_rows FROM STDIN')));
    const r = await c.query('select count(*)::int as n, sum(id)::int8 as s, max(s) filter (where id = 7) as v from stdin_rows');
    expect(r.rows[0]).toEqual({ n: 50_000, s: String((49_999 * 50_000) / 2), v: 'v\\7' });
  });

  it('forwards a cancel request to the backend', async () => {
    const c = await fx.connect();
    const direct = await fx.direct();
    const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
    const slow = c.query('select pg_sleep(30)').catch((e: Error & { code?: string }) => e);
    // Cancel once the backend sleeps: a cancel that arrives before the query runs is lost.
    await waitFor('the backend to be in pg_sleep', async () =>
      (await direct.query(`select 1 from pg_stat_activity where pid = $1 and wait_event = 'PgSleep'`, [processID])).rowCount! > 0);
    const sent = Date.now();
    // A CancelRequest goes on a new connection, with the pid and key the client got at startup.
    const request = Buffer.alloc(16);
    request.writeInt32BE(16, 0);
    request.writeInt32BE(80877102, 4);
    request.writeInt32BE(processID, 8);
    request.writeInt32BE(secretKey, 12);
    await new Promise<void>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: fx.standin.port }, () => s.end(request));
      s.on('close', () => resolve());
      s.on('error', reject);
    });
    const err = await slow;
    expect((err as { code?: string }).code).toBe('57014');
    // Cancelled, not waited out: pg_sleep had 30 s to go.
    expect(Date.now() - sent).toBeLessThan(15_000);
  });

  it("answers psql's catalog queries (\\dt, \\dn), sent as psql sends them", async () => {
    // What `psql -X -c '\dt' -c '\dn'` (psql 15) sends, as `psql -E` prints it: simple-protocol
    // queries on a session named psql. Sent with pg, so that the suite needs no PostgreSQL client
    // installed; the Redshift string rules psql relies on are checked above. `\d+ table` is left
    // out: psql 15 reads pg_statistic_ext and pg_publication for it, which Redshift does not have.
    const c = new pg.Client({ connectionString: fx.standin.url, application_name: 'psql' });
    await c.connect();
    try {
      const dt = await c.query(`SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r','p','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;`);
      expect(dt.rows).toContainEqual(expect.objectContaining({ Schema: 'public', Name: 'stdin_rows', Type: 'table' }));
      const dn = await c.query(`SELECT n.nspname AS "Name",
  pg_catalog.pg_get_userbyid(n.nspowner) AS "Owner"
FROM pg_catalog.pg_namespace n
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
ORDER BY 1;`);
      expect(dn.rows.map((r) => r.Name)).toContain('public');
    } finally {
      await c.end();
    }
  });
});
