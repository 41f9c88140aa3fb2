// Waiting for something to happen instead of sleeping and hoping it did: a probe is asked until it
// answers (anything but undefined or false), and the wait fails, naming what it waited for, after
// `timeoutMs`. The deadline is for a test that would otherwise hang: a passing test never waits it
// out, so it is generous (a busy two-core machine runs every test file two at a time).
import { setTimeout as sleep } from 'node:timers/promises';

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 25): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
