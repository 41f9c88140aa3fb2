import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../../src/pipeline/backoff.js';

describe('the retry schedule of a failing bus', () => {
  const noJitter = () => 0.5;

  it('doubles from the poll interval as the reference did (4, 8, 16 … minutes at 240 s)', () => {
    const delays = [0, 1, 2, 3].map((failures) => retryDelaySeconds({ intervalSeconds: 240, failures, capSeconds: 86400, random: noJitter }));
    expect(delays).toEqual([240, 480, 960, 1920]);
  });

  it('never waits longer than the cap, however many failures', () => {
    expect(retryDelaySeconds({ intervalSeconds: 240, failures: 40, capSeconds: 3600, random: noJitter })).toBe(3600);
    expect(retryDelaySeconds({ intervalSeconds: 240, failures: 40, capSeconds: 3600, random: () => 0.999 })).toBe(3600);
  });

  it('spreads retries by ±10 % so buses that failed together do not retry together', () => {
    expect(retryDelaySeconds({ intervalSeconds: 100, failures: 0, capSeconds: 1000, random: () => 0 })).toBe(90);
    expect(retryDelaySeconds({ intervalSeconds: 100, failures: 0, capSeconds: 1000, random: () => 0.999 })).toBe(110);
  });
});
