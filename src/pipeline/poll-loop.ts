// `poll --loop`: a daemon that polls, sleeps until the next bus *of its selection* is due (at most
// the poll interval), and stops cleanly when asked. The sleep wakes early when a stop is
// requested. While nothing is due it costs the source one query per wake-up, so `--loop --bus X`
// next to other busy buses does not spin (npm run bench reports the idle queries per minute).
import type { RsetlConfig } from '../config/schema.js';
import type { Connections } from './connections.js';
import { pollOnce, type PollOptions, type PollSummary } from './poller.js';

export async function pollLoop(
  conn: Connections,
  config: RsetlConfig,
  opts: PollOptions & { onPass?: (s: PollSummary) => void },
): Promise<PollSummary> {
  const deadline = Date.now() + (opts.maxSeconds ?? Number.POSITIVE_INFINITY) * 1000;
  const { buses } = await conn.control();
  // Resolved once: a ref that names no bus is a usage error at start, not on every pass.
  const among = opts.buses?.length ? (await buses.findBuses(opts.buses)).map((b) => b.id) : undefined;
  let last: PollSummary = { buses: [], failing: [] };
  for (let first = true; !opts.shouldStop?.() && Date.now() < deadline; first = false) {
    const due = first ? 0 : await buses.secondsUntilNextDue(among);
    let wait = Math.min(due ?? config.poll.intervalSeconds, config.poll.intervalSeconds);
    if (due === 0) {
      last = await pollOnce(conn, config, { ...opts, maxSeconds: Math.max(1, (deadline - Date.now()) / 1000) });
      opts.onPass?.(last);
      // Due buses that another process holds stay due: give that process time instead of
      // asking for the lock again at once.
      const heldOnly = last.buses.some((b) => b.status === 'locked') && last.buses.every((b) => b.status === 'locked' || b.status === 'not-due');
      wait = heldOnly ? Math.min(config.poll.intervalSeconds, 10) : 0;
    }
    const until = Date.now() + Math.min(wait * 1000, Math.max(0, deadline - Date.now()));
    while (Date.now() < until && !opts.shouldStop?.()) await new Promise((r) => setTimeout(r, Math.min(250, until - Date.now())));
  }
  return last;
}
