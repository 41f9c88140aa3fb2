// The operator's side of a stuck bus: a poison event blocks its bus (and only its bus), the error
// names the event, `rsetl unblock` shows it and skips it into the dead letter with who and why;
// a COPY rejection is diagnosed down to the column, line and event.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEtl } from '../../src/admin/init-etl.js';
import { generateDemoEvents, type DemoEvent } from '../../src/demo/generator.js';
import { insertOutboxEvents } from '../../src/demo/outbox.js';
import { pollOnce } from '../../src/pipeline/poller.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let t: TestStack;
let template: DemoEvent;
let nextId = 70_000_000;
let seq = 0;

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, ['bin/rsetl', ...args, '--config', t.stack.configPath], { env: { ...process.env, NO_COLOR: '1' } }, (e, stdout, stderr) =>
      resolve({ status: e ? ((e as { code?: number }).code ?? null) : 0, stdout, stderr }),
    ),
  );
}

/** A page view on `root` at `secondsAgo`, with optional changes to its JSON. */
function pageView(root: string, secondsAgo: number, change: (d: Record<string, any>) => void = () => undefined): DemoEvent {
  const guid = `00000000-0000-4000-9000-${String(++seq).padStart(12, '0')}`;
  const time = new Date(Date.now() - secondsAgo * 1000);
  const datajson = { ...(template.datajson as Record<string, any>), id: guid, time: time.toISOString(), url: `https://lms.example.edu/p/${seq}` };
  change(datajson);
  return { guid, time, rootId: root, datajson };
}

async function insert(events: DemoEvent[]): Promise<void> {
  await insertOutboxEvents(t.source, events, { firstId: nextId });
  nextId += 100;
}

async function pageViews(schema: string): Promise<string[]> {
  return (await t.warehouse(`select id from ${schema}.pagenavevent order by id`)).map((r) => r.id);
}

const due = async (schema: string) => {
  const { buses } = await t.conn.control();
  const b = await buses.findBus(schema);
  await buses.setState(b.id, b.state, { scheduleNow: true });
};

beforeAll(async () => {
  t = await startTestStack();
  const end = new Date(Date.now() - 3600_000);
  template = [...generateDemoEvents({ start: new Date(end.getTime() - 3600_000), end, users: 10, sections: 1 })].find(
    (e) => (e.datajson as { eventType: string }).eventType === 'PageNavEvent',
  )!;
  await initEtl(t.conn, t.config, { schema: 'blocked', rootId: '1', since: '2000-01-01 00:00:00' });
  await initEtl(t.conn, t.config, { schema: 'healthy', rootId: '2', since: '2000-01-01 00:00:00' });
});
afterAll(async () => {
  await t?.stop();
});

describe('a poison event', () => {
  const poison = { guid: '' };

  it('blocks its bus with an error naming the event; newer events wait; other buses go on', async () => {
    const bad = pageView('1', 300, (d) => delete d.user);
    poison.guid = bad.guid;
    await insert([pageView('1', 400), bad, pageView('1', 200), pageView('2', 250)]);
    const s = await pollOnce(t.conn, t.config);
    const byschema = Object.fromEntries(s.buses.map((b) => [b.schema, b]));
    expect(byschema.blocked!.status).toBe('failed');
    expect(byschema.healthy!.status).toBe('caught-up');
    expect(await pageViews('healthy')).toHaveLength(1);
    expect(await pageViews('blocked')).toEqual([]); // the whole load rolled back: order is kept
    const error = (byschema.blocked as { error: Record<string, any> }).error;
    expect(error.kind).toBe('event');
    expect(error.message).toContain(bad.guid);
    expect(error.message).toContain('PageNavEvent');
    expect(error.message).toMatch(/user/);
  });

  it('shows the failing bus and its offending event without prompting when not on a terminal', async () => {
    const r = await cli(['unblock', '--json']);
    expect(r.status).toBe(1);
    const { blocked } = JSON.parse(r.stdout);
    expect(blocked.bus.schemaName).toBe('blocked');
    expect(blocked.offending).toEqual([expect.objectContaining({ guid: poison.guid, type: 'PageNavEvent' })]);
  });

  it('refuses to skip without a reason, or two actions at once', async () => {
    expect((await cli(['unblock', '--skip'])).status).toBe(64);
    expect((await cli(['unblock', '--retry', '--pause'])).status).toBe(64);
  });

  it('skips the event into the dead letter with who and why, and the bus continues after it', async () => {
    const r = await cli(['unblock', '--skip', '--reason', 'malformed page view, ticket 42', '--who', 'oncall@example', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).skipped).toEqual([expect.objectContaining({ guid: poison.guid })]);
    const dead = await t.source.query(`select guid, skipped_by, reason, datajson->>'eventType' as type, error->>'kind' as kind from rsetl.dead_letter`);
    expect(dead.rows).toEqual([{ guid: poison.guid, skipped_by: 'oncall@example', reason: 'malformed page view, ticket 42', type: 'PageNavEvent', kind: 'event' }]);

    await due('blocked');
    const s = await pollOnce(t.conn, t.config, { buses: ['blocked'] });
    expect(s.buses[0]!.status).toBe('caught-up');
    expect(await pageViews('blocked')).toHaveLength(2);
    expect(await pageViews('blocked')).not.toContain(poison.guid);
    expect((await cli(['status'])).status).toBe(0);
  });
});

describe('a row Redshift rejects', () => {
  it('is diagnosed from the load errors down to table, column, line, value and the event that produced it', async () => {
    // A DBA narrowed a column behind rsetl's back: COPY now rejects long URLs.
    await t.warehouse(`alter table blocked.pagenavevent alter column url type varchar(40)`);
    const long = pageView('1', 100, (d) => (d.url = `https://lms.example.edu/${'x'.repeat(60)}`));
    await insert([pageView('1', 110), long, pageView('1', 90)]);
    await due('blocked');
    const s = await pollOnce(t.conn, t.config, { buses: ['blocked'] });
    expect(s.buses[0]!.status).toBe('failed');
    const error = (s.buses[0] as { error: Record<string, any> }).error;
    expect(error.failureClass).toBe('data');
    expect(error.context.copyError).toMatchObject({ table: 'pagenavevent', column: 'url', line: 2, code: 1204 });
    expect(error.context.event).toMatchObject({ guid: long.guid, type: 'PageNavEvent' });
    // The staged files are kept for diagnosis.
    expect((await t.conn.objectStore().list(error.context.stagedPrefix)).length).toBeGreaterThan(0);

    const shown = await cli(['unblock', '--bus', 'blocked']);
    expect(shown.stdout + shown.stderr).toContain('column url, line 2');
    expect(shown.stdout + shown.stderr).toContain(long.guid);

    const skipped = await cli(['unblock', '--bus', 'blocked', '--skip', '--reason', 'url longer than the narrowed column']);
    expect(skipped.status).toBe(0);
    await due('blocked');
    expect((await pollOnce(t.conn, t.config, { buses: ['blocked'] })).buses[0]!.status).toBe('caught-up');
    expect(await pageViews('blocked')).toHaveLength(4);
  });
});

describe('other operator actions', () => {
  it('pauses and resumes a bus, and skips a whole window when asked', async () => {
    expect((await cli(['unblock', '--bus', 'healthy', '--pause'])).status).toBe(0);
    const { buses } = await t.conn.control();
    expect((await buses.findBus('healthy')).state).toBe('Paused');
    await insert([pageView('2', 50), pageView('2', 40)]);
    expect((await cli(['unblock', '--bus', 'healthy', '--skip', '--window', '--reason', 'replayed test data'])).status).toBe(64); // not failing
    expect((await cli(['unblock', '--bus', 'healthy', '--skip', '--window', '--force', '--reason', 'replayed test data'])).status).toBe(0);
    expect((await cli(['unblock', '--bus', 'healthy', '--resume'])).status).toBe(0);
    expect((await buses.findBus('healthy')).state).toBe('Active');
    await pollOnce(t.conn, t.config, { buses: ['healthy'] });
    expect(await pageViews('healthy')).toHaveLength(1);
    expect(await buses.deadLetters((await buses.findBus('healthy')).id)).toHaveLength(2);
  });

  it('sets invalid events aside by itself when poll.invalidEvents is dead-letter', async () => {
    const conf = { ...t.config, poll: { ...t.config.poll, invalidEvents: 'dead-letter' as const } };
    const bad = pageView('2', 30, (d) => delete d.sessionId);
    await insert([bad, pageView('2', 20)]);
    const s = await pollOnce(t.conn, conf, { buses: ['healthy'], ignoreSchedule: true });
    expect(s.buses[0]!.status).toBe('caught-up');
    expect(await pageViews('healthy')).toHaveLength(2);
    const dead = await t.source.query(`select skipped_by, reason from rsetl.dead_letter where guid = $1`, [bad.guid]);
    expect(dead.rows).toEqual([{ skipped_by: 'rsetl poll', reason: 'poll.invalidEvents = dead-letter' }]);
  });
});
