// The stand-in's pure SQL handling: tokenizing, Redshift rewrites, the PostgreSQL-only lint and
// the COPY option parser, without any server.
import { beforeAll, describe, expect, it } from 'vitest';
import { findCopyFromS3, parseCopyFromS3 } from '../../src/localstack/redshift-standin/copy-command.js';
import { loadSqlParser } from '../../src/localstack/redshift-standin/postgres-only-lint.js';
import { joinTokens, stringValue, tokenize } from '../../src/sql/tokens.js';
import { literal, raiseStatement } from '../../src/localstack/redshift-standin/sql-literal.js';
import { transformUncached } from '../../src/localstack/redshift-standin/statement-transform.js';

beforeAll(() => loadSqlParser());

const sql = (text: string) => transformUncached(text, true).sql.replace(/\s+/g, ' ').trim();

describe('tokenizer', () => {
  it('gives back the input unchanged and keeps literals, quoted names, comments and dollar bodies whole', () => {
    const text = `select 'a''b\\'c', E'x\\'y', "we""ird", $tag$ body ; $tag$, $1, 1.5e3 -- c;\n/* a /* nested */ ; */ ;`;
    const tokens = tokenize(text, { backslashEscapes: true });
    expect(joinTokens(tokens)).toBe(text);
    expect(tokens.filter((t) => t.kind === 'string').map(stringValue)).toEqual(["a'b'c", "x'y", expect.any(String)]);
    expect(tokens.filter((t) => t.kind === 'punct' && t.text === ';')).toHaveLength(1);
  });
});

describe('Redshift rewrites', () => {
  it('strips distribution, sort, encoding and backup attributes', () => {
    expect(sql('CREATE TABLE t (id INT8 NOT NULL, e VARCHAR(32) DISTKEY, PRIMARY KEY(id)) DISTSTYLE KEY SORTKEY(id)'))
      .toBe('CREATE TABLE t (id INT8 NOT NULL, e VARCHAR(32) , PRIMARY KEY(id))');
    expect(sql('create table t (a int encode az64 sortkey) diststyle all backup no interleaved sortkey (a, b) distkey(a)'))
      .toBe('create table t (a int )');
    expect(sql('create materialized view v backup yes auto refresh yes as select 1')).toBe('create materialized view v as select 1');
  });

  it('maps VARCHAR(MAX), length-less string columns, NVARCHAR, GETDATE() and SYSDATE', () => {
    expect(sql('create table t (a varchar(max), b nvarchar(10), c text, d character varying)'))
      .toBe('create table t (a varchar(65535), b VARCHAR(10), c VARCHAR(256), d VARCHAR(256) )');
    expect(sql('alter table t add column e varchar')).toBe('alter table t add column e VARCHAR(256)');
    expect(sql("select getdate(), sysdate, x::text from t where s = 'getdate()'")).toBe(
      "select (date_trunc('second', statement_timestamp() AT TIME ZONE 'UTC')), (transaction_timestamp() AT TIME ZONE 'UTC'), x::text from t where s = 'getdate()'",
    );
  });

  it('leaves the same words alone in literals, quoted names, DML and function calls', () => {
    for (const text of [
      `insert into t values ('DISTKEY SORTKEY(a) ENCODE zstd')`,
      `create table "distkey" ("sortkey" int)`,
      `select encode(x, 'hex') from t`,
      `create table t (text varchar(10))`,
    ]) expect(transformUncached(text, true).sql).toBe(text);
  });

  it('points system views and functions at the stand-in schema', () => {
    expect(sql('select * from stl_load_errors e join pg_catalog.sys_load_error_detail d on true where query = pg_last_copy_id()'))
      .toBe('select * from rsetl_standin.stl_load_errors e join rsetl_standin.sys_load_error_detail d on true where query = rsetl_standin.pg_last_copy_id()');
    expect(transformUncached('select * from myschema.stl_load_errors', true).usesStandinSchema).toBe(false);
  });
});

describe('PostgreSQL-only lint', () => {
  it.each([
    ['insert into t values (1) on conflict (id) do update set a = 1', 'ON CONFLICT'],
    ['with x as (delete from t returning *) select * from x', 'RETURNING'],
    ["insert into t values ('it\\'s') returning id", 'RETURNING'],
    ['select * from t for no key update nowait', 'FOR NO KEY UPDATE NOWAIT'],
    ['create unique index i on t (a)', 'CREATE INDEX'],
    ['create temporary table x (a int) on commit preserve rows', 'ON COMMIT'],
  ])('rejects %s', (text, construct) => {
    expect(transformUncached(text, true).rejected?.message).toContain(construct);
  });

  it.each([
    "select 'returning on conflict for update' as s",
    'create temp table stage (like t)',
    'merge into t using s on t.id = s.id when matched then update set a = s.a when not matched then insert values (s.id, s.a)',
    "COPY t FROM 's3://b/k' IAM_ROLE 'x' FORMAT AS JSON 'auto'",
    'select * from t where exists (select 1 from u for_update)',
  ])('accepts %s', (text) => {
    expect(transformUncached(text, true).rejected).toBeUndefined();
  });
});

describe('COPY FROM S3 parsing', () => {
  const parse = (text: string) => {
    const found = findCopyFromS3(text, true);
    if (found.kind !== 'single') throw new Error(`not a single COPY: ${found.kind}`);
    return parseCopyFromS3(found.tokens);
  };

  it('reads the table, columns, source and options', () => {
    const r = parse(`copy "Sch".t (a, "B") from 's3://b/m.manifest' credentials as 'aws_iam_role=arn:r' manifest gzip
      format as json 'auto ignorecase' timeformat as 'epochsecs' dateformat 'auto' region as 'eu-west-1' maxerror as 0
      compupdate off statupdate on roundec truncatecolumns acceptinvchars as '?' emptyasnull blanksasnull;`);
    expect(r).toEqual({
      ok: true,
      command: {
        tableSql: '"Sch".t', columns: ['a', 'B'], source: 's3://b/m.manifest', iamRole: 'arn:r', manifest: true, gzip: true,
        ignoreCase: true, emptyAsNull: true, blanksAsNull: true,
        notHonoured: [expect.stringContaining("TIMEFORMAT 'epochsecs'"), expect.stringContaining('TRUNCATECOLUMNS'), expect.stringContaining('ACCEPTINVCHARS')],
      },
    });
  });

  it('refuses unknown words, formats it cannot load, and a COPY without credentials', () => {
    expect(parse(`copy t from 's3://b/k' iam_role 'r' json 'auto' bogus`)).toMatchObject({ ok: false, code: '42601' });
    expect(parse(`copy t from 's3://b/k' iam_role 'r' format as parquet`)).toMatchObject({ ok: false, code: '0A000' });
    expect(parse(`copy t from 's3://b/k' iam_role 'r' json 's3://b/paths.json'`)).toMatchObject({ ok: false, code: '0A000' });
    expect(parse(`copy t from 's3://b/k' json 'auto'`)).toMatchObject({ ok: false, code: 'XX000' });
    expect(findCopyFromS3(`copy t from '/tmp/x'`, true).kind).toBe('none');
    expect(findCopyFromS3(`begin; copy t from 's3://b/k' iam_role 'r' json 'auto'`, true).kind).toBe('mixed');
  });
});

describe('literals for the stand-in\'s own SQL', () => {
  it('escapes quotes and backslashes whatever standard_conforming_strings says', () => {
    expect(literal("a'b\\c")).toBe("E'a''b\\\\c'");
    expect(raiseStatement('bad', 'm $rsetl_standin$')).toMatch(/^DO \$rsetl_standin0\$.*ERRCODE = E'XX000'/);
  });
});
