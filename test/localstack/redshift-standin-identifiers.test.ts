// Identifier lengths through the stand-in: PostgreSQL behind it keeps 63 bytes of a name and would
// silently cut a longer one (two long schema names collapsing into one), while Redshift keeps 127.
// The stand-in refuses any name over 63 bytes, counted in UTF-8 bytes, quoted or not, in any
// statement and on both protocols, and leaves the session usable.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE, startStandinFixture, type StandinFixture } from './standin-fixture.js';

let fx: StandinFixture;
let c: pg.Client;
let direct: pg.Client;

beforeAll(async () => {
  fx = await startStandinFixture('standin_idents');
  c = await fx.connect();
  direct = await fx.direct();
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

/** A name of exactly `bytes` UTF-8 bytes: `prefix`, then `fill` repeated, then ASCII padding. */
function nameOf(bytes: number, prefix: string, fill = 'a'): string {
  let s = prefix;
  while (Buffer.byteLength(s + fill) <= bytes) s += fill;
  while (Buffer.byteLength(s) < bytes) s += 'x';
  expect(Buffer.byteLength(s)).toBe(bytes);
  return s;
}

async function expectRefused(sql: string, bytes: number): Promise<void> {
  const err = await failure(c.query(sql));
  expect(err.code).toBe('42622');
  expect(err.message).toContain(`is ${bytes} bytes`);
  expect(err.message).toContain("the stand-in's PostgreSQL limit is 63 bytes");
  expect(err.message).toContain('127');
  expect((await c.query('select 1 as ok')).rows[0].ok).toBe(1);
}

async function schemaExists(name: string): Promise<boolean> {
  return (await direct.query('select 1 from pg_namespace where nspname = $1', [name])).rowCount === 1;
}

describe('identifier lengths in the Redshift stand-in', () => {
  it('accepts a 63-byte schema name, quoted and unquoted, and keeps it whole', async () => {
    const plain = nameOf(63, 's63_plain_');
    const quoted = nameOf(63, 'S63 Quoted ');
    await c.query(`create schema ${plain}`);
    await c.query(`create schema "${quoted}"`);
    expect(await schemaExists(plain)).toBe(true);
    expect(await schemaExists(quoted)).toBe(true);
  });

  it('refuses a 64-byte schema name, quoted and unquoted, and creates nothing', async () => {
    const plain = nameOf(64, 's64_plain_');
    const quoted = nameOf(64, 'S64 Quoted ');
    await expectRefused(`create schema ${plain}`, 64);
    await expectRefused(`CREATE SCHEMA IF NOT EXISTS "${quoted}"`, 64);
    await expectRefused(`create schema ${plain.toUpperCase()}`, 64);
    // Without the check PostgreSQL would have made the 63-byte cut of each name.
    expect(await schemaExists(plain.slice(0, 63))).toBe(false);
    expect(await schemaExists(quoted.slice(0, 63))).toBe(false);
  });

  it('counts bytes, not characters: two-byte and four-byte characters', async () => {
    const twoByte63 = nameOf(63, 'é', 'é'); // 31 × é + x = 32 characters
    const twoByte64 = nameOf(64, 'é', 'é'); // 32 × é = 32 characters
    expect(twoByte63.length).toBe(32);
    expect(twoByte64.length).toBe(32);
    await c.query(`create schema ${twoByte63}`);
    expect(await schemaExists(twoByte63)).toBe(true);
    await expectRefused(`create schema ${twoByte64}`, 64);
    await expectRefused(`create schema "${twoByte64}"`, 64);
    const emoji64 = nameOf(64, '😀', '😀'); // 16 characters
    await expectRefused(`create schema "${emoji64}"`, 64);
    const emoji63 = nameOf(63, '😀', '😀');
    await c.query(`create schema "${emoji63}"`);
    expect(await schemaExists(emoji63)).toBe(true);
  });

  it('checks table and column names in CREATE TABLE', async () => {
    const table63 = nameOf(63, 'table_');
    const column63 = nameOf(63, 'Column ');
    await c.query(`create table ${table63} ("${column63}" int8, v varchar(10))`);
    await c.query(`insert into ${table63} values (1, 'x')`);
    const r = await c.query(`select "${column63}" from ${table63}`);
    expect(r.fields[0]!.name).toBe(column63);
    await expectRefused(`create table ${nameOf(64, 'table_')} (id int8)`, 64);
    await expectRefused(`create table t_ok (${nameOf(64, 'col_')} int8)`, 64);
    await expectRefused(`create table t_ok ("${nameOf(64, 'Col ')}" int8)`, 64);
    expect((await direct.query(`select 1 from pg_class where relname = 't_ok'`)).rowCount).toBe(0);
  });

  it('checks every name in a SELECT, on the simple and the extended protocol', async () => {
    const alias63 = nameOf(63, 'alias_');
    const r = await c.query(`select 1 as ${alias63}`);
    expect(r.fields[0]!.name).toBe(alias63);
    await expectRefused(`select 1 as ${nameOf(64, 'alias_')}`, 64);
    await expectRefused(`select * from ${nameOf(64, 'missing_')}.t`, 64);
    const err = await failure(c.query({ text: `select $1::int as "${nameOf(64, 'Alias ')}"`, values: [1] }));
    expect(err.code).toBe('42622');
    expect(err.message).toContain("the stand-in's PostgreSQL limit is 63 bytes");
    expect((await c.query('select $1::int as ok', [2])).rows[0].ok).toBe(2);
  });

  it('refuses names over 127 bytes as too long for Redshift itself', async () => {
    const name = nameOf(200, 'very_long_');
    const err = await failure(c.query(`create schema ${name}`));
    expect(err.code).toBe('42622');
    expect(err.message).toMatch(/^identifier too long: "very_long_a+\.\.\." is 200 bytes; Amazon Redshift names are at most 127 bytes/);
    expect(err.message).toContain("the Redshift stand-in's PostgreSQL limit is 63 bytes");
    const err128 = await failure(c.query(`create schema "${nameOf(128, 'q')}"`));
    expect(err128.message).toContain('Amazon Redshift names are at most 127 bytes');
  });

  it('checks the target of COPY from S3', async () => {
    const err = await failure(c.query(`COPY ${nameOf(64, 'copy_')} FROM 's3://staging/none.manifest' IAM_ROLE '${ROLE}' MANIFEST GZIP FORMAT AS JSON 'auto'`));
    expect(err.code).toBe('42622');
    expect(err.message).toContain("the stand-in's PostgreSQL limit is 63 bytes");
  });

  it('leaves long string literals, comments and dollar-quoted bodies alone', async () => {
    const long = 'z'.repeat(100);
    const r = await c.query(`select '${long}' as s, $body$${long}$body$ as d -- ${long}\n /* "${long}" */`);
    expect(r.rows[0]).toEqual({ s: long, d: long });
  });

  it('aborts the open transaction like any other error', async () => {
    await c.query('begin');
    expect((await failure(c.query(`create schema ${nameOf(70, 'in_tx_')}`))).code).toBe('42622');
    expect((await failure(c.query('select 1'))).code).toBe('25P02');
    await c.query('rollback');
    expect((await c.query('select 1 as ok')).rows[0].ok).toBe(1);
  });
});
