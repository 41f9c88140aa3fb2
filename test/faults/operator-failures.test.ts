// Failures told the way an operator on call needs them: a data error blocks its bus and names the
// command that unblocks it instead of retrying forever; a source lost mid-poll is "unreachable"
// (69), not "a bug in rsetl", and the bus still records it; `status` counts only what the bus will
// load as pending; a skip touches only a failing bus; `poll --loop --bus X` waits for X alone.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoEvent } from '../../src/demo/generator.js';
import { baseStream, busRow, expectOracle, ledgerLocked, pageView, randomUuid, startFaultEnv, typeOf, waitFor, type FaultEnv } from './harness.js';

let env: FaultEnv;
const stream = baseStream(12, 4);
const template = stream.find((e) => typeOf(e) === 'PageNavEvent')!;

beforeAll(async () => {
  env = await startFaultEnv({ stream });
});
afterAll(async () => {
  await env?.stop();
});

function garbage(time: Date): DemoEvent {
  return { guid: randomUuid(), time, rootId: '0', datajson: ['not', 'an', 'event'] };
}

describe('a data error blocks its bus', () => {
  it('says BLOCKED and `rsetl unblock --bus X`, is not retried on a schedule, and --retry after the fix continues', async () => {
    const bus = await env.newBus('data_block');
    await env.insert(bus, [garbage(new Date(Date.now() - 60_000))]);
    const r = await env.cli(['poll', '--bus', bus.schema]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/BLOCKED .*data error/);
    expect(r.stderr).toContain(`rsetl unblock --bus ${bus.schema}`);
    expect(r.stderr).not.toMatch(/retry in \d+s/);
    expect((await busRow(env, bus)).blocked).toBe(true);

    // However long one waits, a blocked bus is not due: polls leave it alone.
    await env.t.source.query(`update rsetl.bus set scheduled = now() - interval '1 day' where id = $1`, [bus.busId]);
    const again = await env.cli(['poll', '--json']);
    expect(JSON.parse(again.stdout).buses.map((b: { busId: number }) => b.busId)).not.toContain(bus.busId);
    expect(again.status).toBe(1); // still failing: cron keeps alerting
    expect((await busRow(env, bus)).failure_count).toBe(1);

    const status = await env.cli(['status']);
    expect(status.stdout + status.stderr).toContain(`blocked by a data error: rsetl unblock --bus ${bus.schema}`);
    expect(status.stdout + status.stderr).not.toMatch(/see `rsetl status`/);

    // The operator decides: skip the offending event; the bus continues and loads the rest.
    const skip = await env.cli(['unblock', '--bus', bus.schema, '--skip', '--reason', 'garbage row']);
    expect(skip.status, skip.stderr).toBe(0);
    expect((await busRow(env, bus)).blocked).toBe(false);
    expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
    await expectOracle(env, bus);
    const audit = await env.t.source.query(`select action, by, reason from rsetl.audit where bus_id = $1`, [bus.busId]);
    expect(audit.rows).toEqual([expect.objectContaining({ action: 'skip', reason: 'garbage row' })]);
  });
});

describe('a skip acts only on a failing bus', () => {
  it('unblock --skip --window on a healthy bus is refused (64) and dead-letters nothing; --force does it', async () => {
    const bus = await env.newBus('healthy_skip');
    const r = await env.cli(['unblock', '--bus', bus.schema, '--skip', '--window', '--reason', 'oops']);
    expect(r.status, r.stderr).toBe(64);
    expect(r.stderr).toMatch(/is not failing/);
    expect((await env.t.source.query(`select count(*)::int as n from rsetl.dead_letter where bus_id = $1`, [bus.busId])).rows[0].n).toBe(0);
    const forced = await env.cli(['unblock', '--bus', bus.schema, '--skip', '--window', '--reason', 'really', '--force', '--json']);
    expect(forced.status, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout).skipped.length).toBeGreaterThan(0);
  });
});

describe('status counts what the bus will load', () => {
  it('dead-lettered events are not pending; they and future-dated events are shown on their own', async () => {
    const bus = await env.newBus('status_counts', []);
    const past = Array.from({ length: 5 }, (_, i) => pageView(template, new Date(Date.now() - 600_000 + i * 1000)));
    const future = [pageView(template, new Date(Date.now() + 30 * 86_400_000))];
    await env.insert(bus, [...past, ...future]);
    const ids = (await env.t.source.query(`select id::text as id from analyticfinder where root_id = $1 order by time, id`, [bus.rootId])).rows.map((x) => x.id);
    await env.t.source.query(
      `insert into rsetl.dead_letter (bus_id, event_id, guid, event_time, datajson, skipped_by, reason)
       select $1, id, guid, time, datajson, 'test', 'set aside' from analyticfinder where root_id = $2 and id = $3`,
      [bus.busId, bus.rootId, ids[0]],
    );
    const r = await env.cli(['status', '--json']);
    const s = JSON.parse(r.stdout).buses.find((b: { id: number }) => b.id === bus.busId);
    expect(s).toMatchObject({ pendingEvents: 4, deadLetterEvents: 1, futureEvents: 1 });
    expect(s.action).toContain('dead letter');
  });
});

describe('poll --loop --bus X', () => {
  it('sleeps until X is due, although other buses are due all along: no line per pass, no query storm', async () => {
    const quiet = await env.newBus('loop_quiet', []);
    const busy = await env.newBus('loop_busy');
    await env.t.source.query(`update rsetl.bus set scheduled = now() + interval '1 hour' where id = $1`, [quiet.busId]);
    await env.pump(busy);
    const stats = async () => Number((await env.t.source.query(`select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()`)).rows[0].n);
    const before = await stats();
    const r = await env.cli(['poll', '--loop', '--bus', quiet.schema, '--max-seconds', '6'], { timeoutMs: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').filter(Boolean).length).toBeLessThanOrEqual(1);
    // The busy bus stays untouched: the loop polls only its selection.
    expect((await busRow(env, busy)).last_success_at).toBeNull();
    // A backend publishes the last of its counts as it ends, right after it leaves pg_stat_activity:
    // count once the poll's sessions (its own role's) are gone.
    const role = decodeURIComponent(new URL(env.rawConfig().source.url).username);
    await waitFor("the poll's source sessions to end", async () =>
      (await env.t.source.query(`select count(*)::int as n from pg_stat_activity where usename = $1`, [role])).rows[0].n === 0);
    // Start-up (control schema check, the bus lookup) and a few wake-ups; a spinning loop made thousands.
    expect((await stats()) - before).toBeLessThan(60);
  });
});

describe('the source lost in the middle of a poll', () => {
  it('exits 69 (unreachable, not "a bug in rsetl"), records the failure on the bus, and the next poll loads nothing twice', async () => {
    const bus = await env.newBus('source_lost');
    const slow = await env.slowStandin({ statementMs: 150 });
    const config = await env.configFor(slow, 'slow.json');
    const { done } = env.spawn(['poll', '--bus', bus.schema], { config });
    // While the load's statements run in Redshift, the source ends the poll's own sessions.
    const admin = new pg.Client({ connectionString: env.t.stack.sourceUrl });
    await admin.connect();
    try {
      await waitFor('the load transaction to start', () => ledgerLocked(env, bus), 30_000, 20);
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'rsetl poll' and datname = current_database()`);
    } finally {
      await admin.end();
    }
    const r = await done;
    expect(r.status, r.stderr).toBe(69);
    expect(r.stderr).not.toMatch(/bug in rsetl/);
    const row = await busRow(env, bus);
    expect(row.failure_count).toBe(1);
    expect(row.last_error.kind).toBe('unreachable');
    expect(row.blocked).toBe(false);
    await env.pump(bus);
    const next = await env.cli(['poll', '--bus', bus.schema]);
    expect(next.status, next.stderr).toBe(0);
    await expectOracle(env, bus);
  });
});
