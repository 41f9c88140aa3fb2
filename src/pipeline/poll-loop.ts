// `poll --loop`: a daemon that polls, sleeps until the next bus *of its selection* is due (at most
// the poll interval), and stops cleanly when asked. The sleep wakes early when a stop is
// requested. While nothing is due it costs the source one query per wake-up, so `--loop --bus X`
// next to other busy buses does not spin (npm run bench reports the idle queries per minute).
import type { RsetlConfig } from '../config/schema.js';
import type { Connections } from './connections.js';
import { pollOnce, type PollOptions, type PollSummary } from './poller.js';

export interface LoopHooks {
  /** After each pass, awaited: what it did, and when it started (Date.now()). */
  onPass?: (s: PollSummary, pass: { startedAt: number }) => void | Promise<void>;
  /**
   * A wake-up that found nothing due, awaited (at most once per poll.intervalSeconds, never right
   * after a pass): `--metrics-file` stays fresh while every bus is paused, blocked or not due.
   */
  onIdle?: () => void | Promise<void>;
}

export async function pollLoop(conn: Connections, config: RsetlConfig, opts: PollOptions & LoopHooks): Promise<PollSummary> {
  const deadline = Date.now() + (opts.maxSeconds ?? Number.POSITIVE_INFINITY) * 1000;
  const { buses } = await conn.control();
  // Resolved once: a ref that names no bus is a usage error at start, not on every pass.
  const among = opts.buses?.length ? (await buses.findBuses(opts.buses)).map((b) => b.id) : undefined;
  let last: PollSummary = { buses: [], failing: [] };
  let afterPass = false;
  for (let first = true; !opts.shouldStop?.() && Date.now() < deadline; first = false) {
    const due = first ? 0 : await buses.secondsUntilNextDue(among);
    let wait = Math.min(due ?? config.poll.intervalSeconds, config.poll.intervalSeconds);
    if (due !== 0) {
      if (!afterPass) await opts.onIdle?.();
      afterPass = false;
    } else {
      const startedAt = Date.now();
      last = await pollOnce(conn, config, { ...opts, maxSeconds: Math.max(1, (deadline - Date.now()) / 1000) });
      await opts.onPass?.(last, { startedAt });
      afterPass = true;
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
