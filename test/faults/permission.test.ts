// Scenario 20 (docs/faults.md#scenario-20): the bus user loses a privilege it needs (INSERT on a target
// table). Nothing of the load stays, the bus records an environment failure that names the right
// that is missing, and once the grant is back the retry loads every event once.
import { randomBytes } from 'node:crypto';
import { randomSuffix } from '../support/random-suffix.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseStream, busRow, expectNoSecrets, expectNothingLoaded, expectOracle, startFaultEnv, type Bus, type FaultEnv } from './harness.js';

let env: FaultEnv;
let backing: pg.Client;
let config: string;
const busUser = `rsetl_bus_${randomSuffix()}`;
const busPassword = `Bus-${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  env = await startFaultEnv();
  backing = new pg.Client({ connectionString: env.backingUrl });
  await backing.connect();
  // An ordinary role, as on a real cluster: the superuser of the harness would bypass every grant.
  await backing.query(`create role "${busUser}" login password '${busPassword}'`);
  env.secrets.push(busPassword);
  config = await env.writeConfig('bus-user.json', (c) => (c.redshift.busUser = { user: busUser, password: busPassword }));
});
afterAll(async () => {
  if (backing) {
    await backing.query(`drop owned by "${busUser}" cascade`).catch(() => undefined);
    await backing.query(`drop role if exists "${busUser}"`).catch(() => undefined);
    await backing.end();
  }
  await env?.stop();
});

describe('scenario 20: a privilege of the bus user is revoked', () => {
  it('fails the load with nothing applied and the missing right named; loads once after the grant is restored', async () => {
    const init = await env.cli(['init-etl', 'revoked', '--domain', '777', '--since', '2000-01-01 00:00:00'], { config });
    expect(init.status, init.stderr + init.stdout).toBe(0);
    const busId = (await env.t.source.query(`select id from rsetl.bus where schema_name = 'revoked'`)).rows[0].id as number;
    const bus: Bus = { schema: 'revoked', rootId: '777', busId };
    await env.insert(bus, baseStream(20));

    await backing.query(`revoke insert on revoked.pagenavevent from "${busUser}"`);
    const r = await env.cli(['poll', '--bus', 'revoked', '--json'], { config });
    expect(r.status, r.stderr + r.stdout).toBe(1);
    await expectNothingLoaded(env, bus);
    const b = await busRow(env, bus);
    expect(b.failure_count).toBe(1);
    expect(b.last_error).toMatchObject({ kind: 'warehouse', failureClass: 'environment' });
    expect(b.last_error.message).toMatch(/permission denied for table pagenavevent/);
    expect(b.last_error.hint).toMatch(/grant/i);

    await backing.query(`grant insert on revoked.pagenavevent to "${busUser}"`);
    await env.pump(bus);
    const again = await env.cli(['poll', '--bus', 'revoked'], { config });
    expect(again.status, again.stderr + again.stdout).toBe(0);
    await expectOracle(env, bus);
    expectNoSecrets(env);
  });
});
