// The poll pass's read turns (pipeline/read-turns.ts): one holder at a time, granted in the order
// asked for; only a turn asked for while another is open waits (and says so); ending a turn twice
// cannot hand out a second one; once the pass is stopping, every turn is refused, also to those
// already waiting, and refusing one does not block the next.
import { describe, expect, it } from 'vitest';
import { readTurns, type ReadTurn } from '../../src/pipeline/read-turns.js';

const tick = () => new Promise((r) => setImmediate(r));

function asker(turn: ReadTurn, log: string[]) {
  return (name: string) =>
    turn(() => log.push(`${name} waits`)).then((end) => {
      log.push(end ? `${name} holds` : `${name} refused`);
      return end;
    });
}

describe('read turns', () => {
  it('one at a time, first asked first served; only those that wait are told', async () => {
    const log: string[] = [];
    const ask = asker(readTurns(), log);
    const endA = (await ask('a'))!;
    const b = ask('b');
    const c = ask('c');
    await tick();
    expect(log).toEqual(['a holds', 'b waits', 'c waits']);
    endA();
    const endB = (await b)!;
    await tick();
    expect(log.at(-1)).toBe('b holds');
    // Ending a turn again does nothing: c still waits for b.
    endA();
    await tick();
    expect(log.at(-1)).toBe('b holds');
    endB();
    (await c)!();
    expect(log).toEqual(['a holds', 'b waits', 'c waits', 'b holds', 'c holds']);
    // Nobody holds a turn now: the next is granted without waiting.
    await ask('d');
    expect(log.at(-1)).toBe('d holds');
    expect(log).not.toContain('d waits');
  });

  it('a stopping pass refuses every turn, the waiting ones when theirs comes', async () => {
    const log: string[] = [];
    let stopping = false;
    const ask = asker(readTurns(() => stopping), log);
    const endA = (await ask('a'))!;
    const b = ask('b');
    const c = ask('c');
    await tick();
    stopping = true;
    endA();
    expect(await b).toBeNull();
    expect(await c).toBeNull();
    expect(await ask('d')).toBeNull();
    expect(log).toEqual(['a holds', 'b waits', 'c waits', 'b refused', 'c refused', 'd refused']);
  });
});
