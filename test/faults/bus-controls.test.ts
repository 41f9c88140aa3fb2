// `rsetl bus set` and `rsetl bus delete` as an operator uses them: changes that need a decision
// ask for one (--yes in scripts, refused without it), say what they will do first, and leave an
// audit row; what a watermark move means for the events is what the next poll then does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPgTimestamp } from '../../src/source/timestamps.js';
import { baseStream, busRow, expectOracle, startFaultEnv, type FaultEnv } from './harness.js';

let env: FaultEnv;
const stream = baseStream(21, 4);

beforeAll(async () => {
  env = await startFaultEnv({ stream });
});
afterAll(async () => {
  await env?.stop();
});

const audit = async (busId: number) =>
  (await env.t.source.query(`select action, by, reason, details from rsetl.audit where bus_id = $1 order by id`, [busId])).rows;
const pagenav = async (schema: string) => (await env.t.warehouse(`select count(*)::int as n from "${schema}".pagenavevent`))[0]!.n as number;

describe('bus set', () => {
  it('changes events per window and the poll interval, audited; the next load uses them', async () => {
    const bus = await env.newBus('set_numbers');
    const r = await env.cli(['bus', 'set', bus.schema, '--max-events', '50', '--interval', '60', '--json', '--who', 'ops']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ maxEvents: 50, intervalSeconds: 60 });
    const row = await busRow(env, bus);
    expect([row.max_events, row.interval_seconds]).toEqual([50, 60]);
    expect(await audit(bus.busId)).toEqual([
      expect.objectContaining({ action: 'settings', by: 'ops', details: { maxEvents: { from: 5000, to: 50 }, intervalSeconds: { from: null, to: 60 } } }),
    ]);
    // run-window takes one window of the bus's own size; the next run is an interval away.
    const w = await env.cli(['run-window', '--bus', bus.schema, '--json']);
    expect(w.status, w.stderr).toBe(0);
    expect(JSON.parse(w.stdout).buses[0].loads[0].events).toBe(50);
    const next = (await busRow(env, bus)).scheduled as Date;
    expect(next.getTime() - Date.now()).toBeGreaterThan(50_000);
    expect(next.getTime() - Date.now()).toBeLessThan(70_000);
  });

  it('moving the watermark needs --reason and a decision: refused without --yes and no terminal, nothing changed', async () => {
    const bus = await env.newBus('set_refused');
    const before = await busRow(env, bus);
    const noReason = await env.cli(['bus', 'set', bus.schema, '--watermark', '2026-01-01T00:00:00Z', '--yes']);
    expect(noReason.status).toBe(64);
    expect(noReason.stderr).toContain('--reason');
    const noYes = await env.cli(['bus', 'set', bus.schema, '--watermark', '2001-01-01T00:00:00Z', '--reason', 'test']);
    expect(noYes.status).toBe(64);
    expect(noYes.stderr).toMatch(/--yes/);
    expect((await busRow(env, bus)).window_time).toEqual(before.window_time);
    expect(await audit(bus.busId)).toEqual([]);
  });

  it('forward: says how many events will never load; the next poll loads only what comes after', async () => {
    const bus = await env.newBus('set_forward');
    const times = stream.map((e) => e.time.getTime()).sort((a, b) => a - b);
    const cut = times[Math.floor(times.length / 2)]!;
    const to = new Date(cut).toISOString();
    const skipped = times.filter((t) => t < cut).length;
    const r = await env.cli(['bus', 'set', bus.schema, '--watermark', to, '--reason', 'start mid-stream', '--yes']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${skipped} event(s) in between will never be loaded`);
    expect((await busRow(env, bus)).window_time.getTime()).toBe(cut);
    expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
    const loaded = (await env.t.source.query(`select count(*)::int as n from rsetl.run where bus_id = $1 and outcome = 'loaded'`, [bus.busId])).rows[0].n;
    expect(loaded).toBeGreaterThan(0);
    const [entry] = await audit(bus.busId);
    expect(entry).toMatchObject({ action: 'watermark', reason: 'start mid-stream', details: { to: formatPgTimestamp(cut * 1000) } });
  });

  it('backward: warns which append-only tables get a second copy, and the next poll does exactly that', async () => {
    const bus = await env.newBus('set_back');
    expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
    await expectOracle(env, bus);
    const once = await pagenav(bus.schema);
    // One second after the bus's first load started: not a start the ledger knows.
    const r = await env.cli(['bus', 'set', bus.schema, '--watermark', '2000-01-01 00:00:01', '--reason', 'reload', '--yes']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/will load again/);
    expect(r.stderr).toMatch(/pagenavevent/);
    expect(r.stderr).toMatch(/no time zone: read as UTC/);
    expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
    expect(await pagenav(bus.schema)).toBe(2 * once);
  });

  it('backward to exactly where a committed load started: says the ledger skips it, and nothing loads twice', async () => {
    const bus = await env.newBus('set_back_ledger');
    expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
    const once = await pagenav(bus.schema);
    const r = await env.cli(['bus', 'set', bus.schema, '--watermark', '2000-01-01T00:00:00Z', '--reason', 'reload', '--yes']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/the ledger shows load \S+ committed from exactly there/);
    expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
    expect(await pagenav(bus.schema)).toBe(once);
    await expectOracle(env, bus);
  });
});

describe('bus delete', () => {
  it('refused without a decision; with --yes removes the bus, its runs and dead letters, and keeps an audit row', async () => {
    const bus = await env.newBus('del_plain');
    expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
    await env.t.source.query(
      `insert into rsetl.dead_letter (bus_id, event_id, guid, event_time, datajson, skipped_by, reason)
       select $1, id, guid, time, datajson, 'test', 'set aside' from analyticfinder where root_id = $2 limit 2`,
      [bus.busId, bus.rootId],
    );
    const refused = await env.cli(['bus', 'delete', bus.schema]);
    expect(refused.status).toBe(64);
    expect(refused.stderr).toMatch(/2 dead-lettered event\(s\)/);
    expect(await busRow(env, bus)).toBeDefined();

    const r = await env.cli(['bus', 'delete', bus.schema, '--yes', '--reason', 'retired', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ schemaDropped: false, deadLettersDeleted: 2 });
    expect(await busRow(env, bus)).toBeUndefined();
    expect((await env.t.source.query(`select count(*)::int as n from rsetl.run where bus_id = $1`, [bus.busId])).rows[0].n).toBe(0);
    expect(await audit(bus.busId)).toEqual([expect.objectContaining({ action: 'delete', reason: 'retired' })]);
    // The schema and its data stay: only the bus is gone.
    expect(await pagenav(bus.schema)).toBeGreaterThan(0);
  });

  it('--drop-schema drops the Redshift schema, but never one another bus still loads into', async () => {
    const a = await env.newBus('del_shared', []);
    const other = await env.cli(['init-etl', 'del_shared', '--domain', '999']);
    expect(other.status, other.stderr).toBe(0);
    const refused = await env.cli(['bus', 'delete', String(a.busId), '--drop-schema', '--yes']);
    expect(refused.status).toBe(64);
    expect(refused.stderr).toMatch(/also loaded by bus/);
    expect(await busRow(env, a)).toBeDefined();

    const solo = await env.newBus('del_drop', []);
    const r = await env.cli(['bus', 'delete', solo.schema, '--drop-schema', '--yes']);
    expect(r.status, r.stderr).toBe(0);
    expect((await env.t.warehouse(`select count(*)::int as n from pg_namespace where nspname = 'del_drop'`))[0]!.n).toBe(0);
  });
});
