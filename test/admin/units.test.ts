// The pure parts of the admin commands: Redshift's password rules, statement splitting, migration
// files, ACL text, CIDR matching, the statements grant-readonly sends.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../../src/admin/admin-connection.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { groupHas, parseAcl, parseArrayLiteral } from '../../src/admin/acl.js';
import { grantStatements, revokeStatements } from '../../src/admin/grant-readonly.js';
import { adhocMigration, checksumOf, loadBuiltinMigrations, loadMigrationDir, parseMigration } from '../../src/warehouse/migrations.js';
import { generatePassword, passwordProblem } from '../../src/admin/password.js';
import { personalConfigText } from '../../src/admin/personal-config.js';
import { cidrContains, permits } from '../../src/admin/security-group.js';
import { splitStatements } from '../../src/sql/split.js';
import { isSystemSchema, selectionFrom } from '../../src/admin/target-schemas.js';
import { substituteEnv } from '../../src/config/env.js';
import { validateConfig, stripComments } from '../../src/config/validate.js';
import { UsageError } from '../../src/errors.js';

describe('Redshift passwords', () => {
  it('generates passwords that meet every rule', () => {
    for (let i = 0; i < 500; i++) {
      const pw = generatePassword();
      expect(passwordProblem(pw)).toBeUndefined();
      expect(pw).toMatch(/[A-Z]/);
      expect(pw).toMatch(/[a-z]/);
      expect(pw).toMatch(/[0-9]/);
      expect(pw).not.toMatch(/['"\\/@ $]/);
      expect(pw.length).toBeGreaterThanOrEqual(8);
      expect(pw.length).toBeLessThanOrEqual(64);
    }
    expect(new Set(Array.from({ length: 50 }, () => generatePassword())).size).toBe(50);
  });

  it('rejects what Redshift rejects, without quoting the password', () => {
    expect(passwordProblem('Short1')).toMatch(/8 to 64/);
    expect(passwordProblem('A1' + 'a'.repeat(63))).toMatch(/8 to 64/);
    expect(passwordProblem('alllower1')).toMatch(/upper-case/);
    expect(passwordProblem('ALLUPPER1')).toMatch(/lower-case/);
    expect(passwordProblem('NoDigitsHere')).toMatch(/digit/);
    for (const bad of ["Quote'Pass1", 'Dq"Pass123', 'Back\\slash1', 'Sla/shPass1', 'At@Passw0rd', 'Spa ce Pass1', 'Tab\tPass12', 'Ünicode1a']) {
      const problem = passwordProblem(bad);
      expect(problem, bad).toBeDefined();
      expect(problem).not.toContain(bad);
    }
    expect(passwordProblem('Good-Pass_1.x')).toBeUndefined();
  });
});

describe('splitting a migration file into statements', () => {
  it('respects quotes (also backslash escapes), dollar quotes and comments', () => {
    const sql = [
      '-- rsetl:no-transaction',
      'CREATE TABLE a (x VARCHAR(10)) DISTSTYLE EVEN; -- trailing; comment',
      "INSERT INTO a VALUES ('it\\'s; fine'), ('a''b;'), ('back\\\\');",
      '/* a; block */ CREATE FUNCTION f(int) RETURNS int STABLE AS $$ select $1; $$ LANGUAGE sql;',
      'SELECT "odd;name" FROM a$b;',
      'CREATE FUNCTION g() RETURNS int STABLE AS $body$ select 2; $body$ LANGUAGE sql',
    ].join('\n');
    const st = splitStatements(sql);
    expect(st.map((s) => s.text)).toEqual([
      'CREATE TABLE a (x VARCHAR(10)) DISTSTYLE EVEN',
      "INSERT INTO a VALUES ('it\\'s; fine'), ('a''b;'), ('back\\\\')",
      'CREATE FUNCTION f(int) RETURNS int STABLE AS $$ select $1; $$ LANGUAGE sql',
      'SELECT "odd;name" FROM a$b',
      'CREATE FUNCTION g() RETURNS int STABLE AS $body$ select 2; $body$ LANGUAGE sql',
    ]);
    expect(st.map((s) => s.line)).toEqual([2, 3, 4, 5, 6]);
  });

  it('finds no statement in a file of comments', () => {
    expect(splitStatements('-- nothing here\n/* nor; here */\n')).toEqual([]);
  });
});

describe('migration files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rsetl-mig-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads NNN_name.sql in number order, with checksums and the no-transaction marker', async () => {
    const d = join(dir, 'ok');
    await rm(d, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(d));
    await writeFile(join(d, '010_later.sql'), 'SELECT 10;');
    await writeFile(join(d, '002_alter.sql'), '-- rsetl:no-transaction\nALTER TABLE t ALTER COLUMN c TYPE VARCHAR(20);\n');
    await writeFile(join(d, 'README.md'), 'not a migration');
    const ms = await loadMigrationDir(d, 'dir');
    expect(ms.map((m) => [m.name, m.transactional, m.statements.length])).toEqual([
      ['002_alter.sql', false, 1],
      ['010_later.sql', true, 1],
    ]);
    expect(ms[1]!.checksum).toBe(checksumOf('SELECT 10;'));
  });

  it('refuses badly named files and duplicate numbers', async () => {
    const bad = join(dir, 'bad');
    await import('node:fs/promises').then((fs) => fs.mkdir(bad));
    await writeFile(join(bad, 'add_column.sql'), 'SELECT 1;');
    await expect(loadMigrationDir(bad, 'dir')).rejects.toThrow(/NNN_name\.sql: add_column\.sql/);
    const dup = join(dir, 'dup');
    await import('node:fs/promises').then((fs) => fs.mkdir(dup));
    await writeFile(join(dup, '001_a.sql'), 'SELECT 1;');
    await writeFile(join(dup, '1_b.sql'), 'SELECT 2;');
    await expect(loadMigrationDir(dup, 'dir')).rejects.toBeInstanceOf(UsageError);
  });

  it('reads CRLF and a BOM as the same text (same checksum)', () => {
    expect(checksumOf('\uFEFFSELECT 1;\r\nSELECT 2;\r\n')).toBe(checksumOf('SELECT 1;\nSELECT 2;\n'));
    expect(parseMigration('x', 'dir', 'x', '\uFEFF-- rsetl:no-transaction\r\nSELECT 1').transactional).toBe(false);
  });

  it("names ad-hoc SQL by its checksum and ships rsetl's own baseline", async () => {
    const m = adhocMigration('ALTER TABLE t ADD COLUMN c INT', {});
    expect(m.name).toBe(`adhoc/sql@${m.checksum.slice(0, 12)}`);
    expect(() => adhocMigration('-- nothing', {})).toThrow(UsageError);
    const own = await loadBuiltinMigrations();
    expect(own[0]).toMatchObject({ name: 'rsetl/001_baseline.sql', transactional: true, statements: [] });
  });
});

describe('privilege lists', () => {
  it('reads Redshift and PostgreSQL ACL text', () => {
    expect(parseArrayLiteral('{postgres=arwdDxtm/postgres,"group client_ro_group=r/owner",=U/postgres}')).toEqual([
      'postgres=arwdDxtm/postgres',
      'group client_ro_group=r/owner',
      '=U/postgres',
    ]);
    expect(parseAcl('{"group ro=r*/owner"}')).toEqual([{ grantee: 'ro', isGroup: true, privileges: 'r', grantor: 'owner' }]);
    expect(groupHas('{"group ro=r/owner"}', 'ro', 'r')).toEqual({ granted: true, via: 'group' });
    expect(groupHas('{ro=r/postgres}', 'ro', 'r')).toEqual({ granted: true, via: 'group' });
    expect(groupHas('{=r/postgres}', 'ro', 'r')).toEqual({ granted: true, via: 'public' });
    expect(groupHas('{ro=U/postgres}', 'ro', 'r').granted).toBe(false);
    expect(groupHas(null, 'ro', 'r').granted).toBe(false);
  });

  it('sends the three grants of the seed, and their reverse', () => {
    expect(grantStatements('loan', 'client_ro_group')).toEqual([
      'GRANT USAGE ON SCHEMA "loan" TO GROUP "client_ro_group"',
      'GRANT SELECT ON ALL TABLES IN SCHEMA "loan" TO GROUP "client_ro_group"',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA "loan" GRANT SELECT ON TABLES TO GROUP "client_ro_group"',
    ]);
    expect(revokeStatements('loan', 'g', ['etl'])).toEqual([
      'ALTER DEFAULT PRIVILEGES FOR USER "etl" IN SCHEMA "loan" REVOKE SELECT ON TABLES FROM GROUP "g"',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA "loan" REVOKE SELECT ON TABLES FROM GROUP "g"',
      'REVOKE SELECT ON ALL TABLES IN SCHEMA "loan" FROM GROUP "g"',
      'REVOKE USAGE ON SCHEMA "loan" FROM GROUP "g"',
    ]);
  });
});

describe('security group rules', () => {
  it('knows whether a rule already lets an address reach the port', () => {
    expect(cidrContains('203.0.113.7/32', '203.0.113.7')).toBe(true);
    expect(cidrContains('203.0.113.0/24', '203.0.113.7')).toBe(true);
    expect(cidrContains('203.0.114.0/24', '203.0.113.7')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '203.0.113.7')).toBe(true);
    const rule = { IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, IpRanges: [{ CidrIp: '203.0.113.7/32' }] };
    expect(permits(rule, '203.0.113.7', 5439)).toBe(true);
    expect(permits(rule, '203.0.113.7', 5432)).toBe(false);
    expect(permits({ IpProtocol: '-1', IpRanges: [{ CidrIp: '203.0.113.0/24' }] }, '203.0.113.7', 5439)).toBe(true);
    expect(permits({ IpProtocol: 'udp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }, '203.0.113.7', 5439)).toBe(false);
  });
});

describe('schema selection', () => {
  it('takes exactly one of --schema, --all, --all-schemas', () => {
    expect(selectionFrom({ schema: ['a', 'b', 'a'] })).toEqual({ kind: 'schemas', schemas: ['a', 'b'] });
    expect(selectionFrom({ all: true })).toEqual({ kind: 'all' });
    expect(() => selectionFrom({})).toThrow(UsageError);
    expect(() => selectionFrom({ all: true, schema: ['a'] })).toThrow(/not --schema and --all/);
  });

  it('treats catalog, information and stand-in schemas as system schemas', () => {
    for (const s of ['pg_catalog', 'pg_toast', 'pg_temp_3', 'information_schema', 'rsetl_standin', 'catalog_history']) expect(isSystemSchema(s)).toBe(true);
    for (const s of ['loan', 'public', 'qa0']) expect(isSystemSchema(s)).toBe(false);
  });
});

describe('the personal config file', () => {
  it('is the template with the database, user and password filled in, and it validates', async () => {
    const text = await personalConfigText({ host: 'c.abc.us-east-1.redshift.amazonaws.com', port: 5439, database: 'jdoedb', user: 'jdoe', password: 'Pa${ss}1word', ssl: true, clusterIdentifier: 'nonprod', region: 'us-east-1' });
    const json = JSON.parse(text);
    expect(json.redshift).toMatchObject({
      url: 'jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/jdoedb',
      user: 'jdoe',
      password: 'Pa$${ss}1word',
      busUser: null,
      clusterIdentifier: 'nonprod',
    });
    expect(json.s3.prefix).toBe('jdoe/redshift-transfer');
    const v = validateConfig(stripComments(substituteEnv({ ...json, source: { url: 'postgres://u@h/db' } }, {}).value), ['redshift']);
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.config.redshift.password).toBe('Pa${ss}1word');
  });
});

describe('the admin connection', () => {
  it('reports a cluster that never answers (a security group dropping packets) as unreachable, exit 69', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const e = await login({ host: '127.0.0.1', port, database: 'dev', user: 'awsuser', password: 'x', ssl: false, connectTimeoutMs: 300 }, 'hint').catch((x: unknown) => x);
      expect(exitCodeFor(e)).toBe(69);
      expect((e as Error & { hint?: string }).hint).toMatch(/--authorize-my-ip/);
    } finally {
      silent.close();
    }
  });
});
