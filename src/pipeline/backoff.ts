// The retry schedule of a failing bus, in one place (as graphile-worker's failJobs;
// docs/design.md#backoff). interval × 2^failures as in the old poller (4, 8, 16 … minutes at
// 240 s), capped, with ±10 % jitter so buses that failed together do not retry together.

export function retryDelaySeconds(input: {
  intervalSeconds: number;
  /** Failures before this one (0 for the first failure). */
  failures: number;
  capSeconds: number;
  random?: () => number;
}): number {
  const exponent = Math.min(input.failures, 30);
  const base = Math.min(input.capSeconds, input.intervalSeconds * 2 ** exponent);
  const jitter = 1 + ((input.random ?? Math.random)() * 0.2 - 0.1);
  return Math.max(1, Math.round(Math.min(input.capSeconds, base * jitter)));
}
