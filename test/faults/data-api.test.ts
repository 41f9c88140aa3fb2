// redshift.transport "data-api" from the outside: real `rsetl` processes loading through the local
// Redshift Data API (src/localstack/aws/), which runs each statement on the stand-in asynchronously.
// The same events load to the same rows as over the PostgreSQL protocol; a load of all 20 tables
// (more statements than one BatchExecuteStatement takes) is one transaction; and a poll killed
// right after it submitted the COMMIT, before it read how it ended, leaves nothing loaded twice and
// nothing lost: whether the COMMIT then succeeds, fails on the server, or is still running when the
// next poll starts.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseStream, busRow, expectOracle, expectSameTables, ledgerRows, loadInRedshift, startFaultEnv, waitFor, type Bus, type FaultEnv } from './harness.js';

let env: FaultEnv;
const stream = baseStream(14, 8);
let dataApi: string;
/** The same, every COPY in the load's own transaction (poll.copyConcurrency 1). */
let dataApiOneLane: string;
let database: string;

beforeAll(async () => {
  env = await startFaultEnv({ stream });
  database = decodeURIComponent(new URL(env.t.stack.redshiftUrl).pathname.slice(1));
  const owner = new URL(env.rawConfig().redshift.url).username;
  const aws = env.t.stack.aws;
  dataApi = await env.writeConfig('data-api.json', (c) => {
    c.redshift = {
      transport: 'data-api',
      auth: 'iam',
      clusterIdentifier: env.t.stack.clusterIdentifier,
      dbUser: owner,
      database,
      region: 'us-east-1',
      accessKeyId: aws.credentials.accessKeyId,
      secretAccessKey: aws.credentials.secretAccessKey,
      awsEndpoint: env.t.stack.awsEndpoint,
      iamRole: env.t.stack.iamRole,
    };
  });
  dataApiOneLane = await env.writeConfig('data-api-one-lane.json', (c) => {
    c.redshift = JSON.parse(readFileSync(dataApi, 'utf8')).redshift;
    c.poll.copyConcurrency = 1;
  });
});
afterAll(async () => {
  await env?.stop();
});

async function cliOk(args: string[], config?: string) {
  const r = await env.cli(args, config ? { config } : {});
  expect(r.status, `${args.join(' ')}\n${r.stderr}\n${r.stdout}`).toBe(0);
  return r;
}

/** A bus made with init-etl over the Data API, with the file's stream in its outbox. */
async function dataApiBus(schema: string, rootId: string): Promise<Bus> {
  await cliOk(['init-etl', schema, '--domain', rootId, '--since', '2000-01-01T00:00:00Z'], dataApi);
  const busId = (await env.t.source.query(`select id from rsetl.bus where schema_name = $1`, [schema])).rows[0].id as number;
  const bus = { schema, rootId, busId };
  await env.insert(bus, stream);
  return bus;
}

describe('the same events, either transport', () => {
  it('load to exactly the same rows in every table; the 20-table load is one transaction of more than 40 statements', async () => {
    const overPg = await env.newBus('over_pg');
    const overApi = await dataApiBus('over_api', '1402');
    await cliOk(['poll', '--bus', overPg.schema]);
    const r = await cliOk(['poll', '--bus', overApi.schema, '--json'], dataApi);
    const load = JSON.parse(r.stdout).buses[0].loads.find((l: { outcome: string }) => l.outcome === 'loaded');
    // Every table a load writes (the 20th, instructorsnapshotday, is generated after the commit).
    expect(new Set(Object.keys(load.tables).map((t: string) => t.split('__')[0])).size).toBe(19);
    expect((await env.t.warehouse(`select count(*)::int as n from over_api.instructorsnapshotday`))[0]!.n).toBeGreaterThan(0);
    expect(load.statements).toBeGreaterThan(40);
    expect(await ledgerRows(env, overApi)).toBe(1);
    await expectSameTables(env, overPg.schema, overApi.schema);
    await expectOracle(env, overApi);
    // status, doctor and run-window --dry-run work over it too.
    await cliOk(['status'], dataApi);
    const doctor = await env.cli(['doctor', '--json'], { config: dataApi });
    const check = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === 'redshift');
    expect(check.status, JSON.stringify(check)).toBe('pass');
    expect(check.detail).toMatch(/Data API/);
  });
});

describe('a poll killed after it submitted the COMMIT, before it read the outcome', () => {
  it('the COMMIT succeeds on the server: the next poll fast-forwards, nothing is loaded twice', async () => {
    const bus = await dataApiBus('killed_commit_ok', '1411');
    const killed = await env.cli(['poll', '--bus', bus.schema], { config: dataApi, env: { RSETL_CRASH_AT: 'commit-submitted' } });
    expect(killed.signal).toBe('SIGKILL');
    await env.pump(bus);
    await cliOk(['poll', '--bus', bus.schema], dataApi);
    expect(await ledgerRows(env, bus)).toBe(1);
    await expectOracle(env, bus);
  });

  it('the COMMIT fails on the server: the next poll loads the window once', async () => {
    const bus = await dataApiBus('killed_commit_fail', '1412');
    // The load's COMMIT is the first one only without COPY lanes (a lane commits before it).
    env.t.stack.aws.dataApi.failNext({ match: /^\s*COMMIT/i, message: 'ERROR: 1023 DETAIL: Serializable isolation violation on table (injected)' });
    const killed = await env.cli(['poll', '--bus', bus.schema], { config: dataApiOneLane, env: { RSETL_CRASH_AT: 'commit-submitted' } });
    expect(killed.signal).toBe('SIGKILL');
    expect(await ledgerRows(env, bus)).toBe(0);
    await env.pump(bus);
    await cliOk(['poll', '--bus', bus.schema], dataApi);
    expect(await ledgerRows(env, bus)).toBe(1);
    await expectOracle(env, bus);
  });

  it('the COMMIT is still running when the next poll starts: that poll waits for it, then fast-forwards', async () => {
    const bus = await dataApiBus('killed_commit_slow', '1413');
    env.t.stack.aws.dataApi.setLatency({ match: /^\s*COMMIT/i, ms: 3000 });
    try {
      const killed = await env.cli(['poll', '--bus', bus.schema], { config: dataApi, env: { RSETL_CRASH_AT: 'commit-submitted' } });
      expect(killed.signal).toBe('SIGKILL');
      await env.pump(bus);
      const next = await cliOk(['poll', '--bus', bus.schema, '--json'], dataApi);
      expect(JSON.parse(next.stdout).buses[0].loads[0].outcome).toBe('already-loaded');
    } finally {
      env.t.stack.aws.dataApi.setLatency(undefined);
    }
    expect(await ledgerRows(env, bus)).toBe(1);
    expect((await busRow(env, bus)).failure_count).toBe(0);
    await expectOracle(env, bus);
  });
});

describe('a row Redshift rejects, over the Data API', () => {
  it('is diagnosed down to table, column, line and event; unblock shows it and skips it', async () => {
    const bus = await dataApiBus('api_rejected', '1421');
    // A DBA narrowed a column behind rsetl's back: COPY now rejects the long URLs.
    await env.t.warehouse(`alter table api_rejected.pagenavevent alter column url type varchar(12)`);
    const r = await env.cli(['poll', '--bus', bus.schema, '--json'], { config: dataApi });
    expect(r.status, r.stderr).toBe(1);
    const error = JSON.parse(r.stdout).buses[0].error;
    expect(error.failureClass).toBe('data');
    expect(error.context.copyError).toMatchObject({ table: 'pagenavevent', column: 'url' });
    expect(error.context.event?.id).toBeTruthy();
    const shown = await env.cli(['unblock', '--bus', bus.schema], { config: dataApi });
    expect(shown.stdout + shown.stderr).toMatch(/rejected row: table pagenavevent, column url/);
    expect(shown.stdout + shown.stderr).toContain(`offending event: id ${error.context.event.id}`);
    expect(await ledgerRows(env, bus)).toBe(0);
    // Give the column back, retry: the bus loads and stops failing (so later polls of the file exit 0).
    await env.t.warehouse(`alter table api_rejected.pagenavevent alter column url type varchar(1024)`);
    await cliOk(['unblock', '--bus', bus.schema, '--retry'], dataApi);
    await expectOracle(env, bus);
  });
});

describe('SIGTERM during a long COPY over the Data API', () => {
  it('cancels the running statement (nothing committed), rolls back, exits 143; the next poll loads once', async () => {
    const bus = await dataApiBus('api_sigterm', '1431');
    const api = env.t.stack.aws.dataApi;
    api.setLatency({ match: /^\s*COPY/i, ms: 20_000 });
    try {
      const { child, done } = env.spawn(['poll', '--bus', bus.schema], { config: dataApi });
      await waitFor('a COPY running on the Data API', async () => api.activeStatements() > 0 && (await loadInRedshift(env, bus)), 30_000, 50);
      const t0 = Date.now();
      child.kill('SIGTERM');
      const r = await done;
      expect(r.status, r.stderr).toBe(143);
      // Cancelled, not waited out: the COPY had 20 s to go.
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(r.stdout + r.stderr).toMatch(/cancelled on Redshift and rolled back/);
    } finally {
      api.setLatency(undefined);
    }
    await waitFor('the load to leave Redshift', async () => !(await loadInRedshift(env, bus)), 30_000, 50);
    expect(await ledgerRows(env, bus)).toBe(0);
    expect((await busRow(env, bus)).failure_count).toBe(0);
    await cliOk(['poll', '--bus', bus.schema], dataApi);
    await expectOracle(env, bus);
  });
});

describe('throttling', () => {
  it('ActiveStatementsExceededException is waited out: two polls at once, one statement allowed at a time, both load', async () => {
    const a = await dataApiBus('api_throttle_a', '1441');
    const b = await dataApiBus('api_throttle_b', '1442');
    const api = env.t.stack.aws.dataApi;
    api.setMaxActiveStatements(1);
    try {
      const [ra, rb] = await Promise.all([env.cli(['poll', '--bus', a.schema], { config: dataApi }), env.cli(['poll', '--bus', b.schema], { config: dataApi })]);
      expect(ra.status, ra.stderr).toBe(0);
      expect(rb.status, rb.stderr).toBe(0);
    } finally {
      api.setMaxActiveStatements(200);
    }
    await expectOracle(env, a);
    await expectOracle(env, b);
  });
});
