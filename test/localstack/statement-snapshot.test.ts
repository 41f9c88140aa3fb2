// The statement snapshot (issue 15): test/standin-statements.snapshot.sql lists the shape of every
// statement rsetl sent to the Redshift stand-in during the whole suite (written by
// test/support/global-setup.ts from what statement-recorder.ts recorded). Each shape must still
// pass the stand-in's Redshift rules on its own, and the shapes must stay stable across runs and
// tell different statements apart: both are what make a diff of the file mean a new statement.
import { readFileSync } from 'node:fs';
import { serialize } from 'pg-protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { findCopyFromS3, parseCopyFromS3 } from '../../src/localstack/redshift-standin/copy-command.js';
import { overlongIdentifierIn } from '../../src/localstack/redshift-standin/identifier-length.js';
import { loadSqlParser } from '../../src/localstack/redshift-standin/postgres-only-lint.js';
import { tokenize } from '../../src/sql/tokens.js';
import { ParsedSql } from '../../src/localstack/redshift-standin/sql-tree.js';
import { SessionRecording, statementShape } from '../../src/localstack/redshift-standin/statement-recorder.js';
import { transformUncached } from '../../src/localstack/redshift-standin/statement-transform.js';

const SNAPSHOT = new URL('../standin-statements.snapshot.sql', import.meta.url);

function snapshotShapes(): string[] {
  return readFileSync(SNAPSHOT, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('--'))
    .map((line) => line.replace(/;$/, ''));
}

/** Why the stand-in would refuse the shape (as one simple query of a session), or undefined. */
function refusal(shape: string): string | undefined {
  const copy = findCopyFromS3(shape, true);
  if (copy.kind === 'mixed') return 'COPY from S3 shares its text with other statements';
  if (copy.kind === 'single') {
    const overlong = overlongIdentifierIn(copy.tokens);
    if (overlong) return overlong.message;
    const parsed = parseCopyFromS3(copy.tokens);
    return parsed.ok ? undefined : parsed.message;
  }
  const t = transformUncached(shape, true);
  if (t.rejected) return `${t.rejected.code} ${t.rejected.message}`;
  const hasParameters = tokenize(shape, { backslashEscapes: true }).some((k) => k.kind === 'param');
  if (hasParameters && new ParsedSql(t.sql).statements === undefined) return 'has $n parameters, but PostgreSQL’s parser cannot read it';
  return undefined;
}

beforeAll(async () => {
  await loadSqlParser();
});

describe('statement snapshot', () => {
  it('is sorted, without duplicates, one shape per line', () => {
    const shapes = snapshotShapes();
    expect(shapes.length).toBeGreaterThan(0);
    expect(shapes).toEqual([...new Set(shapes)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('holds only statements the stand-in accepts: every shape passes its Redshift rules', () => {
    const refused = snapshotShapes()
      .map((shape) => ({ shape, why: refusal(shape) }))
      .filter((r) => r.why !== undefined);
    expect(refused).toEqual([]);
  });

  it('would name a shape the stand-in refuses', () => {
    expect(refusal(statementShape(`INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING`))).toMatch(/ON CONFLICT/i);
    expect(refusal(statementShape(`SELECT string_agg(name, ',') FROM t`))).toMatch(/string_agg/i);
    expect(refusal(statementShape(`COPY t FROM 's3://b/k' IAM_ROLE 'arn:aws:iam::1:role/r' FORMAT AS JSON 'auto' NOSUCHOPTION`))).toBeDefined();
  });

  it('holds shapes, not statements: no S3 key, IAM role, password or bus schema in it', () => {
    const text = snapshotShapes().join('\n');
    expect(text).not.toMatch(/s3:\/\/(?!<bucket>\/<key>')/);
    expect(text).not.toMatch(/arn:aws:iam::(?!<account>)/);
    expect(text).not.toMatch(/PASSWORD\s+'(?!\?')/i);
    expect(text).not.toMatch(/\bSET search_path TO (?!"<schema>")/i);
  });
});

describe('statementShape', () => {
  it('turns literals into parameters, numbered in order of appearance with the statement’s own', () => {
    expect(statementShape(`SELECT * FROM t WHERE a = 'x' AND b = 5 AND c = $1 LIMIT 10`)).toBe(
      'SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3 LIMIT $4',
    );
    expect(statementShape(`SELECT * FROM t WHERE a = 'y' AND b = 7 AND c = $1 LIMIT 3`)).toBe(
      statementShape(`SELECT * FROM t WHERE a = 'x' AND b = 5 AND c = $1 LIMIT 10`),
    );
    expect(statementShape(`UPDATE t SET x = $2 WHERE id = $1`)).toBe('UPDATE t SET x = $1 WHERE id = $2');
  });

  it('keeps type modifiers, and a password never appears', () => {
    expect(statementShape(`CREATE TABLE t ("a" VARCHAR(256) DEFAULT 'x', "b" DECIMAL(18,2))`)).toBe(
      `CREATE TABLE t ("a" VARCHAR(256) DEFAULT $1, "b" DECIMAL(18,2))`,
    );
    expect(statementShape(`CREATE TABLE t ("a" VARCHAR(64))`)).not.toBe(statementShape(`CREATE TABLE t ("a" VARCHAR(256))`));
    expect(statementShape(`CREATE USER "u_1" PASSWORD 'Secret-1'`)).toBe(`CREATE USER "<user>" PASSWORD '?'`);
  });

  it('collapses IN lists, ARRAY lists, VALUES rows and UNION ALL of one SELECT of any length', () => {
    expect(statementShape(`SELECT 1 FROM t WHERE x IN ('a', 'b', 'c')`)).toBe('SELECT $1 FROM t WHERE x IN ($2)');
    expect(statementShape(`SELECT 1 FROM t WHERE x IN ('a')`)).toBe(statementShape(`SELECT 1 FROM t WHERE x IN ('a', 'b')`));
    expect(statementShape(`SELECT 1 FROM t WHERE x IN (CAST($3 AS DATE), CAST($4 AS DATE))`)).toBe('SELECT $1 FROM t WHERE x IN (CAST($2 AS DATE))');
    expect(statementShape(`SELECT 1 FROM t WHERE x = ANY(ARRAY[$1, $2, $3])`)).toBe('SELECT $1 FROM t WHERE x = ANY(ARRAY[$2])');
    expect(statementShape(`INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)`)).toBe('INSERT INTO t (a, b) VALUES ($1, $2)');
    expect(statementShape(`INSERT INTO t (a, b) VALUES ('x', 1)`)).toBe('INSERT INTO t (a, b) VALUES ($1, $2)');
    expect(statementShape(`SELECT * FROM (SELECT CAST($3 AS DATE) AS day UNION ALL SELECT CAST($4 AS DATE) AS day) d`)).toBe(
      'SELECT * FROM (SELECT CAST($1 AS DATE) AS day) d',
    );
    // Values inlined into a statement may be NULL: as a value it is a parameter too.
    expect(statementShape(`INSERT INTO t (a, b) VALUES (5, NULL)`)).toBe(statementShape(`INSERT INTO t (a, b) VALUES (5, 'x')`));
    expect(statementShape(`SELECT 1 FROM t WHERE a IS NULL AND b IS NOT NULL`)).toBe('SELECT $1 FROM t WHERE a IS NULL AND b IS NOT NULL');
    // The tables a load locks and drops depend on what it holds.
    expect(statementShape(`LOCK "rsetl_load", "usr", "section"`)).toBe('LOCK "rsetl_load", "<table>"');
    expect(statementShape(`LOCK "rsetl_load", "pagenavevent"`)).toBe('LOCK "rsetl_load", "<table>"');
    expect(statementShape(`LOCK "rsetl_load"`)).toBe('LOCK "rsetl_load"');
    expect(statementShape(`DROP TABLE "rsetl_stage_usr", "rsetl_stage_asset", "rsetl_stage_grade"`)).toBe('DROP TABLE "<table>"');
    expect(statementShape(`DROP TABLE IF EXISTS "rsetl_stage_usr" CASCADE`)).toBe('DROP TABLE IF EXISTS "<table>" CASCADE');
    // A list of names, or items of different kinds, is not a list of values.
    expect(statementShape(`SELECT 1 FROM t WHERE (a, b) IN (SELECT a, b FROM u)`)).toBe('SELECT $1 FROM t WHERE (a, b) IN (SELECT a, b FROM u)');
    expect(statementShape(`SELECT 1 FROM t WHERE x IN ($1, lower($2))`)).toBe('SELECT $1 FROM t WHERE x IN ($2, lower($3))');
  });

  it('collapses bus schemas and users, keeps the system’s schemas', () => {
    expect(statementShape(`SET search_path TO "bus_one"`)).toBe('SET search_path TO "<schema>"');
    expect(statementShape(`CREATE SCHEMA IF NOT EXISTS "crash_a"`)).toBe('CREATE SCHEMA IF NOT EXISTS "<schema>"');
    expect(statementShape(`GRANT ALL ON SCHEMA "bus_one" TO "reader"`)).toBe('GRANT ALL ON SCHEMA "<schema>" TO "<user>"');
    expect(statementShape(`ALTER DEFAULT PRIVILEGES IN SCHEMA "b" GRANT ALL ON TABLES TO "u"`)).toBe(
      'ALTER DEFAULT PRIVILEGES IN SCHEMA "<schema>" GRANT ALL ON TABLES TO "<user>"',
    );
    expect(statementShape(`REFRESH MATERIALIZED VIEW "bus_views"."timespent"`)).toBe('REFRESH MATERIALIZED VIEW "<schema>"."timespent"');
    expect(statementShape(`SELECT a.x FROM "s1".t a JOIN pg_catalog.pg_class c ON c.relname = a.x`)).toBe(
      'SELECT a.x FROM "<schema>".t a JOIN pg_catalog.pg_class c ON c.relname = a.x',
    );
    // Redshift-only DDL, which PostgreSQL's parser reads once the stand-in dropped DISTKEY and the like.
    expect(statementShape(`CREATE TABLE "b_2"."t" ("id" INT8 ENCODE az64) DISTKEY("id")`)).toBe(
      'CREATE TABLE "<schema>"."t" ("id" INT8 ENCODE az64) DISTKEY("id")',
    );
  });

  it('collapses random parts of names: temp tables with a random suffix', () => {
    expect(statementShape(`CREATE TEMP TABLE "rsetl_tmp_1a2b3c4d5e" (LIKE "usr")`)).toBe('CREATE TEMP TABLE "rsetl_tmp_<id>" (LIKE "usr")');
    expect(statementShape(`DROP TABLE rsetl_tmp_9f8e7d6c5b`)).toBe(statementShape(`DROP TABLE "rsetl_tmp_0a0b0c0d0e"`));
    // Hex-looking words without digits are names.
    expect(statementShape(`SELECT decade FROM t`)).toBe('SELECT decade FROM t');
  });

  it('collapses the bus id of a COPY lane stage table', () => {
    const shape = statementShape(`CREATE TABLE "rsetl_stage_b7_usr" (LIKE "usr") BACKUP NO`);
    expect(shape).toBe('CREATE TABLE "rsetl_stage_b<id>_usr" (LIKE "usr") BACKUP NO');
    expect(statementShape(`INSERT INTO "sessionevent" SELECT * FROM "rsetl_stage_b12_sessionevent"`)).toBe(
      statementShape(`INSERT INTO "sessionevent" SELECT * FROM "rsetl_stage_b3_sessionevent"`),
    );
  });

  it('keeps a COPY’s options but not its S3 key or IAM role', () => {
    const copy = (key: string, role: string) =>
      `COPY "rsetl_stage_usr" FROM 's3://bucket/${key}/manifest' IAM_ROLE '${role}' MANIFEST GZIP FORMAT AS JSON 'auto' TIMEFORMAT 'auto' MAXERROR 0`;
    const shape = statementShape(copy('run-1/abc', 'arn:aws:iam::123456789012:role/a'));
    expect(shape).toBe(
      `COPY "rsetl_stage_usr" FROM 's3://<bucket>/<key>' IAM_ROLE 'arn:aws:iam::<account>:role/<role>' MANIFEST GZIP FORMAT AS JSON 'auto' TIMEFORMAT 'auto' MAXERROR 0`,
    );
    expect(statementShape(copy('run-2/def', 'arn:aws:iam::000000000000:role/b'))).toBe(shape);
    expect(refusal(shape)).toBeUndefined();
  });

  it('drops comments and collapses whitespace: one line per shape', () => {
    expect(statementShape(`SELECT a -- the a\n  FROM /* here */ t\n\tWHERE b = 1;`)).toBe('SELECT a FROM t WHERE b = $1');
  });

  it('tells different statements apart', () => {
    const statements = [
      'SELECT a FROM t WHERE b = 1',
      'SELECT b FROM t WHERE b = 1',
      'SELECT a FROM u WHERE b = 1',
      'SELECT a FROM t WHERE b IN (1, 2)',
      'SELECT a FROM t WHERE b > 1',
      'DELETE FROM t WHERE b = 1',
      `SET search_path TO "bus_one"`,
      `SET timezone TO 'UTC'`,
    ];
    expect(new Set(statements.map(statementShape)).size).toBe(statements.length);
  });

  it('gives shapes with parameters that PostgreSQL’s parser reads, as the stand-in does', () => {
    for (const sql of [`SET timezone TO 'UTC'`, `SELECT now() - interval '5 minutes', DATE '2024-01-01'`, `SELECT 1 FROM t WHERE x IN ('a', 'b')`]) {
      expect(refusal(statementShape(sql)), sql).toBeUndefined();
    }
  });
});

describe('SessionRecording', () => {
  const Z = 0x5a;
  const E = 0x45;
  const C = 0x43;

  function session() {
    const recorded: string[] = [];
    const r = new SessionRecording({ add: (text) => recorded.push(text) });
    r.toClient(Z); // the login's ReadyForQuery
    return { r, recorded };
  }

  it('records a query once its answer ends without an error', () => {
    const { r, recorded } = session();
    r.fromClient(serialize.query('SELECT 1'));
    r.fromClient(serialize.query('SELECT boom'));
    r.toClient(C);
    r.toClient(Z);
    expect(recorded).toEqual(['SELECT 1']);
    r.toClient(E);
    r.toClient(Z);
    expect(recorded).toEqual(['SELECT 1']);
  });

  it('records the statements of an extended batch up to its Sync, unless the batch failed', () => {
    const { r, recorded } = session();
    r.fromClient(serialize.parse({ text: 'SELECT $1::int' }));
    r.fromClient(serialize.bind({ values: ['1'] }));
    r.fromClient(serialize.execute({}));
    r.fromClient(serialize.sync());
    r.fromClient(serialize.parse({ text: 'SELECT nope' }));
    r.fromClient(serialize.sync());
    r.toClient(C);
    r.toClient(Z);
    r.toClient(E);
    r.toClient(Z);
    expect(recorded).toEqual(['SELECT $1::int']);
  });

  it('ignores what comes before the login ended', () => {
    const recorded: string[] = [];
    const r = new SessionRecording({ add: (text) => recorded.push(text) });
    r.toClient(E);
    r.fromClient(serialize.query('SELECT 1'));
    r.toClient(Z); // the login's
    r.toClient(Z);
    expect(recorded).toEqual(['SELECT 1']);
  });
});
