// `rsetl dead-letter list|show|replay` on real processes and the local stack: entries set aside
// are listed and shown whole, a replay needs a reason and a confirmation, and the next poll
// delivers each replayed event exactly once — also when the poll is killed between the Redshift
// COMMIT and the source update, when a load attempt fails, and when a load of replays alone leaves
// the watermark where it was. An invalid replayed event blocks its bus, or goes back to the dead
// letter under poll.invalidEvents = dead-letter.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoEvent } from '../../src/demo/generator.js';
import { cancelReplayOfEvents } from '../../src/pipeline/dead-letter-replay.js';
import { baseStream, busRow, expectNoSecrets, ledgerRows, pageView, randomUuid, startFaultEnv, typeOf, type Bus, type FaultEnv } from './harness.js';

let env: FaultEnv;
let pageTemplate: DemoEvent;
let qnaTemplate: DemoEvent;
let nextThread = 9_100_000;

beforeAll(async () => {
  env = await startFaultEnv();
  const stream = baseStream();
  pageTemplate = stream.find((e) => typeOf(e) === 'PageNavEvent')!;
  qnaTemplate = stream.find((e) => typeOf(e) === 'QnaThreadPutEvent1')!;
});
afterAll(async () => {
  await env?.stop();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/** A Q&A thread nobody else touches: its qnathread row exists only if this event was loaded. */
function qnaThread(time: Date): DemoEvent & { threadId: number } {
  const guid = randomUuid();
  const threadId = nextThread++;
  return {
    ...qnaTemplate,
    guid,
    time,
    threadId,
    datajson: { ...(qnaTemplate.datajson as object), id: guid, time: time.toISOString(), createTime: time.toISOString(), threadId, studentClosed: true },
  };
}

/** Inserts `events` into the bus's outbox and sets them aside in its dead letter, as a skip does; returns the dead letter ids in order. */
async function setAside(bus: Bus, events: DemoEvent[]): Promise<string[]> {
  await env.insert(bus, events);
  const ids: string[] = [];
  for (const e of events) {
    const r = await env.t.source.query(
      `insert into rsetl.dead_letter (bus_id, event_id, guid, event_time, datajson, error, skipped_by, reason)
       select $1, o.id, o.guid, o.time, o.datajson, $3, 'test@example', 'set aside by the test'
       from analyticfinder o where o.root_id = $2 and o.guid = $4 returning id::text as id`,
      [bus.busId, bus.rootId, JSON.stringify({ kind: 'event', message: `held back by the test: ${e.guid}` }), e.guid],
    );
    ids.push(r.rows[0].id);
  }
  return ids;
}

const json = (r: { stdout: string }) => JSON.parse(r.stdout) as Record<string, any>;

async function poll(bus: Bus, opts: Parameters<FaultEnv['cli']>[1] = {}) {
  await env.pump(bus);
  return env.cli(['poll', '--bus', bus.schema, '--json'], opts);
}

async function listed(bus: Bus): Promise<Array<Record<string, any>>> {
  const r = await env.cli(['dead-letter', 'list', bus.schema, '--json']);
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return json(r).deadLetters;
}

const stateOf = async (bus: Bus, id: string) => (await listed(bus)).find((d) => d.id === id)?.stateText as string;
const pageRows = async (bus: Bus, guid: string) => (await env.t.warehouse(`select count(*)::int as n from "${bus.schema}".pagenavevent where id = $1`, [guid]))[0]!.n as number;
const threadRows = async (bus: Bus, threadId: number) =>
  env.t.warehouse(`select studentclosed from "${bus.schema}".qnathread where threadid = $1`, [threadId]) as Promise<Array<{ studentclosed: boolean }>>;
const attempts = async (id: string) =>
  (await env.t.source.query(`select load_id from rsetl.dead_letter_replay where dead_letter_id = $1 order by attempted_at`, [id])).rows.map((r) => r.load_id as string);

/** A bus with the file's stream loaded (so later polls read only what a test adds). */
async function loadedBus(name: string): Promise<Bus> {
  const bus = await env.newBus(name);
  const r = await env.cli(['poll', '--bus', bus.schema]);
  expect(r.status, r.stderr).toBe(0);
  return bus;
}

describe('list, show and replay', () => {
  let bus: Bus;
  let page: DemoEvent;
  let thread: ReturnType<typeof qnaThread>;
  let ids: string[];

  beforeAll(async () => {
    bus = await loadedBus('dl_main');
    page = pageView(pageTemplate, minutesAgo(9));
    thread = qnaThread(minutesAgo(8.5));
    ids = await setAside(bus, [page, thread]);
    const other = pageView(pageTemplate, minutesAgo(8));
    await env.insert(bus, [other]);
    const r = await poll(bus);
    expect(r.status, r.stderr).toBe(0);
    expect(await pageRows(bus, other.guid)).toBe(1);
  });

  it('lists the set-aside events as waiting, and they are not loaded', async () => {
    expect(await pageRows(bus, page.guid)).toBe(0);
    expect(await threadRows(bus, thread.threadId)).toEqual([]);
    const r = await env.cli(['dead-letter', 'list', bus.schema, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = json(r);
    expect(out.bus).toBe(bus.busId);
    expect(out.deadLetters).toEqual([
      expect.objectContaining({ id: ids[0], guid: page.guid, eventType: 'PageNavEvent', skippedBy: 'test@example', reason: 'set aside by the test', state: 'waiting', stateText: 'waiting' }),
      expect.objectContaining({ id: ids[1], guid: thread.guid, eventType: 'QnaThreadPutEvent1', state: 'waiting' }),
    ]);
    const human = await env.cli(['dead-letter', 'list', String(bus.busId)]);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/skipped by/);
    expect(human.stdout.split('\n').filter((l) => /PageNavEvent|QnaThreadPutEvent1/.test(l) && /waiting/.test(l))).toHaveLength(2);
  });

  it('refuses a replay without --reason, with a bad id, or of an unknown entry, changing nothing', async () => {
    expect((await env.cli(['dead-letter', 'replay', bus.schema, '--id', ids[0]!, '--yes'])).status).toBe(64);
    expect((await env.cli(['dead-letter', 'replay', bus.schema, '--id', 'x1', '--reason', 'r', '--yes'])).status).toBe(64);
    const unknown = await env.cli(['dead-letter', 'replay', bus.schema, '--id', '999999', '--reason', 'r', '--yes']);
    expect(unknown.status).toBe(64);
    expect(unknown.stderr).toContain('999999');
    expect((await listed(bus)).map((d) => d.state)).toEqual(['waiting', 'waiting']);
  });

  it('without --yes and without a terminal, refuses with 64 and changes nothing', async () => {
    await env.t.source.query(`update rsetl.bus set scheduled = now() + interval '1 hour' where id = $1`, [bus.busId]);
    const before = (await busRow(env, bus)).scheduled as Date;
    const r = await env.cli(['dead-letter', 'replay', bus.schema, '--id', ids[0]!, '--id', ids[1]!, '--reason', 'parser fixed']);
    expect(r.status, r.stderr).toBe(64);
    expect(r.stderr).toContain('--yes');
    expect((await listed(bus)).map((d) => d.state)).toEqual(['waiting', 'waiting']);
    expect((await env.t.source.query(`select count(*)::int as n from rsetl.audit where bus_id = $1`, [bus.busId])).rows[0].n).toBe(0);
    expect((await busRow(env, bus)).scheduled).toEqual(before);
  });

  it('with --yes, requests the replay, audited, and makes the bus due now', async () => {
    const r = await env.cli(['dead-letter', 'replay', bus.schema, '--id', `${ids[0]},${ids[1]}`, '--reason', 'parser fixed, ticket 77', '--who', 'oncall@example', '--yes', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(json(r).requested.map((d: { id: string; state: string }) => [d.id, d.state])).toEqual([
      [ids[0], 'replay requested'],
      [ids[1], 'replay requested'],
    ]);
    const audit = await env.t.source.query(`select action, by, reason, details from rsetl.audit where bus_id = $1`, [bus.busId]);
    expect(audit.rows).toEqual([
      { action: 'replay', by: 'oncall@example', reason: 'parser fixed, ticket 77', details: expect.objectContaining({ deadLetterIds: ids.map(Number) }) },
    ]);
    expect(((await busRow(env, bus)).scheduled as Date).getTime()).toBeLessThanOrEqual(Date.now());
    // Requested already: refused, naming the entry.
    const again = await env.cli(['dead-letter', 'replay', bus.schema, '--id', ids[0]!, '--reason', 'twice', '--yes']);
    expect(again.status).toBe(64);
    expect(again.stderr).toContain(`dead letter ${ids[0]} is replay requested`);
  });

  it('a dry run shows the replays first and changes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rsetl-dl-dry-'));
    try {
      const r = await env.cli(['run-window', '--bus', bus.schema, '--dry-run', '--out', dir, '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect(json(r)).toMatchObject({ events: 2, replayed: 2, eventsByType: { PageNavEvent: 1, QnaThreadPutEvent1: 1 } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect((await listed(bus)).map((d) => d.state)).toEqual(['replay requested', 'replay requested']);
    expect(await attempts(ids[0]!)).toEqual([]);
  });

  it('the next poll loads them once; they show as replayed by that load; a second replay is refused', async () => {
    const ledgerBefore = await ledgerRows(env, bus);
    const watermark = (await busRow(env, bus)).window_time;
    const r = await env.cli(['poll', '--bus', bus.schema, '--json']); // due now: the replay did that
    expect(r.status, r.stderr).toBe(0);
    const [load] = json(r).buses[0].loads;
    expect(load).toMatchObject({ outcome: 'loaded', replayed: 2, events: 2, eventsByType: { PageNavEvent: 1, QnaThreadPutEvent1: 1 } });
    expect(await pageRows(bus, page.guid)).toBe(1);
    expect(await threadRows(bus, thread.threadId)).toEqual([{ studentclosed: true }]);
    expect(await ledgerRows(env, bus)).toBe(ledgerBefore + 1);
    // Their old times did not move the watermark backwards.
    expect(((await busRow(env, bus)).window_time as Date).getTime()).toBeGreaterThanOrEqual((watermark as Date).getTime());
    expect(await stateOf(bus, ids[0]!)).toBe(`replayed (load ${load.loadId})`);
    expect(await stateOf(bus, ids[1]!)).toBe(`replayed (load ${load.loadId})`);

    const again = await env.cli(['dead-letter', 'replay', bus.schema, '--id', ids[0]!, '--reason', 'twice', '--yes']);
    expect(again.status).toBe(64);
    expect(again.stderr).toContain(`dead letter ${ids[0]} is replayed (load ${load.loadId})`);
    const none = await env.cli(['dead-letter', 'replay', bus.schema, '--reason', 'all waiting', '--yes']);
    expect(none.status).toBe(64);
    expect(none.stderr).toContain('no waiting dead letter');

    const later = await poll(bus);
    expect(later.status, later.stderr).toBe(0);
    expect(await pageRows(bus, page.guid)).toBe(1);
    expect(await threadRows(bus, thread.threadId)).toHaveLength(1);
  });

  it('show prints the entry whole: the event, its error, the audit trail; --json the same', async () => {
    const r = await env.cli(['dead-letter', 'show', bus.schema, '--id', ids[0]!]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`dead letter ${ids[0]} of bus ${bus.busId}: replayed (load `);
    expect(r.stdout).toContain(`  "id": "${page.guid}"`); // pretty JSON
    expect(r.stdout).toContain(`held back by the test: ${page.guid}`);
    const trail = r.stdout.slice(r.stdout.indexOf('audit trail:'));
    expect(trail).toMatch(/skipped by test@example: set aside by the test[\s\S]*replay by oncall@example: parser fixed, ticket 77[\s\S]*carried by load attempt [\s\S]*replayed: delivered by load/);

    const j = await env.cli(['dead-letter', 'show', String(bus.busId), '--id', ids[0]!, '--json']);
    expect(j.status).toBe(0);
    const d = json(j).deadLetter;
    expect(d).toMatchObject({ id: ids[0], state: 'replayed', datajson: { id: page.guid, eventType: 'PageNavEvent' }, error: { kind: 'event' } });
    expect(d.attempts).toEqual([{ loadId: d.replayedLoadId, at: expect.any(String) }]);
    expect(d.audit).toEqual([expect.objectContaining({ action: 'replay', by: 'oncall@example' })]);
    expect((await env.cli(['dead-letter', 'show', bus.schema, '--id', '999999'])).status).toBe(64);
    expectNoSecrets(env);
  });
});

describe('exactly once under faults', () => {
  it('killed after the Redshift COMMIT: the next poll fast-forwards and marks what that load carried, and loads a replay requested since', async () => {
    const bus = await loadedBus('dl_crash');
    const page = pageView(pageTemplate, minutesAgo(9));
    const thread = qnaThread(minutesAgo(8.5));
    const ids = await setAside(bus, [page, thread]);
    expect((await env.cli(['dead-letter', 'replay', bus.schema, '--reason', 'replay all', '--yes'])).status).toBe(0);
    const ledgerBefore = await ledgerRows(env, bus);

    const killed = await env.cli(['poll', '--bus', bus.schema], { env: { RSETL_CRASH_AT: 'after-commit' } });
    expect(killed.signal, JSON.stringify(killed)).toBe('SIGKILL');
    expect(await ledgerRows(env, bus)).toBe(ledgerBefore + 1);
    expect(await pageRows(bus, page.guid)).toBe(1);
    const [committed] = await attempts(ids[0]!);
    expect(committed).toBeDefined();
    expect(await stateOf(bus, ids[0]!)).toBe('replay requested'); // the source does not know yet

    // Requested after the crash: the committed load did not carry it.
    const late = pageView(pageTemplate, minutesAgo(7));
    const [lateId] = await setAside(bus, [late]);
    expect((await env.cli(['dead-letter', 'replay', bus.schema, '--id', lateId!, '--reason', 'one more', '--yes'])).status).toBe(0);

    const r = await poll(bus);
    expect(r.status, r.stderr).toBe(0);
    const loads = json(r).buses[0].loads as Array<{ outcome: string; loadId: string; replayed: number }>;
    expect(loads[0]!.outcome).toBe('already-loaded');
    expect(await pageRows(bus, page.guid)).toBe(1);
    expect(await threadRows(bus, thread.threadId)).toHaveLength(1);
    expect(await pageRows(bus, late.guid)).toBe(1);
    expect(await stateOf(bus, ids[0]!)).toBe(`replayed (load ${committed})`);
    expect(await stateOf(bus, ids[1]!)).toBe(`replayed (load ${committed})`);
    const lateState = await stateOf(bus, lateId!);
    expect(lateState).toMatch(/^replayed \(load /);
    expect(lateState).not.toContain(committed!);

    expect((await poll(bus)).status).toBe(0);
    expect(await pageRows(bus, page.guid)).toBe(1);
    expect(await pageRows(bus, late.guid)).toBe(1);
  });

  it('a failed load attempt leaves the entry requested; the next poll loads it once', async () => {
    const bus = await loadedBus('dl_fail');
    const page = pageView(pageTemplate, minutesAgo(9));
    const [id] = await setAside(bus, [page]);
    expect((await env.cli(['dead-letter', 'replay', bus.schema, '--id', id!, '--reason', 'r', '--yes'])).status).toBe(0);
    env.t.stack.standin.injectFault({
      match: /^COPY/,
      error: { code: 'XX000', message: '1023 Serializable isolation violation on table - 156789, transactions forming the cycle are: 7654, 7655 (pid:23410)' },
    });
    const failed = await env.cli(['poll', '--bus', bus.schema, '--json']);
    expect(failed.status, failed.stdout).toBe(1);
    expect(json(failed).buses[0].status).toBe('failed');
    expect(await pageRows(bus, page.guid)).toBe(0);
    expect(await stateOf(bus, id!)).toBe('replay requested');
    const [failedAttempt] = await attempts(id!);

    const r = await poll(bus);
    expect(r.status, r.stderr).toBe(0);
    expect(await pageRows(bus, page.guid)).toBe(1);
    const tried = await attempts(id!);
    expect(tried).toHaveLength(2);
    expect(tried[0]).toBe(failedAttempt);
    expect(await stateOf(bus, id!)).toBe(`replayed (load ${tried[1]})`);
    expect((await poll(bus)).status).toBe(0);
    expect(await pageRows(bus, page.guid)).toBe(1);
  });

  it('a load of replays alone that leaves the watermark in place: the next load of new events is not taken for it', async () => {
    // Three events in the lookback and room to remember two ids: the watermark stays where it is
    // while nothing new arrives, so the replay load and the next one start from the same watermark.
    const lookback = { RSETL_POLL_LOOKBACKIDS: '2' };
    const bus = await env.newBus('dl_same_start', [pageView(pageTemplate, minutesAgo(1.5)), pageView(pageTemplate, minutesAgo(1.4)), pageView(pageTemplate, minutesAgo(1.3))]);
    expect((await env.cli(['poll', '--bus', bus.schema], { env: lookback })).status).toBe(0);
    const start = await busRow(env, bus);
    const old = pageView(pageTemplate, minutesAgo(30));
    const [id] = await setAside(bus, [old]);
    expect((await env.cli(['dead-letter', 'replay', bus.schema, '--id', id!, '--reason', 'r', '--yes'])).status).toBe(0);
    const replay = await env.cli(['poll', '--bus', bus.schema, '--json'], { env: lookback });
    expect(replay.status, replay.stderr).toBe(0);
    expect(json(replay).buses[0].loads[0]).toMatchObject({ outcome: 'loaded', replayed: 1 });
    const after = await busRow(env, bus);
    expect([after.window_time, after.window_ids]).toEqual([start.window_time, start.window_ids]);
    expect(await pageRows(bus, old.guid)).toBe(1);

    const fresh = pageView(pageTemplate, minutesAgo(1));
    await env.insert(bus, [fresh]);
    const next = await poll(bus, { env: lookback });
    expect(next.status, next.stderr).toBe(0);
    expect(json(next).buses[0].loads.map((l: { outcome: string }) => l.outcome)).toEqual(['loaded']);
    expect(await pageRows(bus, fresh.guid)).toBe(1);
    expect(await pageRows(bus, old.guid)).toBe(1);
  });
});

describe('a replayed event that is still invalid', () => {
  it('blocks its bus naming the event and its dead letter; under invalidEvents = dead-letter it goes back to the dead letter', async () => {
    const bus = await loadedBus('dl_invalid');
    const poison = pageView(pageTemplate, minutesAgo(9));
    delete (poison.datajson as Record<string, unknown>).user;
    await env.insert(bus, [poison]);
    const blocked = await poll(bus);
    expect(blocked.status).toBe(1);
    const skip = await env.cli(['unblock', '--bus', bus.schema, '--skip', '--reason', 'no user (fault test)']);
    expect(skip.status, skip.stderr).toBe(0);
    const [entry] = await listed(bus);
    expect(entry).toMatchObject({ guid: poison.guid, eventType: 'PageNavEvent', state: 'waiting', reason: 'no user (fault test)' });

    expect((await env.cli(['dead-letter', 'replay', bus.schema, '--id', entry!.id, '--reason', 'try again', '--yes'])).status).toBe(0);
    const r = await env.cli(['poll', '--bus', bus.schema, '--json']);
    expect(r.status).toBe(1);
    const failed = json(r).buses[0];
    expect(failed).toMatchObject({ status: 'failed', blocked: true });
    expect(failed.error.kind).toBe('event');
    expect(failed.error.message).toContain(`replayed dead letter ${entry!.id}`);
    expect(failed.error.message).toContain(poison.guid);
    expect(failed.error.context).toMatchObject({ deadLetterId: entry!.id, event: { guid: poison.guid } });
    expect(await stateOf(bus, entry!.id)).toBe('replay requested');

    // What `unblock --skip` of a replayed event does: withdraw the request instead of a second entry.
    const withdrawn = await cancelReplayOfEvents(env.t.conn, env.t.config, { busId: bus.busId, eventIds: [entry!.eventId, '1'], reason: 'still broken', who: 'oncall@example' });
    expect(withdrawn.map((d) => [d.id, d.state])).toEqual([[entry!.id, 'waiting']]);
    const audit = await env.t.source.query(`select action, details from rsetl.audit where bus_id = $1 and action = 'replay-cancel'`, [bus.busId]);
    expect(audit.rows).toEqual([{ action: 'replay-cancel', details: expect.objectContaining({ deadLetterIds: [Number(entry!.id)] }) }]);
    expect(await cancelReplayOfEvents(env.t.conn, env.t.config, { busId: bus.busId, eventIds: [entry!.eventId], reason: 'again', who: 'x' })).toEqual([]);
    expect((await env.cli(['dead-letter', 'replay', bus.schema, '--reason', 'try again, leniently', '--yes'])).status).toBe(0);

    const lenient = await env.writeConfig('dead-letter-mode.json', (c) => (c.poll.invalidEvents = 'dead-letter'));
    expect((await env.cli(['bus', 'resume', bus.schema])).status).toBe(0);
    const ok = await poll(bus, { config: lenient });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    const entries = await listed(bus);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ id: entry!.id, state: 'replayed', stateText: `replayed (invalid again: entry ${entries[1]!.id})` });
    expect(entries[1]).toMatchObject({ guid: poison.guid, state: 'waiting', skippedBy: 'rsetl poll' });
    expect(await pageRows(bus, poison.guid)).toBe(0);
  });
});
