// An outbox transaction that commits later than the lookback, with a time the window has already
// passed, is never loaded (the reference algorithm's limit). rsetl counts such events and shows
// them: in the poll that finds them and in `status`, once each, never silently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseStream, busRow, pageView, startFaultEnv, typeOf, type FaultEnv } from './harness.js';

let env: FaultEnv;
const stream = baseStream(41, 4);
const template = stream.find((e) => typeOf(e) === 'PageNavEvent')!;

beforeAll(async () => {
  env = await startFaultEnv({ stream });
});
afterAll(async () => {
  await env?.stop();
});

const statusOf = async (busId: number) => JSON.parse((await env.cli(['status', '--json'])).stdout).buses.find((b: { id: number }) => b.id === busId);

describe('events committed too late for the window', () => {
  it('are counted by status at once, reported by the next poll, and counted once', async () => {
    const bus = await env.newBus('late_count');
    expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
    expect((await statusOf(bus.busId)).lateEvents).toBe(0);
    const watermark = (await busRow(env, bus)).window_time as Date;

    // Two rows dated before the watermark commit after the load read: no window will see them.
    // A third, dated now, is on time.
    await env.insert(bus, [pageView(template, new Date(watermark.getTime() - 60_000)), pageView(template, new Date(watermark.getTime() - 1_000))]);
    await env.insert(bus, [pageView(template, new Date(Date.now() - 1_000))]);
    const s = await statusOf(bus.busId);
    expect(s).toMatchObject({ lateEvents: 2, pendingEvents: 1 });
    expect(s.action).toMatch(/2 event\(s\) committed after the window had passed their time/);

    await env.pump(bus);
    const r = await env.cli(['poll', '--bus', bus.schema]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 event\(s\) committed after the window had passed their time/);
    expect((await statusOf(bus.busId)).lateEvents).toBe(2);

    // Later loads do not count them again.
    await env.pump(bus);
    const again = await env.cli(['poll', '--bus', bus.schema]);
    expect(again.stderr).not.toMatch(/committed after the window/);
    expect((await statusOf(bus.busId)).lateEvents).toBe(2);
    expect((await busRow(env, bus)).statistics.lateEvents).toBe(2);
  });

  it('a watermark moved by a person starts the count afresh', async () => {
    const bus = await env.newBus('late_moved');
    expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
    const watermark = (await busRow(env, bus)).window_time as Date;
    await env.insert(bus, [pageView(template, new Date(watermark.getTime() - 30_000))]);
    expect((await statusOf(bus.busId)).lateEvents).toBe(1);
    const back = new Date(watermark.getTime() - 120_000).toISOString();
    expect((await env.cli(['bus', 'set', bus.schema, '--watermark', back, '--reason', 'load the late row', '--yes'])).status).toBe(0);
    expect((await statusOf(bus.busId)).lateEvents).toBe(0);
    expect((await env.cli(['poll', '--bus', bus.schema])).status).toBe(0);
    expect((await statusOf(bus.busId)).lateEvents).toBe(0);
  });
});
