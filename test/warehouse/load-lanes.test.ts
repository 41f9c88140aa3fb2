// How a load's COPYs are split across lanes (warehouse/load-lanes.ts): every table exactly once,
// the most expensive first to the least loaded lane, never more lanes than tables, and the same
// split for the same load.
import { describe, expect, it } from 'vitest';
import { TABLE_DEFS, tableByName } from '../../src/model/tables.js';
import type { StagedTableWork } from '../../src/warehouse/load.js';
import { assignLanes, laneStageName } from '../../src/warehouse/load-lanes.js';

const work = (name: string, compressedBytes: number): StagedTableWork => ({
  table: tableByName(name as Parameters<typeof tableByName>[0]),
  staged: { name, manifestKey: '', manifestUrl: '', rows: 1, bytes: compressedBytes * 5, compressedBytes, parts: [], partRows: [] },
});

describe('assignLanes', () => {
  const names = TABLE_DEFS.map((t) => t.name);

  it('puts every table in exactly one lane, and never opens more lanes than tables', () => {
    const all = names.map((n, i) => work(n, 1000 * (i + 1)));
    for (const lanes of [1, 2, 4, 16, 64]) {
      const split = assignLanes(all, lanes);
      expect(split).toHaveLength(Math.min(lanes, all.length));
      expect(split.flat().map((w) => w.table.name).sort()).toEqual([...names].sort());
      expect(split.every((l) => l.length > 0)).toBe(true);
    }
    expect(assignLanes(all.slice(0, 3), 8)).toHaveLength(3);
  });

  it('gives a large file a lane of its own while the small ones share the others', () => {
    const big = work(names[0]!, 50 << 20);
    const small = names.slice(1, 9).map((n) => work(n, 10_000));
    const split = assignLanes([...small, big], 3);
    const bigLane = split.find((l) => l.includes(big))!;
    expect(bigLane).toEqual([big]);
    // Eight small COPYs over the two other lanes: four each.
    expect(split.filter((l) => l !== bigLane).map((l) => l.length)).toEqual([4, 4]);
  });

  it('splits the same load the same way whatever order its tables come in', () => {
    const all = names.slice(0, 12).map((n, i) => work(n, (i % 3) * 5000));
    const a = assignLanes(all, 4).map((l) => l.map((w) => w.table.name));
    const b = assignLanes([...all].reverse(), 4).map((l) => l.map((w) => w.table.name));
    expect(b).toEqual(a);
  });
});

describe('laneStageName', () => {
  it('names the bus and the table, within the 63 bytes the stand-in (and PostgreSQL) keep', () => {
    for (const t of TABLE_DEFS) {
      const name = laneStageName(2_147_483_647, t);
      expect(name).toMatch(/^rsetl_stage_b2147483647_[a-z_]+$/);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    }
  });
});
