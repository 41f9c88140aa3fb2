// A NUL (U+0000) in an event string, which an outbox whose datajson is `json` keeps (jsonb refuses
// it) and Redshift's COPY refuses in a VARCHAR: the bus stops at the event with an error naming it
// and the field, the operator can skip just that event, and `poll.invalidEvents = "dead-letter"`
// sets it aside by itself. Real `rsetl` processes on the local stack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoEvent } from '../../src/demo/generator.js';
import { baseStream, busRow, expectNoSecrets, pageView, startFaultEnv, typeOf, type Bus, type FaultEnv } from './harness.js';

let env: FaultEnv;
const stream = baseStream(17);
const template = stream.find((e) => typeOf(e) === 'PageNavEvent')!;
const start = new Date(Date.now() - 30 * 60_000);
const at = (i: number) => new Date(start.getTime() + i * 1000);

/** Five page views; the third has a NUL in its title. */
function views(): { events: DemoEvent[]; poison: DemoEvent } {
  const events = [0, 1, 2, 3, 4].map((i) => pageView(template, at(i)));
  const poison = events[2]!;
  (poison.datajson as Record<string, unknown>).title = 'before\u0000after';
  return { events, poison };
}

const idOf = async (bus: Bus, guid: string) =>
  (await env.t.source.query(`select id::text as id from analyticfinder where root_id = $1 and guid = $2`, [bus.rootId, guid])).rows[0].id as string;

const pageViews = async (bus: Bus) => (await env.t.warehouse(`select id from "${bus.schema}".pagenavevent order by time`)).map((r) => r.id as string);

beforeAll(async () => {
  env = await startFaultEnv({ stream });
  // The platform's own table may be `json`: PostgreSQL keeps \u0000 there, where jsonb refuses it.
  await env.t.source.query(`alter table analyticfinder alter column datajson type json`);
});
afterAll(async () => {
  await env?.stop();
});

describe('a NUL in an event string, from a json outbox column', () => {
  let bus: Bus;
  let poisonId: string;
  let rest: string[];

  beforeAll(async () => {
    bus = await env.newBus('nul_block', []);
    const { events, poison } = views();
    await env.insert(bus, events);
    poisonId = await idOf(bus, poison.guid);
    rest = events.filter((e) => e !== poison).map((e) => e.guid);
    // The outbox really holds the NUL (as an escape PostgreSQL's json keeps).
    const [raw] = (await env.t.source.query(`select datajson::text as t from analyticfinder where id = $1`, [poisonId])).rows;
    expect(raw.t).toContain('\\u0000');
  });

  it('blocks the bus with an error naming the event and the field; nothing of the window loads', async () => {
    const r = await env.cli(['poll', '--bus', bus.schema]);
    expect(r.status, r.stderr + r.stdout).toBe(1);
    const b = await busRow(env, bus);
    expect(b.failure_count).toBe(1);
    const message = String(b.last_error.message);
    for (const part of [poisonId, 'PageNavEvent', 'title', 'U+0000']) expect(message, message).toContain(part);
    expect(b.last_error.context?.event).toMatchObject({ id: poisonId, type: 'PageNavEvent' });
    expect(r.stdout + r.stderr).toContain(poisonId);
    expect(await pageViews(bus)).toEqual([]);
  });

  it('`unblock --skip` sets only that event aside and the next poll loads the rest', async () => {
    const u = await env.cli(['unblock', '--bus', bus.schema, '--skip', '--reason', 'NUL in a title (fault test)']);
    expect(u.status, u.stderr + u.stdout).toBe(0);
    const dead = await env.t.source.query(`select event_id::text as id, reason, datajson from rsetl.dead_letter where bus_id = $1`, [bus.busId]);
    expect(dead.rows.map((d) => d.id)).toEqual([poisonId]);
    expect(dead.rows[0].reason).toBe('NUL in a title (fault test)');
    // The dead letter keeps the event, its title visibly marked where the NUL was.
    expect(dead.rows[0].datajson.title).toBe('before\\u0000after');

    const p = await env.cli(['poll', '--bus', bus.schema]);
    expect(p.status, p.stderr + p.stdout).toBe(0);
    expect((await busRow(env, bus)).failure_count).toBe(0);
    expect(await pageViews(bus)).toEqual(rest);
    expectNoSecrets(env);
  });
});

describe('a NUL in an event string with poll.invalidEvents = "dead-letter"', () => {
  it('goes to the dead letter by itself and the rest of the window loads', async () => {
    const bus = await env.newBus('nul_dead_letter', []);
    const { events, poison } = views();
    await env.insert(bus, events);
    const poisonId = await idOf(bus, poison.guid);
    const config = await env.writeConfig('dead-letter.json', (c) => {
      c.poll.invalidEvents = 'dead-letter';
    });
    const r = await env.cli(['poll', '--bus', bus.schema], { config });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const dead = await env.t.source.query(`select event_id::text as id, skipped_by, error from rsetl.dead_letter where bus_id = $1`, [bus.busId]);
    expect(dead.rows.map((d) => d.id)).toEqual([poisonId]);
    expect(dead.rows[0].skipped_by).toBe('rsetl poll');
    expect(String(dead.rows[0].error.message)).toContain('title');
    expect(await pageViews(bus)).toEqual(events.filter((e) => e !== poison).map((e) => e.guid));
    expectNoSecrets(env);
  });
});

describe('a NUL in the name of a type rsetl does not handle', () => {
  it('is counted like any unknown type and does not stop the bus', async () => {
    const bus = await env.newBus('nul_type', []);
    const { events } = views();
    const odd = pageView(template, at(10));
    (odd.datajson as Record<string, unknown>).eventType = 'Odd\u0000Event';
    await env.insert(bus, [...events.filter((_, i) => i !== 2), odd]);
    const r = await env.cli(['poll', '--bus', bus.schema]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect((await busRow(env, bus)).failure_count).toBe(0);
    expect(await pageViews(bus)).toHaveLength(4);
    const runs = await env.t.source.query(`select events_by_type from rsetl.run where bus_id = $1`, [bus.busId]);
    expect(runs.rows.map((x) => x.events_by_type)).toContainEqual(expect.objectContaining({ 'unknown:Odd\\u0000Event': 1 }));
  });
});
