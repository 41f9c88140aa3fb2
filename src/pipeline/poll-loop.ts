// `poll --loop`: a daemon that polls, sleeps until the next bus is due (at most the poll
// interval), and stops cleanly when asked. The sleep wakes early when a stop is requested.
import type { RsetlConfig } from '../config/schema.js';
import type { Connections } from './connections.js';
import { pollOnce, type PollOptions, type PollSummary } from './poller.js';

export async function pollLoop(
  conn: Connections,
  config: RsetlConfig,
  opts: PollOptions & { onPass?: (s: PollSummary) => void },
): Promise<PollSummary> {
  const deadline = Date.now() + (opts.maxSeconds ?? Number.POSITIVE_INFINITY) * 1000;
  let last: PollSummary = { buses: [], failing: [] };
  while (!opts.shouldStop?.() && Date.now() < deadline) {
    last = await pollOnce(conn, config, { ...opts, maxSeconds: Math.max(1, (deadline - Date.now()) / 1000) });
    opts.onPass?.(last);
    const { buses } = await conn.control();
    const due = (await buses.secondsUntilNextDue()) ?? config.poll.intervalSeconds;
    const wait = Math.min(due, config.poll.intervalSeconds, Math.max(0, (deadline - Date.now()) / 1000)) * 1000;
    const until = Date.now() + wait;
    while (Date.now() < until && !opts.shouldStop?.()) await new Promise((r) => setTimeout(r, Math.min(250, until - Date.now())));
  }
  return last;
}
