// Scenarios 9, 10, 11 and 12 (docs/faults.md#scenario-9 to #scenario-12): a poison event blocks
// its bus with an error naming the event while other buses go on (and `rsetl unblock` lets it
// continue); unknown and ignored types are counted, not blocking; over-long multibyte strings are
// cut to their column's bytes and loaded; update, update, delete of one key in one window.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoEvent } from '../../src/demo/generator.js';
import {
  baseStream, busRow, expectNoSecrets, expectOracle, ledgerRows, pageView, randomUuid, startFaultEnv, typeOf, type Bus, type FaultEnv,
} from './harness.js';

let env: FaultEnv;
const stream = baseStream(9);
const template = (type: string) => stream.find((e) => typeOf(e) === type)!;
const middle = new Date((stream[0]!.time.getTime() + stream.at(-1)!.time.getTime()) / 2);
const at = (ms: number) => new Date(middle.getTime() + ms);

function event(type: string, time: Date, data: Record<string, unknown>): DemoEvent {
  const guid = randomUuid();
  return { guid, time, rootId: '0', datajson: { eventType: type, id: guid, time: time.toISOString(), source: 'lms.example.edu', ...data } };
}

beforeAll(async () => {
  env = await startFaultEnv({ stream });
});
afterAll(async () => {
  await env?.stop();
});

describe('scenario 9: a poison event', () => {
  let notObject: Bus;
  let missingField: Bus;
  let healthy: Bus;
  const poison: Record<string, { id: string; guid: string }> = {};

  const idOf = async (bus: Bus, guid: string) =>
    (await env.t.source.query(`select id::text as id from analyticfinder where root_id = $1 and guid = $2`, [bus.rootId, guid])).rows[0].id as string;

  beforeAll(async () => {
    notObject = await env.newBus('poison_json');
    missingField = await env.newBus('poison_field');
    healthy = await env.newBus('healthy');
    // datajson that is valid JSONB but not an event object, and a page view without its required url.
    const garbage: DemoEvent = { guid: randomUuid(), time: at(0), rootId: '0', datajson: ['not', 'an', 'event'] };
    await env.insert(notObject, [garbage]);
    poison.notObject = { guid: garbage.guid, id: await idOf(notObject, garbage.guid) };
    const noUrl = pageView(template('PageNavEvent'), at(0));
    delete (noUrl.datajson as Record<string, unknown>).url;
    await env.insert(missingField, [noUrl]);
    poison.missingField = { guid: noUrl.guid, id: await idOf(missingField, noUrl.guid) };
  });

  it('a dry run under poll.invalidEvents = dead-letter counts the bad event and changes nothing', async () => {
    const out = await mkdtemp(join(tmpdir(), 'rsetl-dry-'));
    try {
      const before = await busRow(env, missingField);
      const r = await env.cli(['run-window', '--bus', missingField.schema, '--dry-run', '--out', out, '--json'], { env: { RSETL_POLL_INVALIDEVENTS: 'dead-letter' } });
      expect(r.status, r.stderr + r.stdout).toBe(0);
      expect(r.stderr).not.toMatch(/TypeError|at .+\.js:\d+/);
      const dead = await env.t.source.query(`select count(*)::int as n from rsetl.dead_letter where bus_id = $1`, [missingField.busId]);
      expect(dead.rows[0].n).toBe(0);
      const after = await busRow(env, missingField);
      expect(after.window_time).toEqual(before.window_time);
      expect(after.failure_count).toBe(before.failure_count);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('blocks only its bus, with an error naming the event (id, guid, type, field); newer events wait; other buses go on', async () => {
    const r = await env.cli(['poll', '--json'], { env: { RSETL_POLL_MAXEVENTS: '100', RSETL_POLL_MAXEVENTSPERLOAD: '100' } });
    expect(r.status, r.stderr + r.stdout).toBe(1);
    const summary = JSON.parse(r.stdout) as { buses: Array<{ schema: string; status: string; error?: { message: string } }> };
    const status = Object.fromEntries(summary.buses.map((b) => [b.schema, b.status]));
    expect(status).toEqual({ poison_json: 'failed', poison_field: 'failed', healthy: 'caught-up' });
    await expectOracle(env, healthy);

    const field = await busRow(env, missingField);
    expect(field.failure_count).toBe(1);
    expect(new Date(field.scheduled).getTime()).toBeGreaterThan(Date.now() + 3000_000);
    const message = String(field.last_error.message);
    for (const part of [poison.missingField!.id, poison.missingField!.guid, 'PageNavEvent', 'url']) expect(message).toContain(part);
    expect(field.last_error.context?.event).toMatchObject({ id: poison.missingField!.id, guid: poison.missingField!.guid, type: 'PageNavEvent' });
    const json = await busRow(env, notObject);
    for (const part of [poison.notObject!.id, poison.notObject!.guid, 'not a JSON object']) expect(String(json.last_error.message)).toContain(part);

    // Newer events wait behind the failing window: nothing at or after the poison's time is loaded.
    for (const bus of [notObject, missingField]) {
      const [late] = await env.t.warehouse(`select count(*)::int as n from "${bus.schema}".pagenavevent where time >= $1`, [at(0).toISOString()]);
      expect(late!.n, bus.schema).toBe(0);
      const [ledger] = await env.t.warehouse(`select count(*)::int as n from "${bus.schema}".rsetl_load where window_to > $1`, [at(0).toISOString()]);
      expect(ledger!.n, bus.schema).toBe(0);
    }
    // The loads before the failing window committed (windows of 100 events).
    expect(await ledgerRows(env, missingField)).toBeGreaterThan(0);
    expectNoSecrets(env);
  });

  it('is not retried on a schedule (a data error waits for a person), and a retry they ask for fails the same while the event is bad', async () => {
    await env.pump(missingField);
    const r = await env.cli(['poll', '--bus', missingField.schema]);
    expect(r.status).toBe(1);
    expect((await busRow(env, missingField)).failure_count).toBe(1);
    expect(r.stdout + r.stderr).toContain(`rsetl unblock --bus ${missingField.schema}`);
    const retry = await env.cli(['unblock', '--bus', missingField.schema, '--retry']);
    expect(retry.status).toBe(1);
    expect((await busRow(env, missingField)).failure_count).toBe(2);
    expect((await busRow(env, missingField)).blocked).toBe(true);
    expect(retry.stdout + retry.stderr).toContain(poison.missingField!.id);
  });

  it('`rsetl unblock --skip` moves the event to the dead letter and the bus continues', async () => {
    const r = await env.cli(['unblock', '--bus', notObject.schema, '--skip', '--reason', 'not an event (fault test)']);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const dead = await env.t.source.query(`select event_id::text as id, guid, reason, skipped_by, error from rsetl.dead_letter where bus_id = $1`, [notObject.busId]);
    expect(dead.rows).toHaveLength(1);
    expect(dead.rows[0]).toMatchObject({ id: poison.notObject!.id, guid: poison.notObject!.guid, reason: 'not an event (fault test)' });
    expect(dead.rows[0].skipped_by).toBeTruthy();
    expect(dead.rows[0].error).toBeTruthy();
    await env.pump(notObject);
    const again = await env.cli(['poll', '--bus', notObject.schema, '--json']);
    // `poll` exits 1 while ANY bus is failing: poison_field still is.
    const summary = JSON.parse(again.stdout) as { buses: Array<{ status: string }>; failing: Array<{ schema: string }> };
    expect(summary.buses[0]!.status, again.stderr).toBe('caught-up');
    expect(summary.failing.map((f) => f.schema)).toEqual([missingField.schema]);
    // The oracle leaves out what the dead letter holds, and only that.
    await expectOracle(env, notObject);
  });

  it('`rsetl unblock --retry` after the event was fixed at its source: loaded, nothing dead-lettered', async () => {
    await env.t.source.query(`update analyticfinder set datajson = jsonb_set(datajson, '{url}', '"https://lms.example.edu/fixed"') where id = $1`, [poison.missingField!.id]);
    const r = await env.cli(['unblock', '--bus', missingField.schema, '--retry']);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const again = await env.cli(['poll', '--bus', missingField.schema]);
    expect(again.status, again.stderr).toBe(0);
    const dead = await env.t.source.query(`select count(*)::int as n from rsetl.dead_letter where bus_id = $1`, [missingField.busId]);
    expect(dead.rows[0].n).toBe(0);
    await expectOracle(env, missingField);
    const [fixed] = await env.t.warehouse(`select url from "${missingField.schema}".pagenavevent where id = $1`, [poison.missingField!.guid]);
    expect(fixed!.url).toBe('https://lms.example.edu/fixed');
  });
});

describe('scenario 10: unknown and ignored event types', () => {
  it('are counted per type in the run row; the bus continues, also past a window of nothing else', async () => {
    const bus = await env.newBus('unknown_types');
    await env.insert(bus, [
      event('FutureEvent9', at(1000), { anything: true }),
      event('FutureEvent9', at(2000), {}),
      event('FutureEvent9', at(3000), { nested: { x: 1 } }),
      event('CourseEntryEvent', at(4000), {}),
      event('CourseEntryEvent', at(5000), {}),
    ]);
    const r = await env.cli(['poll', '--bus', bus.schema]);
    expect(r.status, r.stderr).toBe(0);
    await expectOracle(env, bus);
    const runs = await env.t.source.query(`select outcome, events_by_type from rsetl.run where bus_id = $1 order by id`, [bus.busId]);
    const counted = runs.rows.reduce<Record<string, number>>((a, x) => {
      for (const [k, v] of Object.entries(x.events_by_type as Record<string, number>)) a[k] = (a[k] ?? 0) + v;
      return a;
    }, {});
    expect(counted).toMatchObject({ 'unknown:FutureEvent9': 3, 'ignored:CourseEntryEvent': 2 });

    // A window of nothing but unknown types: nothing to load, counted, and the watermark moves past it.
    const before = (await busRow(env, bus)).window_time;
    await env.insert(bus, [event('FutureEvent9', new Date(Date.now() - 30_000), {}), event('AnotherNewEvent', new Date(Date.now() - 20_000), {})]);
    await env.pump(bus);
    const again = await env.cli(['poll', '--bus', bus.schema]);
    expect(again.status, again.stderr).toBe(0);
    const [last] = (await env.t.source.query(`select outcome, events, events_by_type from rsetl.run where bus_id = $1 order by id desc limit 1`, [bus.busId])).rows;
    expect(last).toMatchObject({ outcome: 'nothing-to-load', events: 2, events_by_type: { 'unknown:FutureEvent9': 1, 'unknown:AnotherNewEvent': 1 } });
    expect((await busRow(env, bus)).window_time.getTime()).toBeGreaterThan(new Date(before).getTime());
    const status = await env.cli(['status', '--json']);
    const mine = JSON.parse(status.stdout).buses.find((b: { schema: string }) => b.schema === bus.schema);
    expect(mine.pendingEvents).toBe(0);
    await expectOracle(env, bus);
  });
});

describe('scenario 11: over-long strings, multibyte', () => {
  it('are cut to the column length in BYTES on a character boundary, and loaded', async () => {
    const bus = await env.newBus('oversize');
    const url = '€'.repeat(2000); // 6000 bytes into VARCHAR(1024)
    const title = '😀'.repeat(600); // 2400 bytes, 4-byte characters
    const huge = 'ü'.repeat(2_500_000); // 5 MB of JSON in one event (Redshift's JSON row limit is 4 MB)
    const survey = template('SurveySubmissionEvent2');
    const long = { ...survey, guid: randomUuid(), time: at(6000) };
    long.datajson = { ...(survey.datajson as Record<string, any>), id: long.guid, time: long.time.toISOString() };
    (long.datajson as Record<string, any>).responses = [{ questionAssetId: 1, response: 'é'.repeat(5000) + 'x' }];
    const views = [pageView(template('PageNavEvent'), at(7000), { url, title }), pageView(template('PageNavEvent'), at(8000), { url: huge })];
    await env.insert(bus, [...views, long]);
    const r = await env.cli(['poll', '--bus', bus.schema]);
    expect(r.status, r.stderr).toBe(0);
    await expectOracle(env, bus);

    const [a] = await env.t.warehouse(`select url, pagetitle, octet_length(url) as ub, octet_length(pagetitle) as tb from "${bus.schema}".pagenavevent where id = $1`, [views[0]!.guid]);
    expect(a!.ub).toBe(1023); // 341 × 3 bytes: the 342nd € would cross 1024
    expect(url.startsWith(a!.url)).toBe(true);
    expect(a!.tb).toBe(1024);
    expect(title.startsWith(a!.pagetitle)).toBe(true);
    const [b] = await env.t.warehouse(`select octet_length(url) as ub, url from "${bus.schema}".pagenavevent where id = $1`, [views[1]!.guid]);
    expect(b!.ub).toBe(1024);
    expect(huge.startsWith(b!.url)).toBe(true);
    const [c] = await env.t.warehouse(`select octet_length(response) as n, response from "${bus.schema}".surveyquestionresponse where attemptid = $1`, [(long.datajson as Record<string, any>).attemptId]);
    expect(c!.n).toBe(4096);
    expect(c!.response).toBe('é'.repeat(2048));
    const [bad] = await env.t.warehouse(`select count(*)::int as n from "${bus.schema}".pagenavevent where url like '%' || chr(65533) || '%' or pagetitle like '%' || chr(65533) || '%'`);
    expect(bad!.n).toBe(0);
  });
});

describe('scenario 12: one key updated, updated and deleted within one window', () => {
  it('ends as the last event says, with no MERGE "multiple matches" error', async () => {
    const bus = await env.newBus('same_key');
    const create = template('EnrollmentCreateEvent2').datajson as Record<string, any>;
    const enrollment = (id: number, type: string, ms: number, role: string) =>
      event(type, at(ms), type === 'EnrollmentDeleteEvent1' ? { actionType: 'delete', session: 4000000, enrollmentId: id } : { ...create, eventType: type, enrollmentId: id, role, id: undefined, time: undefined });
    const fix = (e: DemoEvent) => {
      const d = e.datajson as Record<string, any>;
      d.id = e.guid;
      d.time = e.time.toISOString();
      return e;
    };
    const section = template('SectionCreateEvent2').datajson as Record<string, any>;
    const sectionEvent = (type: string, ms: number, name: string) =>
      fix(event(type, at(ms), { ...section, eventType: type, section: { ...section.section, id: 99001, name }, id: undefined, time: undefined }));
    await env.insert(bus, [
      // Put, update, update, delete: gone.
      fix(enrollment(990001, 'EnrollmentCreateEvent2', 100, 'student')),
      fix(enrollment(990001, 'EnrollmentUpdateEvent2', 200, 'instructor')),
      fix(enrollment(990001, 'EnrollmentUpdateEvent2', 300, 'student')),
      fix(enrollment(990001, 'EnrollmentDeleteEvent1', 400, '')),
      // Put, update, delete, put again: present, as the last put.
      fix(enrollment(990002, 'EnrollmentCreateEvent2', 100, 'student')),
      fix(enrollment(990002, 'EnrollmentUpdateEvent2', 200, 'instructor')),
      fix(enrollment(990002, 'EnrollmentDeleteEvent1', 300, '')),
      fix(enrollment(990002, 'EnrollmentCreateEvent2', 400, 'observer')),
      // Create, update, update: the last name.
      sectionEvent('SectionCreateEvent2', 100, 'v1'),
      sectionEvent('SectionUpdateEvent2', 200, 'v2'),
      sectionEvent('SectionUpdateEvent2', 300, 'v3'),
    ]);
    const r = await env.cli(['poll', '--bus', bus.schema, '--json']);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout).buses[0].loads.filter((l: { outcome: string }) => l.outcome === 'loaded')).toHaveLength(1);
    await expectOracle(env, bus);
    const rows = await env.t.warehouse(`select id::text as id, role from "${bus.schema}".enrollment where id in (990001, 990002)`);
    expect(rows).toEqual([{ id: '990002', role: 'observer' }]);
    const [s] = await env.t.warehouse(`select name from "${bus.schema}".section where id = 99001`);
    expect(s!.name).toBe('v3');
  });
});
