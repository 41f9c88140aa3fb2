// The stand-in's two ways to run a COPY from S3 — the fast path (COPY text straight into the target)
// and the exact path (buffer table, jsonb_to_record, bisecting diagnosis) — load the same rows and
// fail with the same errors and the same load error records. One stand-in of each kind serves the
// same database; each load goes into a table of its own on each side.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedshiftStandin, type RedshiftStandin } from '../../src/localstack/redshift-standin/index.js';
import { BUCKET, ROLE, startStandinFixture, type StandinFixture } from './standin-fixture.js';

let fx: StandinFixture;
let exact: RedshiftStandin;
const clients: pg.Client[] = [];

beforeAll(async () => {
  fx = await startStandinFixture('standin_paths', { acceptedIamRoles: [ROLE] });
  exact = await startRedshiftStandin({ backendUrl: fx.backendUrl, s3: fx.s3, acceptedIamRoles: [ROLE], copyPath: 'exact' });
  await (await fx.direct()).query('create schema side_auto; create schema side_exact');
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await exact?.close();
  await fx?.stop();
});

/**
 * A new session on one side, whose tables live in the side's schema under the same names as the
 * other side's (a fresh session shows whether the exact path's buffer table was made).
 */
async function session(side: 'auto' | 'exact'): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: side === 'auto' ? fx.standin.url : exact.url });
  c.on('error', () => undefined);
  await c.connect();
  clients.push(c);
  await c.query(`set search_path to side_${side}`);
  return c;
}

const COLUMNS = `i2 smallint, i4 int, i8 bigint not null, n numeric(18,2), f float8, b boolean, v varchar(10),
  vm varchar(max), d date, ts timestamp, tz timestamptz`;

let tables = 0;
let loads = 0;

/** Uploads one gzipped part under a new prefix; returns the prefix URL. */
async function upload(body: string | Buffer): Promise<string> {
  const prefix = `paths-${++loads}`;
  await fx.put(`${prefix}/part-0.json.gz`, body, true);
  return `s3://${BUCKET}/${prefix}/`;
}

interface Outcome {
  rows?: number;
  error?: { code?: string; message: string; detail?: string };
  /** The exact path's buffer table exists in the session afterwards (after a success: a failed COPY rolls it back). */
  buffered: boolean;
  loadError?: Record<string, unknown>;
}

/** Runs the same COPY on both sides, each into its own new table; returns both outcomes and table names. */
async function both(
  data: string | Buffer, options = '', columns = COLUMNS, list = '', setup?: (table: string) => string,
): Promise<{ auto: Outcome; exact: Outcome; tables: Record<'auto' | 'exact', string> }> {
  const url = await upload(data);
  const result: Partial<Record<'auto' | 'exact', Outcome>> = {};
  const table = `t${++tables}`;
  const names = { auto: `side_auto.${table}`, exact: `side_exact.${table}` };
  for (const side of ['auto', 'exact'] as const) {
    const c = await session(side);
    await c.query(`create table ${table} (${columns})`);
    // Straight to PostgreSQL: triggers are not Redshift SQL.
    if (setup) await (await fx.direct()).query(setup(names[side]));
    const outcome: Outcome = { buffered: false };
    try {
      outcome.rows = (await c.query(`COPY ${table}${list} FROM '${url}' IAM_ROLE '${ROLE}' GZIP FORMAT AS JSON ${options || "'auto'"}`)).rowCount ?? -1;
    } catch (e) {
      const err = e as { code?: string; message: string; detail?: string };
      outcome.error = { code: err.code, message: err.message, detail: err.detail?.replace(/query: +\d+/, 'query: N') };
      const le = await c.query(`select trim(filename) as filename, line_number, trim(colname) as colname, trim(type) as type,
          trim(col_length) as col_length, trim(raw_line) as raw_line, trim(raw_field_value) as raw_field_value, err_code, trim(err_reason) as err_reason
        from stl_load_errors where query = pg_last_copy_id()`);
      outcome.loadError = le.rows[0];
    }
    outcome.buffered = (await c.query(`select to_regclass('pg_temp.rsetl_standin_copy_buf') is not null as b`)).rows[0].b;
    result[side] = outcome;
  }
  return { auto: result.auto!, exact: result.exact!, tables: names };
}

async function expectSameRows(t: Record<'auto' | 'exact', string>): Promise<void> {
  const c = await fx.direct();
  const diff = await c.query(`select (select count(*) from (table ${t.auto} except all table ${t.exact}) a)::int as a,
    (select count(*) from (table ${t.exact} except all table ${t.auto}) b)::int as b, (select count(*) from ${t.auto})::int as n`);
  expect(diff.rows[0]).toMatchObject({ a: 0, b: 0 });
}

const GOOD = [
  String.raw`{"i8":1,"i2":-5,"i4":123,"n":1.005,"f":0.1,"b":true,"v":"short","vm":"a\"b\\c\/d\b\f\n\r\t","d":"2025-01-02","ts":"2025-01-02 03:04:05.678","tz":"2025-01-02 03:04:05+02"}`,
  String.raw`{"i8":2,"n":"12.345","f":"1e3","b":"t","v":"日本語a","vm":"\u00e9\u20ac\u005c\u000a\u0041","ts":"2025-01-02T03:04:05.678Z"}`,
  String.raw`  { "i8" : 3 , "b" : "yes" , "v" : 12345 , "vm" : true }  `,
  String.raw`{"i8":4,"b":1,"v":"   ","vm":"","unknown":{"deep":[1,{"x":null}],"s":"\u0041","z":-0.0},"other":[]}`,
  String.raw`{"i8":5,"i8":6,"vm":"the last of duplicate keys wins"}`,
  '',
  '   ',
  String.raw`{"i8":7,"f":-0.5,"n":-0.25,"tz":"2025-06-01 12:00:00"}` + '\r',
  String.raw`{"i8":8,"vm":"emoji 🎉 raw, a tab\tinside","d":"2024-02-29"}`,
  String.raw`{"i8":9,"b":false,"i2":"  42  ","ts":"2025-01-02 03:04:05.123456"}`,
  String.raw`{"i8":10,"v":"ab\u0020","vm":"\\N"}`,
  String.raw`{"i8":11,"f":123456789012345678901234567890,"n":9999999999999999.99,"vm":"."}`,
  String.raw`{"i8":9223372036854775807,"i4":-2147483648,"vm":"\\."}`,
  String.raw`{"i8":12,"b":null,"v":null}`,
];

describe('the fast and the exact path of COPY from S3', () => {
  it('load the same rows from tricky but valid lines, the fast path without the buffer table', async () => {
    const r = await both(GOOD.join('\n'));
    expect(r.auto.error).toBeUndefined();
    expect(r.exact.error).toBeUndefined();
    expect(r.auto.rows).toBe(GOOD.filter((l) => l.trim()).length);
    expect(r.auto.rows).toBe(r.exact.rows);
    expect(r.auto.buffered).toBe(false);
    expect(r.exact.buffered).toBe(true);
    await expectSameRows(r.tables);
  });

  it("load the same rows with a column list, 'auto ignorecase', EMPTYASNULL and BLANKSASNULL", async () => {
    const data = ['{"ID":1,"Label":"","Note":"x"}', '{"id":2,"LABEL":"  ","note":"y"}', '{"Id":3,"label":"z"}'].join('\n');
    const columns = "id int8, label varchar(20), note varchar(20) default 'dflt'";
    for (const options of ["'auto ignorecase' EMPTYASNULL", "'auto ignorecase' BLANKSASNULL", "'auto' EMPTYASNULL"]) {
      const r = await both(data, options, columns, ' (id, label)');
      expect(r.auto.error).toBeUndefined();
      expect(r.auto.buffered).toBe(false);
      await expectSameRows(r.tables);
    }
  });

  it.each([
    ['a nested value for a column', String.raw`{"i8":1,"vm":{"b":[1,2],"a":"x"}}`],
    ['an exponent', String.raw`{"i8":2,"n":1.5e2,"f":2E-3}`],
    ['a negative zero', String.raw`{"i8":3,"n":-0.00}`],
    ['an escaped surrogate pair', String.raw`{"i8":4,"vm":"x\ud83c\udf89"}`],
    ['a key folded outside ASCII', String.raw`{"i8":5,"İ8":6}`, "'auto ignorecase'"],
  ])('load the same rows when %s sends the fast path back to the exact path', async (_, line, options = '') => {
    const r = await both(`{"i8":100,"vm":"a good line first"}\n${line}\n`, options);
    expect(r.auto.error).toBeUndefined();
    expect(r.auto.buffered).toBe(true);
    await expectSameRows(r.tables);
  });

  it.each([
    ['text in an integer column', '{"i8":2,"i4":"abc"}'],
    ['a smallint overflow', '{"i8":2,"i2":40000}'],
    ['a fraction in an integer column', '{"i8":2,"i4":1.5}'],
    ['a VARCHAR overflow in bytes', '{"i8":2,"v":"日本語中"}'],
    ['a missing NOT NULL value', '{"i4":2}'],
    ['a null NOT NULL value', '{"i8":null}'],
    ['malformed JSON', '{"i8":2,'],
    ['a string line', '"just a string"'],
    ['\\u0000', String.raw`{"i8":2,"vm":"a\u0000b"}`],
    ['a bad timestamp', '{"i8":2,"ts":"not a timestamp"}'],
    ['a bad date', '{"i8":2,"d":"2025-02-30"}'],
    ['a numeric overflow', '{"i8":2,"n":12345678901234567890}'],
    ['a bad boolean', '{"i8":2,"b":"maybe"}'],
    ['a bad float', '{"i8":2,"f":"fast"}'],
  ])('fail alike on %s: same error, same load error record, nothing loaded', async (_, bad) => {
    const lines = ['{"i8":1,"vm":"fine"}', '', bad, '{"i8":3}'].join('\n');
    const r = await both(lines);
    expect(r.auto.error).toBeDefined();
    expect(r.auto.error).toEqual(r.exact.error);
    expect(r.auto.loadError).toEqual(r.exact.loadError);
    expect(r.auto.loadError?.line_number).toBe('3');
    const c = await fx.direct();
    expect((await c.query(`select count(*)::int as n from ${r.tables.auto}`)).rows[0].n).toBe(0);
  });

  it("fail alike when a trigger refuses a row (the fast path's COPY fires it too)", async () => {
    const trigger = (t: string) => `create function ${t}_check() returns trigger language plpgsql as $$
      begin if new.i8 = 2 then raise exception 'row 2 refused'; end if; return new; end $$;
      create trigger refuse before insert on ${t} for each row execute function ${t}_check()`;
    const r = await both(['{"i8":1}', '{"i8":2}', '{"i8":3}'].join('\n'), '', COLUMNS, '', trigger);
    expect(r.auto.error).toBeDefined();
    expect(r.auto.error).toEqual(r.exact.error);
    expect(r.auto.loadError).toEqual(r.exact.loadError);
    expect(r.auto.loadError).toMatchObject({ line_number: '2', err_code: 1200 });
  });

  it('report a failure no data causes (here a deadlock) as it is, without looking for a bad line', async () => {
    const trigger = (t: string) => `create function ${t}_deadlock() returns trigger language plpgsql as $$
      begin raise exception 'simulated deadlock' using errcode = '40P01'; end $$;
      create trigger deadlock before insert on ${t} for each row execute function ${t}_deadlock()`;
    const r = await both('{"i8":1}\n', '', COLUMNS, '', trigger);
    expect(r.auto.error).toMatchObject({ code: '40P01', message: 'simulated deadlock' });
    expect(r.auto.error).toEqual(r.exact.error);
    expect(r.auto.loadError).toBeUndefined();
  });

  it('fail alike on invalid UTF-8', async () => {
    const data = Buffer.concat([Buffer.from('{"i8":1}\n{"i8":2,"v":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
    const r = await both(data);
    expect(r.auto.error?.code).toBe('XX000');
    expect(r.auto.error).toEqual(r.exact.error);
    expect(r.auto.loadError).toEqual(r.exact.loadError);
    expect(r.auto.loadError).toMatchObject({ line_number: '2', err_code: 1220 });
  });

  it('load a temp table inside the client transaction on the fast path, rolled back with it', async () => {
    const url = await upload(GOOD.join('\n'));
    const c = await session('auto');
    await c.query('begin');
    await c.query(`create temp table stage (${COLUMNS})`);
    const r = await c.query(`COPY stage FROM '${url}' IAM_ROLE '${ROLE}' GZIP FORMAT AS JSON 'auto'`);
    expect(r.rowCount).toBe(GOOD.filter((l) => l.trim()).length);
    expect((await c.query('select count(*)::int as n from stage')).rows[0].n).toBe(r.rowCount);
    expect((await c.query(`select to_regclass('pg_temp.rsetl_standin_copy_buf') is null as fast`)).rows[0].fast).toBe(true);
    expect((await c.query('select pg_last_copy_count()::int as n')).rows[0].n).toBe(r.rowCount);
    await c.query('rollback');
    expect((await c.query(`select to_regclass('pg_temp.stage') is null as gone`)).rows[0].gone).toBe(true);
  });
});
