// The stand-in speaks Redshift's dialect: Redshift DDL attributes are accepted, Redshift's types
// and functions mean what they mean on Redshift, and PostgreSQL-only SQL is rejected on both
// the simple and the extended protocol, leaving the connection usable.
import type pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandinFixture, type StandinFixture } from './standin-fixture.js';

let fx: StandinFixture;
let c: pg.Client;

beforeAll(async () => {
  fx = await startStandinFixture('standin_dialect');
  c = await fx.connect();
});
afterAll(async () => {
  await fx?.stop();
});

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string; where?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected the statement to fail');
}

describe('Redshift DDL through the stand-in', () => {
  it('accepts DISTKEY, DISTSTYLE and SORTKEY', async () => {
    await c.query('CREATE TABLE t (id INT8 NOT NULL, e VARCHAR(32) DISTKEY, PRIMARY KEY(id)) DISTSTYLE KEY SORTKEY(id)');
    await c.query("insert into t values (1, 'x')");
    expect((await c.query('select e from t')).rows).toEqual([{ e: 'x' }]);
  });

  it('accepts ENCODE, COMPOUND/INTERLEAVED SORTKEY, column SORTKEY, DISTSTYLE ALL, BACKUP NO', async () => {
    await c.query(`create table t2 (
      a int8 encode az64 sortkey, b varchar(max) encode zstd, c timestamp default getdate() encode raw
    ) diststyle all backup no compound sortkey (a, c)`);
    await c.query('create table t3 (a int8, b int8) diststyle even interleaved sortkey (a, b)');
    await c.query('create table t4 (a int8 distkey) distkey (a) sortkey auto');
    const r = await c.query(`select format_type(atttypid, atttypmod) as t from pg_attribute
      where attrelid = 't2'::regclass and attname = 'b'`);
    expect(r.rows[0].t).toBe('character varying(65535)');
    await c.query('insert into t2 (a) values (1)');
    const now = (await c.query("select c, getdate() as g, extract(milliseconds from c)::int % 1000 as ms from t2")).rows[0];
    expect(now.ms).toBe(0);
    expect(Math.abs(now.g.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('gives VARCHAR and TEXT columns without a length Redshift\'s 256 bytes', async () => {
    await c.query('create table t5 (a varchar, "text" text, c character varying not null)');
    const r = await c.query(`select attname, format_type(atttypid, atttypmod) as t from pg_attribute
      where attrelid = 't5'::regclass and attnum > 0 order by attnum`);
    expect(r.rows.map((x) => x.t)).toEqual(['character varying(256)', 'character varying(256)', 'character varying(256)']);
  });

  it('accepts AUTO REFRESH on a materialized view', async () => {
    await c.query('create materialized view mv backup no auto refresh no as select count(*) as n from t');
    await c.query('refresh materialized view mv');
    expect((await c.query('select n from mv')).rows[0].n).toBe('1');
  });

  it('leaves string literals and quoted names that contain the keywords alone', async () => {
    await c.query(`create table "sortkey" ("distkey" varchar(40))`);
    await c.query(`insert into "sortkey" values ('DISTKEY SORTKEY(x) ENCODE zstd getdate()')`);
    const r = await c.query(`select "distkey", encode('ab'::bytea, 'hex') as h from "sortkey"`);
    expect(r.rows[0]).toEqual({ distkey: 'DISTKEY SORTKEY(x) ENCODE zstd getdate()', h: '6162' });
  });
});

describe('PostgreSQL-only SQL through the stand-in', () => {
  const rejected: [string, string, unknown[]?][] = [
    ['INSERT ... ON CONFLICT', 'insert into t values ($1, $2) on conflict do nothing', [2, 'y']],
    ['RETURNING', 'insert into t values ($1, $2) returning id', [3, 'z']],
    ['RETURNING', 'update t set e = $1 returning id', ['w']],
    ['FOR UPDATE', 'select * from t where id = $1 for update', [1]],
    ['SKIP LOCKED', 'select * from t for update skip locked', []],
    ['FOR SHARE', 'select * from t for share', []],
    ['CREATE INDEX', 'create index t_e on t (e)', []],
    ['SERIAL', 'create table s1 (id serial)', []],
    ['SERIAL', 'create table s2 (id bigserial)', []],
    ['ON COMMIT', 'create temp table s3 (a int) on commit drop', []],
    ['ADD COLUMN IF NOT EXISTS', 'alter table t add column if not exists z int', []],
  ];

  for (const [construct, sql, values] of rejected) {
    it(`rejects ${construct} via the simple protocol: ${sql}`, async () => {
      const simple = sql.replace(/\$1/g, "'1'").replace(/\$2/g, "'v'");
      const err = await failure(c.query(simple));
      expect(err.code).toBe('0A000');
      expect(err.message).toContain(construct);
      expect(err.message).toContain('Redshift stand-in rejected');
      expect(err.where).toBeUndefined();
      expect((await c.query('select 1 as ok')).rows[0].ok).toBe(1);
    });

    it(`rejects ${construct} via the extended protocol: ${sql}`, async () => {
      const err = await failure(c.query({ text: sql, values, queryMode: 'extended' } as pg.QueryConfig));
      expect(err.code).toBe('0A000');
      expect(err.message).toContain(construct);
      const named = await failure(c.query({ name: `n_${construct.length}_${sql.length}`, text: sql, values, queryMode: 'extended' } as pg.QueryConfig));
      expect(named.code).toBe('0A000');
      expect((await c.query('select $1::int as ok', [1])).rows[0].ok).toBe(1);
    });
  }

  it('aborts the open transaction, as Redshift does, and ROLLBACK recovers', async () => {
    await c.query('begin');
    await c.query("insert into t values (10, 'in-tx')");
    const err = await failure(c.query({ text: 'insert into t values ($1, $2) returning id', values: [11, 'x'] }));
    expect(err.code).toBe('0A000');
    expect((await failure(c.query('select 1'))).code).toBe('25P02');
    await c.query('rollback');
    expect((await c.query('select count(*)::int as n from t where id = 10')).rows[0].n).toBe(0);
  });

  it('refuses ALTER COLUMN ... TYPE inside a transaction block, as Redshift does, and allows it outside', async () => {
    await c.query('create table widen (v varchar(10))');
    await c.query('begin');
    const err = await failure(c.query('alter table widen alter column v type varchar(20)'));
    expect(err).toMatchObject({ code: '25001', message: 'ALTER TABLE ... ALTER COLUMN ... TYPE cannot run inside a transaction block' });
    await c.query('rollback');
    await c.query('alter table widen alter column v type varchar(20)');
  });

  it('does not reject PostgreSQL catalog queries', async () => {
    const r = await c.query(`select c.relname from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'm') and pg_catalog.pg_table_is_visible(c.oid) order by 1`);
    expect(r.rows.map((x) => x.relname)).toContain('t');
  });

  it('answers a pipelined extended batch with the rejection in its middle exactly as PostgreSQL would', async () => {
    // Raw protocol on a connection pg has authenticated: one write with three statements, the
    // second rejected, then a second batch. PostgreSQL answers the first, reports the error and
    // skips to Sync; the next batch runs normally.
    const raw = await fx.connect();
    const con = (raw as unknown as { connection: RawConnection }).connection;
    con.removeAllListeners();
    con._emitMessage = true;
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      let ready = 0;
      con.on('message', (m: { name: string; code?: string }) => {
        seen.push(m.name === 'error' ? `error:${m.code}` : m.name);
        if (m.name === 'readyForQuery' && ++ready === 2) resolve();
      });
    });
    con.stream.write(
      Buffer.concat([
        serialize.parse({ text: 'select 1' }), serialize.bind({}), serialize.execute({}),
        serialize.parse({ name: 'bad', text: 'select * from t for update' }), serialize.bind({ statement: 'bad' }),
        serialize.describe({ type: 'P' }), serialize.execute({}),
        serialize.sync(),
        serialize.parse({ text: 'select 2' }), serialize.bind({}), serialize.execute({}), serialize.sync(),
      ]),
    );
    await done;
    expect(seen).toEqual([
      'parseComplete', 'bindComplete', 'dataRow', 'commandComplete', 'error:0A000', 'readyForQuery',
      'parseComplete', 'bindComplete', 'dataRow', 'commandComplete', 'readyForQuery',
    ]);
  });
});

interface RawConnection {
  stream: { write(b: Buffer): boolean };
  removeAllListeners(): void;
  _emitMessage: boolean;
  on(event: 'message', f: (m: { name: string; code?: string }) => void): void;
}
