import { describe, expect, it } from 'vitest';
import { isLoadId, newLoadId } from '../../src/stage/load-id.js';

describe('load ids', () => {
  it('names the start second and the bus, and the retention sweep recognises every id made', () => {
    const id = newLoadId(42, new Date('2026-11-25T17:04:05.678Z'));
    expect(id).toMatch(/^20261125T170405Z-b42-[0-9a-f]{6}$/);
    expect(isLoadId(id)).toBe(true);
    expect(newLoadId(42)).not.toBe(newLoadId(42));
  });

  it('does not take other folder names for a load', () => {
    for (const name of ['20261125T170405Z-b42-abcdef.json', '20261125T170405Z-b42', 'manual-backup', '20261125T170405Z-bx-abcdef', '']) {
      expect(isLoadId(name), name).toBe(false);
    }
  });
});
