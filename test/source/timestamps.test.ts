// parsePgTimestamp reads the usual form digit by digit (every outbox row's time goes through it):
// held here to the regex it had before, on PostgreSQL's output forms and on near misses.
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/demo/random.js';
import { formatPgTimestamp, parsePgTimestamp } from '../../src/source/timestamps.js';

const PG_TS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

function reference(text: string): number {
  const m = PG_TS.exec(text);
  if (!m) throw new Error(`not a timestamp: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac = ''] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) * 1000 + Number(frac.padEnd(6, '0'));
}

const same = (text: string) => {
  let want: number | Error;
  try {
    want = reference(text);
  } catch (e) {
    want = e as Error;
  }
  if (want instanceof Error) expect(() => parsePgTimestamp(text), text).toThrow(want.message);
  else expect(parsePgTimestamp(text), text).toBe(want);
};

describe('parsePgTimestamp', () => {
  it('matches the regex reading on PostgreSQL output and near misses', () => {
    for (const t of [
      '2026-01-10 12:00:00', '2026-01-10 12:00:00.5', '2026-01-10 12:00:00.123456', '2026-01-10T12:00:00.000001', '1970-01-01 00:00:00',
      '0001-01-01 00:00:00', '0099-12-31 23:59:59.9', '9999-12-31 23:59:59.999999', '2026-02-30 25:61:61.1', '2026-01-10 12:00:00.',
      '2026-01-10 12:00:00.1234567', '2026-01-10  12:00:00', '2026-01-10 12:00', '26-01-10 12:00:00', '2026-01-10 12:00:00 BC',
      '12026-01-10 12:00:00', '2026-01-10 12:00:0x', '２026-01-10 12:00:00', '2026/01/10 12:00:00', '', ' 2026-01-10 12:00:00',
    ]) same(t);
  });

  it('matches it on random timestamps and their formatting round trip', () => {
    const r = createRandom(7);
    for (let i = 0; i < 5000; i++) {
      const micros = r.int(-62_135_596_800, 253_402_300_799) * 1_000_000 + r.int(0, 999_999);
      const text = formatPgTimestamp(micros);
      const trimmed = r.chance(0.5) ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
      same(trimmed);
      if (micros >= 0) expect(parsePgTimestamp(text)).toBe(micros);
    }
  });
});
