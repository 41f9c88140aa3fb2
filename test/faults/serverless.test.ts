// rsetl against a Redshift Serverless workgroup, as the stand-in's Serverless flavour plays it:
// no STL_ views (stl_load_errors is a missing relation), the SYS_ views answer, and SNAPSHOT
// isolation. A plain load is unchanged; a row COPY rejects is diagnosed through
// sys_load_error_detail, found by this session and the load's own S3 prefix, down to the event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseStream, expectOracle, ledgerRows, startFaultEnv, type FaultEnv } from './harness.js';

let env: FaultEnv;
const stream = baseStream(15, 6);

beforeAll(async () => {
  env = await startFaultEnv({ stream, redshift: { flavour: 'serverless', isolation: 'snapshot' } });
});
afterAll(async () => {
  await env?.stop();
});

describe('on a Serverless workgroup (no STL_ views)', () => {
  it('the stand-in really has no stl_load_errors: the diagnosis cannot take the STL path', async () => {
    const c = await env.t.conn.warehouse();
    try {
      await expect(c.query('select count(*) from stl_load_errors')).rejects.toThrow(/stl_load_errors.*does not exist/);
    } finally {
      await c.close();
    }
  });

  it('loads a bus exactly as on a provisioned cluster', async () => {
    const bus = await env.newBus('sls_plain');
    const r = await env.cli(['poll', '--bus', bus.schema]);
    expect(r.status, r.stderr).toBe(0);
    expect(await ledgerRows(env, bus)).toBeGreaterThan(0);
    await expectOracle(env, bus);
  });

  it('a rejected row is diagnosed through sys_load_error_detail down to table, column, line and event', async () => {
    const bus = await env.newBus('sls_rejected');
    // A DBA narrowed a column behind rsetl's back: COPY now rejects the long URLs.
    await env.t.warehouse(`alter table sls_rejected.pagenavevent alter column url type varchar(12)`);
    const r = await env.cli(['poll', '--bus', bus.schema, '--json']);
    expect(r.status, r.stderr).toBe(1);
    const error = JSON.parse(r.stdout).buses[0].error;
    expect(error.failureClass).toBe('data');
    expect(error.context.copyError).toMatchObject({ table: 'pagenavevent', column: 'url', line: expect.any(Number) });
    expect(error.context.copyError.file).toMatch(/^s3:\/\/.+\/sls_rejected\/.+pagenavevent/);
    // SYS_LOAD_ERROR_DETAIL has no raw line; STL's absence is not reported as a problem when SYS answers.
    expect(error.context.copyError.rawLine).toBeUndefined();
    expect(error.context.diagnosisProblems).toBeUndefined();
    expect(error.context.event?.id).toBeTruthy();
    const shown = await env.cli(['unblock', '--bus', bus.schema]);
    expect(shown.stdout + shown.stderr).toContain(`offending event: id ${error.context.event.id}`);
    expect(await ledgerRows(env, bus)).toBe(0);
    await env.t.warehouse(`alter table sls_rejected.pagenavevent alter column url type varchar(1024)`);
    const retried = await env.cli(['unblock', '--bus', bus.schema, '--retry']);
    expect(retried.status, retried.stderr).toBe(0);
    await expectOracle(env, bus);
  });
});
