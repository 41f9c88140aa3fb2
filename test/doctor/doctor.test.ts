// `rsetl doctor` against the local stack (issue 7): every check passes on a working setup, and
// each broken part fails at its own check with its fix named, leaving nothing behind.
import { randomSuffix } from '../support/random-suffix.js';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initEtl } from '../../src/admin/init-etl.js';
import { runDoctor, type CheckResult, type DoctorReport } from '../../src/doctor/run-doctor.js';
import { startFaultProxy, targetOf } from '../support/fault-proxy.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { bucketKeys, configVariant, warehouseRelations } from './support.js';

let t: TestStack;
let relationsBefore: string[];
const SCHEMA = 'doctor_bus';
const role = `doctor_ro_${randomSuffix()}`;

const statuses = (r: DoctorReport) => Object.fromEntries(r.checks.map((c) => [c.name, c.status]));
const check = (r: DoctorReport, name: CheckResult['name']) => r.checks.find((c) => c.name === name)!;

/** Nothing of a doctor run stays: no object in the bucket, no table (temp or not) in Redshift. */
async function expectNothingLeft(): Promise<void> {
  expect(await bucketKeys(t)).toEqual([]);
  // A closed session's temp tables go when its backend exits, a moment after the client left.
  await vi.waitFor(async () => expect(await warehouseRelations(t)).toEqual(relationsBefore), { timeout: 5000 });
}

beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.warehouse(`drop owned by ${role}`).catch(() => undefined);
  await t?.warehouse(`drop role if exists ${role}`).catch(() => undefined);
  await t?.stop();
});

describe('rsetl doctor on a fresh local stack', () => {
  it('passes without creating the control schema, and says the first init-etl will', async () => {
    const report = await runDoctor({ path: t.stack.configPath });
    expect(statuses(report)).toEqual({ config: 'pass', source: 'pass', s3: 'pass', redshift: 'pass', 'round-trip': 'pass', buses: 'pass' });
    expect(check(report, 'source').detail).toMatch(/control schema rsetl not created yet/);
    expect(check(report, 'source').detail).toMatch(/no events in the outbox yet/);
    expect(check(report, 'buses').detail).toMatch(/no buses yet/);
    const control = await t.source.query(`select 1 from pg_namespace where nspname = 'rsetl'`);
    expect(control.rowCount).toBe(0);
  });
});

describe('rsetl doctor with a bus', () => {
  beforeAll(async () => {
    await initEtl(t.conn, t.config, { schema: SCHEMA, rootId: '1', since: '2000-01-01 00:00:00' });
    await t.source.query(
      `insert into analyticfinder (id, datajson, guid, time, root_id)
       values (1, '{"_type": "PageNavEvent"}', 'g-1', (now() at time zone 'UTC') - interval '5 minutes', 1)`,
    );
    relationsBefore = await warehouseRelations(t);
  });

  it('passes every check, in order, each timed, and reports the connection details', async () => {
    const seen: string[] = [];
    const report = await runDoctor({ path: t.stack.configPath, onCheck: (r) => seen.push(r.name) });
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['config', 'pass'],
      ['source', 'pass'],
      ['s3', 'pass'],
      ['redshift', 'pass'],
      ['round-trip', 'pass'],
      ['buses', 'pass'],
    ]);
    expect(report.ok).toBe(true);
    expect(seen).toEqual(report.checks.map((c) => c.name));
    for (const c of report.checks) expect(c.ms).toBeGreaterThanOrEqual(0);

    expect(check(report, 'source').detail).toMatch(/analyticfinder readable; control schema rsetl ready; newest event (5 min|\d+ s) old/);
    expect(check(report, 's3').data).toMatchObject({ credentials: { origin: 'config', provider: expect.stringMatching(/static keys in the configuration/) } });
    expect(check(report, 'redshift').detail).toMatch(/static credentials/);
    expect(check(report, 'redshift').detail).toContain(`1 bus schema (${SCHEMA})`);
    expect(check(report, 'redshift').data).toMatchObject({ credentials: 'static', version: expect.stringMatching(/PostgreSQL|Redshift/) });
    expect(check(report, 'round-trip').detail).toContain(t.stack.iamRole);
    expect(check(report, 'buses').detail).toMatch(/1 bus: \d+ doctor_bus Active \(1 pending/);

    const redshift = new URL(t.stack.redshiftUrl);
    expect(report.connection).toEqual({
      host: redshift.hostname,
      port: Number(redshift.port),
      database: redshift.pathname.slice(1),
      user: decodeURIComponent(redshift.username),
      sslMode: 'disable',
      jdbcUrl: `jdbc:redshift://${redshift.hostname}:${redshift.port}${redshift.pathname}`,
      psql: expect.stringContaining(`sslmode=disable`),
    });
    expect(JSON.stringify(report.connection)).not.toContain(redshift.password);
    await expectNothingLeft();
  });

  it('fails at the S3 check with a bucket that does not exist, naming s3.bucket, and skips the round trip', async () => {
    const path = await configVariant(t, (c) => (c.s3!.bucket = 'rsetl-no-such-bucket'));
    const report = await runDoctor({ path });
    expect(statuses(report)).toEqual({ config: 'pass', source: 'pass', s3: 'fail', redshift: 'pass', 'round-trip': 'skip', buses: 'pass' });
    const s3 = check(report, 's3');
    expect(s3.detail).toMatch(/PutObject s3:\/\/rsetl-no-such-bucket\/redshift-transfer\/doctor\/[0-9a-f]+\/probe\.txt failed: NoSuchBucket/);
    expect(s3.cause).toMatch(/bucket rsetl-no-such-bucket does not exist/);
    expect(s3.fix).toMatch(/^s3\.bucket:/);
    expect(check(report, 'round-trip').detail).toBe('skipped: S3 does not work (check 3)');
    expect(report.ok).toBe(false);
    await expectNothingLeft();
  });

  it('fails in the round trip, not earlier, with an IAM role the cluster does not accept, naming redshift.iamRole', async () => {
    const wrongRole = 'arn:aws:iam::000000000000:role/not-associated';
    const path = await configVariant(t, (c) => (c.redshift!.iamRole = wrongRole));
    const report = await runDoctor({ path });
    expect(statuses(report)).toEqual({ config: 'pass', source: 'pass', s3: 'pass', redshift: 'pass', 'round-trip': 'fail', buses: 'pass' });
    const rt = check(report, 'round-trip');
    expect(rt.detail).toContain(`with IAM role ${wrongRole} failed`);
    expect(rt.detail).toMatch(/Not authorized to get credentials of role/);
    expect(rt.cause).toMatch(/could not use the IAM role .*not-associated/);
    expect(rt.fix).toMatch(/^redshift\.iamRole: .*s3:GetObject/);
    await expectNothingLeft();
  });

  it('fails at the Redshift check when the ETL user lacks INSERT on a bus schema, naming the schema and the grant', async () => {
    await t.warehouse(`create role ${role} login password 'doctor-Secret-9'`);
    await t.warehouse(`grant usage on schema ${SCHEMA} to ${role}`);
    await t.warehouse(`grant select on all tables in schema ${SCHEMA} to ${role}`);
    const path = await configVariant(t, (c) => (c.redshift!.busUser = { user: role, password: 'doctor-Secret-9' }));
    const report = await runDoctor({ path });
    expect(statuses(report)).toEqual({ config: 'pass', source: 'pass', s3: 'pass', redshift: 'fail', 'round-trip': 'pass', buses: 'pass' });
    const rs = check(report, 'redshift');
    expect(rs.detail).toContain(`as ${role} (redshift.busUser`);
    expect(rs.detail).toContain(`schema ${SCHEMA}: ${role} lacks CREATE on the schema; ${role} lacks INSERT, UPDATE, DELETE on all 21 tables`);
    expect(rs.fix).toContain(`GRANT CREATE ON SCHEMA "${SCHEMA}" TO "${role}"`);
    expect(rs.fix).toContain(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${SCHEMA}" TO "${role}"`);
    expect(rs.fix).toContain(`rsetl init-etl ${SCHEMA} --domain 1`);
    expect(JSON.stringify(report)).not.toContain('doctor-Secret-9');
    expect(report.connection?.etlUser).toBe(role);
    await expectNothingLeft();
  });

  it("fails at the Redshift check when a bus schema lacks one of rsetl's migrations, naming the upgrade", async () => {
    const [saved] = await t.warehouse(`select name, checksum, applied_at::text as at from ${SCHEMA}.rsetl_migration`);
    await t.warehouse(`delete from ${SCHEMA}.rsetl_migration`);
    try {
      const report = await runDoctor({ path: t.stack.configPath });
      expect(statuses(report)).toMatchObject({ redshift: 'fail', buses: 'pass' });
      const rs = check(report, 'redshift');
      expect(rs.detail).toContain(`schema ${SCHEMA}: lacks rsetl migration rsetl/001_baseline.sql`);
      expect(rs.fix).toContain(`rsetl upgrade-schema --schema ${SCHEMA} (as the schema owner)`);
    } finally {
      await t.warehouse(`insert into ${SCHEMA}.rsetl_migration (name, checksum, applied_at) values ($1, $2, $3)`, [saved!.name, saved!.checksum, saved!.at]);
    }
    await expectNothingLeft();
  });

  it('fails at the Redshift check, instead of hanging, when Redshift stops answering', async () => {
    const proxy = await startFaultProxy({ target: targetOf(t.stack.redshiftUrl) });
    try {
      proxy.onClientData(/has_schema_privilege/, 'blackhole', { deliver: true });
      const path = await configVariant(t, (c) => {
        c.redshift!.url = proxy.url(String(c.redshift!.url));
        c.redshift!.statementTimeoutSeconds = 2;
      });
      const started = Date.now();
      const report = await runDoctor({ path });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(proxy.stats.triggered).toBe(1);
      // The dropped session leaves the round trip nothing to run on: skipped, not a second failure.
      expect(statuses(report)).toMatchObject({ redshift: 'fail', 'round-trip': 'skip' });
      const rs = check(report, 'redshift');
      expect(rs.detail).toMatch(/connection was lost mid-check: Redshift: Query read timeout/);
      expect(rs.fix).toMatch(/statementTimeoutSeconds/);
    } finally {
      await proxy.close();
    }
  });

  it('fails at the Redshift check with a wrong bus user password, naming the key', async () => {
    const path = await configVariant(t, (c) => (c.redshift!.busUser = { user: role, password: 'not-the-password' }));
    const report = await runDoctor({ path });
    expect(statuses(report)).toMatchObject({ redshift: 'fail', 'round-trip': 'skip' });
    expect(check(report, 'redshift').fix).toMatch(/redshift\.busUser\.user \/ redshift\.busUser\.password/);
    expect(check(report, 'round-trip').detail).toBe('skipped: Redshift is not connected (check 4)');
  });

  it('fails at the source check with a wrong outbox table, naming source.table', async () => {
    const path = await configVariant(t, (c) => (c.source!.table = 'no_such_outbox'));
    const report = await runDoctor({ path });
    // The Redshift check still gets the bus list: the control schema is read before the outbox.
    expect(statuses(report)).toEqual({ config: 'pass', source: 'fail', s3: 'pass', redshift: 'pass', 'round-trip': 'pass', buses: 'skip' });
    expect(check(report, 'redshift').detail).toContain(`1 bus schema (${SCHEMA})`);
    expect(check(report, 'source').detail).toBe('outbox table no_such_outbox not found');
    expect(check(report, 'source').fix).toMatch(/^source\.table:/);
  });

  it('reports a broken configuration at check 1 and skips the rest', async () => {
    const path = await configVariant(t, (c) => {
      delete c.redshift!.iamRole;
      c.s3!.bukket = 'typo';
    });
    const report = await runDoctor({ path });
    expect(statuses(report)).toEqual({ config: 'fail', source: 'skip', s3: 'skip', redshift: 'skip', 'round-trip': 'skip', buses: 'skip' });
    const config = check(report, 'config');
    expect(config.detail).toContain('redshift.iamRole: required when redshift.url is set');
    expect(config.detail).toContain('s3.bukket: unknown key (did you mean "bucket"?)');
    expect(config.fix).toMatch(/fix .*variant-/);
    expect(report.checks.slice(1).every((c) => c.detail === 'skipped: the configuration did not load (check 1)' && c.ms === 0)).toBe(true);
    expect(report.connection).toBeNull();
    expect(report.ok).toBe(false);
  });

  it('reports a config file that is not JSON at check 1, with the line, and skips the rest', async () => {
    const path = await configVariant(t, () => undefined);
    await writeFile(path, '{\n  "source": { "url": "postgres://x" },\n}\n');
    const report = await runDoctor({ path });
    expect(statuses(report)).toEqual({ config: 'fail', source: 'skip', s3: 'skip', redshift: 'skip', 'round-trip': 'skip', buses: 'skip' });
    expect(check(report, 'config').detail).toBe(`${path}: not valid JSON at line 3, column 1`);
    expect(check(report, 'config').fix).toMatch(/no trailing commas/);
  });
});
