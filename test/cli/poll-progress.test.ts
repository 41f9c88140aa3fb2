// The progress line of `rsetl poll` when several buses load at once: still one line, which counts
// the buses loading and their events and shows the bus that reported last; one bus alone reads as
// it always did.
import { describe, expect, it } from 'vitest';
import { loadReporter } from '../../src/cli/commands/poll.js';
import type { Output } from '../../src/cli/context.js';
import type { LoadOutcome } from '../../src/pipeline/load-window.js';
import type { BusOutcome } from '../../src/pipeline/poller.js';

function reporter() {
  const lines: string[] = [];
  const out = { progress: (t: string) => lines.push(t), verbose: () => undefined } as unknown as Output;
  return { r: loadReporter(out), lines };
}

describe('poll progress with several buses', () => {
  it('one bus: the bus, its stage and counts', () => {
    const { r, lines } = reporter();
    r.onProgress({ busId: 3, stage: 'reading', events: 1200, rowsStaged: 0 });
    expect(lines.at(-1)).toMatch(/^bus 3: reading, 1,200 events read, 0 rows staged, \d+\.\d s$/);
  });

  it("a bus waiting for its turn to read on says whose turn it waits for", () => {
    const { r, lines } = reporter();
    r.onProgress({ busId: 4, stage: 'waiting', events: 5000, rowsStaged: 4100 });
    expect(lines.at(-1)).toMatch(/^bus 4: waiting for another bus's read, 5,000 events read, 4,100 rows staged, /);
  });

  it('several buses: how many are loading and their events, then the latest; a bus leaves the count when done', () => {
    const { r, lines } = reporter();
    r.onProgress({ busId: 1, stage: 'reading', events: 1000, rowsStaged: 0 });
    r.onProgress({ busId: 2, stage: 'staging', events: 500, rowsStaged: 700 });
    expect(lines.at(-1)).toMatch(/^2 buses loading, 1,500 events read; bus 2: staging, 500 events read, 700 rows staged, /);
    r.onProgress({ busId: 3, stage: 'loading', events: 10, rowsStaged: 20, copiesDone: 1, copiesTotal: 4, table: 'usr' });
    expect(lines.at(-1)).toMatch(/^3 buses loading, 1,510 events read; bus 3: loading, 10 events read, 20 rows staged, COPY 1\/4 \(usr\), /);
    r.onLoad({ busId: 1, loadId: 'l1', outcome: 'loaded', events: 1000, windowFrom: '', windowTo: '', tables: {}, bytesStaged: 0, copies: 0, statements: 0, durationMs: 0 } as unknown as LoadOutcome);
    r.onBusDone({ busId: 3 } as BusOutcome);
    r.onProgress({ busId: 2, stage: 'loading', events: 500, rowsStaged: 700, copiesDone: 2, copiesTotal: 2, table: 'asset' });
    expect(lines.at(-1)).toMatch(/^bus 2: loading, 500 events read, 700 rows staged, COPY 2\/2 \(asset\), /);
  });
});
