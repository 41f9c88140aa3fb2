// Scenario 19 (docs/faults.md#scenario-19): a bus schema whose rsetl migrations are not all applied — its
// `upgrade-schema` failed, or was never run after rsetl was upgraded. Its bus must not load (COPY
// … JSON 'auto' would silently drop a key whose column the schema lacks): it fails with the fix
// named, other buses go on, and after `rsetl upgrade-schema` the retry loads every event once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINE_MIGRATION, loadBuiltinMigrations } from '../../src/warehouse/migrations.js';
import { busRow, expectNoSecrets, expectOracle, ledgerRows, startFaultEnv, type FaultEnv } from './harness.js';

let env: FaultEnv;

beforeAll(async () => {
  env = await startFaultEnv();
});
afterAll(async () => {
  await env?.stop();
});

describe('scenario 19: a bus schema behind on rsetl migrations', () => {
  it('is refused with the migration and the command named; another bus loads; upgrade-schema unblocks it', async () => {
    expect((await loadBuiltinMigrations()).map((m) => m.name)).toContain(BASELINE_MIGRATION);
    const behind = await env.newBus('behind');
    const current = await env.newBus('current');
    // As if this rsetl brought a migration the schema never got.
    await env.t.warehouse(`delete from behind.rsetl_migration where name = $1`, [BASELINE_MIGRATION]);

    const r = await env.cli(['poll', '--json']);
    expect(r.status, r.stderr + r.stdout).toBe(1);
    const byStatus = Object.fromEntries(JSON.parse(r.stdout).buses.map((b: { schema: string; status: string }) => [b.schema, b.status]));
    expect(byStatus).toEqual({ behind: 'failed', current: 'caught-up' });
    await expectOracle(env, current);

    expect(await ledgerRows(env, behind)).toBe(0);
    const b = await busRow(env, behind);
    expect(b.last_error).toMatchObject({ kind: 'warehouse', failureClass: 'environment' });
    expect(b.last_error.message).toContain(`schema behind lacks rsetl migration(s) ${BASELINE_MIGRATION}`);
    expect(b.last_error.hint).toContain('rsetl upgrade-schema --schema behind');

    const up = await env.cli(['upgrade-schema', '--schema', 'behind']);
    expect(up.status, up.stderr + up.stdout).toBe(0);
    await env.pump(behind);
    const again = await env.cli(['poll', '--bus', 'behind']);
    expect(again.status, again.stderr + again.stdout).toBe(0);
    await expectOracle(env, behind);
    expectNoSecrets(env);
  });
});
