// COPY ... FROM 's3://...' on the stand-in: loads inside the client's transaction (temp stage
// tables included), keeps values intact, fails like Redshift, and records its failures in
// Redshift-shaped system views that survive the rollback.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, ROLE, copySql, startStandinFixture, type StandinFixture } from './standin-fixture.js';

let fx: StandinFixture;
let c: pg.Client;

beforeAll(async () => {
  fx = await startStandinFixture('standin_copy', { acceptedIamRoles: [ROLE] });
  c = await fx.connect();
  await c.query(`create table events (id int8 not null, kind varchar(32), payload varchar(max), at timestamp, score float8)
    diststyle key distkey (id) sortkey (at)`);
});
afterAll(async () => {
  await fx?.stop();
});

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string; detail?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected the statement to fail');
}

const tricky = [
  { id: 1, kind: "it's", payload: 'back\\slash "quoted" \\n not a newline', at: '2025-01-02 03:04:05.678', score: 1.5 },
  { id: 2, kind: 'ünïcødé ✓ 日本', payload: '{"nested":"json \\"esc\\""}', at: '2025-01-02T03:04:05.678Z', score: null },
  { id: 3, kind: null, payload: 'emoji 🎉 and tab\tinside', unknown_key: 'ignored', at: '2024-12-31 23:59:59' },
];

describe('COPY from S3 through the stand-in', () => {
  it('loads a temp stage table inside a transaction, then INSERT ... SELECT and COMMIT', async () => {
    const manifest = await fx.putLoad('commit', [tricky.slice(0, 2), tricky.slice(2)]);
    const notices: string[] = [];
    c.on('notice', (n) => notices.push(n.message ?? ''));
    await c.query('begin');
    await c.query('create temp table stage (like events)');
    const copy = await c.query(copySql('stage', manifest));
    expect(copy.command).toBe('COPY');
    expect(copy.rowCount).toBe(3);
    expect(notices).toContain("Load into table 'stage' completed, 3 record(s) loaded successfully.");
    expect((await c.query('select pg_last_copy_count() as n')).rows[0].n).toBe('3');
    await c.query('insert into events select * from stage');
    await c.query('commit');
    c.removeAllListeners('notice');

    const rows = (await c.query("select id, kind, payload, to_char(at, 'YYYY-MM-DD HH24:MI:SS.MS') as at, score from events order by id")).rows;
    expect(rows).toEqual(
      tricky.map((t) => ({
        id: String(t.id),
        kind: t.kind,
        payload: t.payload,
        // PostgreSQL ignores a zone suffix for a TIMESTAMP (without time zone) column.
        at: t.at.replace('T', ' ').replace('Z', '').padEnd(23, '.000'),
        score: t.score ?? null,
      })),
    );
  });

  it('leaves nothing behind when the transaction rolls back', async () => {
    const manifest = await fx.putLoad('rollback', [[{ id: 100, kind: 'rolled back' }]]);
    await c.query('begin');
    expect((await c.query(copySql('events', manifest))).rowCount).toBe(1);
    expect((await c.query('select count(*)::int as n from events where id = 100')).rows[0].n).toBe(1);
    await c.query('rollback');
    expect((await c.query('select count(*)::int as n from events where id = 100')).rows[0].n).toBe(0);
  });

  it('commits on its own when no transaction is open', async () => {
    const manifest = await fx.putLoad('autocommit', [[{ id: 200 }]]);
    await c.query(copySql('events', manifest));
    const other = await fx.direct();
    expect((await other.query('select count(*)::int as n from events where id = 200')).rows[0].n).toBe(1);
  });

  it('fails a bad row like Redshift: XX000, aborted transaction, and the line named in the load error views', async () => {
    const good = Array.from({ length: 20 }, (_, i) => ({ id: 300 + i, kind: 'ok', at: '2025-02-03 04:05:06' }));
    const bad = [...good.slice(0, 13), { id: 313, kind: 'bad', at: 'not a timestamp' }, ...good.slice(14)];
    const manifest = await fx.putLoad('badrow', [good, bad]);
    await c.query('begin');
    const err = await failure(c.query(copySql('events', manifest)));
    expect(err.code).toBe('XX000');
    expect(err.message).toBe("Load into table 'events' failed.  Check 'sys_load_error_detail' system table for details.");
    expect(err.detail).toContain('code:      1206');
    expect((await failure(c.query('select 1'))).code).toBe('25P02');
    await c.query('rollback');
    expect((await c.query('select count(*)::int as n from events where id >= 300 and id < 400')).rows[0].n).toBe(0);

    const stl = await c.query(`select query, trim(filename) as filename, line_number, trim(colname) as colname, trim(type) as type,
        trim(raw_field_value) as raw_field_value, err_code, trim(err_reason) as err_reason, trim(raw_line) as raw_line
      from stl_load_errors order by query desc limit 1`);
    expect(stl.rows[0]).toMatchObject({
      filename: `s3://${BUCKET}/badrow/part-1.json.gz`,
      line_number: '14',
      colname: 'at',
      type: 'timestamp',
      raw_field_value: 'not a timestamp',
      err_code: 1206,
    });
    expect(stl.rows[0].err_reason).toMatch(/Invalid timestamp format/);
    expect(stl.rows[0].raw_line).toContain('"not a timestamp"');
    expect((await c.query('select pg_last_copy_id() as q')).rows[0].q).toBe(stl.rows[0].query);

    const sys = await c.query(`select query_id, session_id, trim(file_name) as file_name, line_number, trim(column_name) as column_name,
        error_code, trim(error_message) as error_message from sys_load_error_detail order by query_id desc limit 1`);
    expect(sys.rows[0]).toMatchObject({ line_number: '14', column_name: 'at', error_code: 1206, file_name: stl.rows[0].filename });
    expect(sys.rows[0].session_id).toBe((await c.query('select pg_backend_pid() as p')).rows[0].p);
    expect(Number(sys.rows[0].query_id)).toBe(stl.rows[0].query);
  });

  it('counts VARCHAR lengths in bytes: four 3-byte characters overflow VARCHAR(10) but fit VARCHAR(12)', async () => {
    await c.query('create table narrow (id int8, s varchar(10))');
    await c.query('create table wide (id int8, s varchar(12))');
    const manifest = await fx.putLoad('bytes', [[{ id: 1, s: 'abc' }, { id: 2, s: '日本語中' }]]);
    const err = await failure(c.query(copySql('narrow', manifest)));
    expect(err.code).toBe('XX000');
    const e = await c.query('select line_number, trim(colname) as colname, err_code, trim(err_reason) as r, trim(col_length) as len from stl_load_errors order by query desc limit 1');
    expect(e.rows[0]).toEqual({ line_number: '2', colname: 's', err_code: 1204, r: 'String length exceeds DDL length', len: '10' });
    expect((await c.query('select count(*)::int as n from narrow')).rows[0].n).toBe(0);
    expect((await c.query(copySql('wide', manifest))).rowCount).toBe(2);
    expect((await c.query('select s from wide where id = 2')).rows[0].s).toBe('日本語中');
  });

  it('reports a NOT NULL column without a value (1213) and a malformed line (1224)', async () => {
    const missing = await fx.putLoad('notnull', [[{ id: 1 }, { kind: 'no id' }]]);
    expect((await failure(c.query(copySql('events', missing)))).code).toBe('XX000');
    const a = await c.query('select line_number, trim(colname) as col, err_code from stl_load_errors order by query desc limit 1');
    expect(a.rows[0]).toEqual({ line_number: '2', col: 'id', err_code: 1213 });
    const broken = await fx.putLoad('broken', ['{"id": 1}\n\n{"id": 2,\n']);
    expect((await failure(c.query(copySql('events', broken)))).code).toBe('XX000');
    const b = await c.query('select line_number, err_code from stl_load_errors order by query desc limit 1');
    expect(b.rows[0]).toEqual({ line_number: '3', err_code: 1224 });
  });

  it('fails on a missing mandatory manifest entry and skips a missing optional one', async () => {
    const optional = await fx.putLoad('optional', [[{ id: 500 }]], [{ url: `s3://${BUCKET}/nope/x.gz`, mandatory: false }]);
    expect((await c.query(copySql('events', optional))).rowCount).toBe(1);
    const mandatory = await fx.putLoad('mandatory', [[{ id: 501 }]], [{ url: `s3://${BUCKET}/nope/y.gz`, mandatory: true }]);
    const err = await failure(c.query(copySql('events', mandatory)));
    expect(err.code).toBe('XX000');
    expect(err.message).toContain(`s3://${BUCKET}/nope/y.gz`);
    const e = await c.query('select err_code, trim(filename) as f from stl_load_errors order by query desc limit 1');
    expect(e.rows[0]).toEqual({ err_code: 1212, f: `s3://${BUCKET}/nope/y.gz` });
    expect((await c.query('select count(*)::int as n from events where id = 501')).rows[0].n).toBe(0);
  });

  it('refuses an IAM role it does not accept, like an S3 access denied', async () => {
    const manifest = await fx.putLoad('role', [[{ id: 600 }]]);
    const other = 'arn:aws:iam::123456789012:role/someone-else';
    await c.query('begin');
    const err = await failure(c.query(copySql('events', manifest, other)));
    expect(err.code).toBe('XX000');
    expect(err.message).toMatch(/S3ServiceException:Access Denied.*Not authorized to get credentials of role arn:aws:iam::123456789012:role\/someone-else/);
    await c.query('rollback');
    const credentials = `COPY events FROM '${manifest}' CREDENTIALS 'aws_iam_role=${ROLE}' MANIFEST GZIP JSON 'auto'`;
    expect((await c.query(credentials)).rowCount).toBe(1);
  });

  it('loads every object under a key prefix without a manifest, across listing pages', async () => {
    await c.query('create table many (id int8)');
    const keys = Array.from({ length: 1005 }, (_, i) => i);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((k) => fx.put(`prefix/obj-${k}.json`, `{"id": ${k}}`)));
    }
    const r = await c.query(`COPY many FROM 's3://${BUCKET}/prefix/obj-' IAM_ROLE '${ROLE}' FORMAT JSON 'auto'`);
    expect(r.rowCount).toBe(1005);
    expect((await c.query('select count(distinct id)::int as n from many')).rows[0].n).toBe(1005);
  });

  it("honours a column list, 'auto ignorecase' and EMPTYASNULL", async () => {
    await c.query("create table named (id int8, label varchar(20), note varchar(20) default 'dflt')");
    await fx.put('ic/data.json', '{"ID": 1, "Label": ""}\n{"id": 2, "LABEL": "two"}\n');
    await c.query(`COPY named (id, label) FROM 's3://${BUCKET}/ic/' IAM_ROLE '${ROLE}' FORMAT AS JSON 'auto ignorecase' EMPTYASNULL`);
    expect((await c.query('select id, label, note from named order by id')).rows).toEqual([
      { id: '1', label: null, note: 'dflt' },
      { id: '2', label: 'two', note: 'dflt' },
    ]);
  });

  it('rejects unknown options, COPY over the extended protocol, and COPY inside a multi-statement query', async () => {
    const url = `s3://${BUCKET}/ic/`;
    const unknown = await failure(c.query(`COPY named FROM '${url}' IAM_ROLE '${ROLE}' FORMAT AS JSON 'auto' FROBNICATE`));
    expect(unknown).toMatchObject({ code: '42601', message: 'syntax error at or near "FROBNICATE"' });
    const noRole = await failure(c.query(`COPY named FROM '${url}' FORMAT AS JSON 'auto'`));
    expect(noRole.code).toBe('XX000');
    const csv = await failure(c.query(`COPY named FROM '${url}' IAM_ROLE '${ROLE}' CSV`));
    expect(csv.code).toBe('0A000');
    const extended = await failure(c.query({ text: `COPY named FROM '${url}' IAM_ROLE '${ROLE}' JSON 'auto'`, queryMode: 'extended' } as pg.QueryConfig));
    expect(extended.code).toBe('0A000');
    const mixed = await failure(c.query(`select 1; COPY named FROM '${url}' IAM_ROLE '${ROLE}' JSON 'auto'`));
    expect(mixed.code).toBe('0A000');
    expect((await c.query('select 1 as ok')).rows[0].ok).toBe(1);
  });

  it('keeps a history of COPYs with the options it could not honour', async () => {
    const manifest = await fx.putLoad('history', [[{ id: 700, kind: 'x' }]]);
    await c.query(`${copySql('events', manifest)} TRUNCATECOLUMNS MAXERROR 5`);
    const h = await c.query('select trim(status) as status, loaded_rows, not_honoured from sys_load_history order by query_id desc limit 1');
    expect(h.rows[0].status).toBe('completed');
    expect(h.rows[0].loaded_rows).toBe('1');
    expect(h.rows[0].not_honoured.join(' ')).toMatch(/TRUNCATECOLUMNS.*MAXERROR 5/);
  });
});
