// Redshift date functions PostgreSQL lacks, emulated by the stand-in: DATEDIFF counts boundaries
// crossed, DATEADD keeps Redshift's month arithmetic, TRUNC(timestamp) is a date, NVL is
// COALESCE. Expected values are Redshift's (AWS examples where they exist, else its documented rule).
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../src/localstack/redshift-standin/postgres-only-lint.js';
import { transformUncached } from '../../src/localstack/redshift-standin/statement-transform.js';
import { startStandinFixture, type StandinFixture } from './standin-fixture.js';

let fx: StandinFixture;
let c: pg.Client;

beforeAll(async () => {
  await loadSqlParser();
  fx = await startStandinFixture('standin_functions');
  c = await fx.connect();
  await c.query(`SET timezone TO 'UTC'`);
});
afterAll(async () => {
  await fx?.stop();
});

/** The single value a one-column SELECT returns, as text. */
async function value(expr: string): Promise<string | null> {
  const r = await c.query(`SELECT (${expr})::text AS v`);
  return r.rows[0].v;
}

describe('the rewrite', () => {
  const sql = (text: string) => transformUncached(text, true);

  it('points DATEDIFF/DATEADD/TRUNC at the stand-in schema, quoting a bare date part, and NVL at COALESCE', () => {
    const r = sql(`select DateDiff(Day, a, b), dateadd(month, 1, t), trunc(t), nvl(x, 0) from t`);
    expect(r.sql).toBe(
      `select rsetl_standin.datediff('day', a, b), rsetl_standin.dateadd('month', 1, t), rsetl_standin.trunc(t), COALESCE(x, 0) from t`,
    );
    expect(r.usesStandinSchema).toBe(true);
    expect(sql(`select datediff('hour', a, b)`).sql).toBe(`select rsetl_standin.datediff('hour', a, b)`);
  });

  it('leaves literals, quoted and qualified names, non-calls and definitions alone', () => {
    for (const text of [
      `select 'datediff(day, a, b)', "trunc"(x), s.trunc(x), date_trunc('day', t), trunc from t`,
      `create table trunc (a int)`,
      `insert into nvl (a) values (1)`,
    ]) {
      const r = sql(text);
      expect(r.sql).toBe(text);
      expect(r.usesStandinSchema).toBe(false);
    }
  });
});

describe('DATEDIFF', () => {
  it.each([
    // Boundaries crossed, not elapsed time.
    [`datediff(day, '2024-01-01 23:59', '2024-01-02 00:01')`, '1'],
    [`datediff(day, '2024-01-01 00:00', '2024-01-01 23:59:59')`, '0'],
    [`datediff(hour, '2024-01-01 10:59', '2024-01-01 11:01')`, '1'],
    [`datediff(hour, '2024-01-01 10:00', '2024-01-01 10:59:59.999')`, '0'],
    [`datediff(hours, '2024-01-01 22:30', '2024-01-03 01:10')`, '27'],
    [`datediff(minute, '2024-01-01 10:00:59', '2024-01-01 10:01:00')`, '1'],
    [`datediff(second, '2024-01-01 10:00:00.900', '2024-01-01 10:00:01.100')`, '1'],
    [`datediff(ms, '2024-01-01 10:00:00.0009', '2024-01-01 10:00:00.0011')`, '1'],
    [`datediff(month, '2024-01-31', '2024-02-01')`, '1'],
    [`datediff(mon, '2023-11-15', '2024-02-01')`, '3'],
    [`datediff(qtr, '2024-03-31', '2024-04-01')`, '1'],
    [`datediff(year, '2023-12-31 23:59:59', '2024-01-01')`, '1'],
    [`datediff(yr, '2024-01-01', '2024-12-31')`, '0'],
    // AWS's example: weeks between 2009-01-01 and 2009-12-31.
    [`datediff(week, '2009-01-01', '2009-12-31')`, '52'],
    // Weeks start on Monday: Sunday 2024-01-07 to Monday 2024-01-08 crosses one.
    [`datediff(w, '2024-01-07', '2024-01-08')`, '1'],
    [`datediff(d, '2024-01-02', '2024-01-01')`, '-1'],
    [`datediff('day', '2024-02-28', '2024-03-01')`, '2'],
    [`datediff(day, date '2024-01-01', timestamp '2024-01-03 05:00')`, '2'],
    [`datediff(day, null, current_date)`, null],
  ])('%s = %s', async (expr, expected) => {
    expect(await value(expr)).toBe(expected);
  });

  it('returns BIGINT, accepts current_date and GETDATE(), and rejects an unknown date part', async () => {
    expect(await value(`pg_typeof(datediff(day, getdate(), current_date))`)).toBe('bigint');
    expect(await value(`datediff(day, current_date, dateadd(day, 3, current_date))`)).toBe('3');
    await expect(c.query(`select datediff(fortnight, current_date, current_date)`)).rejects.toMatchObject({ code: '22023' });
  });
});

describe('DATEADD, TRUNC, NVL', () => {
  it.each([
    // AWS's examples.
    [`dateadd(month, 18, '2008-02-28')`, '2009-08-28 00:00:00'],
    [`dateadd(day, 30, '2008-02-28')`, '2008-03-29 00:00:00'],
    // DATEADD keeps the day of month where it can (unlike ADD_MONTHS): Apr 30 + 1 month = May 30.
    [`dateadd(month, 1, '2008-04-30')`, '2008-05-30 00:00:00'],
    [`dateadd(month, 1, '2008-01-31')`, '2008-02-29 00:00:00'],
    [`dateadd(h, -25, '2024-01-02 00:30')`, '2023-12-31 23:30:00'],
    [`pg_typeof(dateadd(day, 1, current_date))`, 'timestamp without time zone'],
    [`trunc(timestamp '2008-01-25 15:33:10')`, '2008-01-25'],
    [`pg_typeof(trunc(getdate()))`, 'date'],
    [`trunc(111.86)`, '111'],
    [`trunc(111.86, 1)`, '111.8'],
    [`nvl(null, 'x')`, 'x'],
    [`nvl('a', 'x')`, 'a'],
  ])('%s = %s', async (expr, expected) => {
    expect(await value(expr)).toBe(expected);
  });

  it('works over the extended protocol with parameters and inside views', async () => {
    const r = await c.query(`select datediff(day, $1::timestamp, $2::timestamp)::text as v`, ['2024-01-01 23:59', '2024-01-02 00:01']);
    expect(r.rows[0].v).toBe('1');
    await c.query(`create table fn_t (t timestamp)`);
    await c.query(`insert into fn_t values ('2024-01-01 23:00'), (null)`);
    await c.query(`create view fn_v as select datediff(day, t, '2024-01-03') as d, trunc(t) as day from fn_t`);
    const v = await c.query(`select d::text, day::text from fn_v order by d`);
    expect(v.rows).toEqual([{ d: '2', day: '2024-01-01' }, { d: null, day: null }]);
  });
});
