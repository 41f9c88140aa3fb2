// The poll pass's read turns (pipeline/read-turns.ts): one holder at a time, granted in the order
// asked for; only a turn asked for while another is open waits (and says so); ending a turn twice
// cannot hand out a second one.
import { describe, expect, it } from 'vitest';
import { readTurns } from '../../src/pipeline/read-turns.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('read turns', () => {
  it('one at a time, first asked first served; only those that wait are told', async () => {
    const turn = readTurns();
    const log: string[] = [];
    const ask = (name: string) =>
      turn(() => log.push(`${name} waits`)).then((end) => {
        log.push(`${name} holds`);
        return end;
      });
    const endA = await ask('a');
    const b = ask('b');
    const c = ask('c');
    await tick();
    expect(log).toEqual(['a holds', 'b waits', 'c waits']);
    endA();
    const endB = await b;
    await tick();
    expect(log.at(-1)).toBe('b holds');
    // Ending a turn again does nothing: c still waits for b.
    endA();
    await tick();
    expect(log.at(-1)).toBe('b holds');
    endB();
    (await c)();
    expect(log).toEqual(['a holds', 'b waits', 'c waits', 'b holds', 'c holds']);
    // Nobody holds a turn now: the next is granted without waiting.
    await ask('d');
    expect(log.at(-1)).toBe('d holds');
    expect(log).not.toContain('d waits');
  });
});
