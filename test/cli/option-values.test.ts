import { describe, expect, it } from 'vitest';
import { assertNotFuture, bigintIdOption, busRefArgument, intOption, nameOption, parseUserTimestamp, passwordOption, textOption } from '../../src/cli/option-values.js';

describe('parseUserTimestamp', () => {
  it('honours every offset form and says when it assumed UTC', () => {
    expect(parseUserTimestamp('2026-12-02T10:00:00-08:00')).toMatchObject({ utc: '2026-12-02 18:00:00.000000', assumedUtc: false });
    expect(parseUserTimestamp('2026-12-02T10:00:00+05:30').utc).toBe('2026-12-02 04:30:00.000000');
    expect(parseUserTimestamp('2026-12-02T10:00:00+0530').utc).toBe('2026-12-02 04:30:00.000000');
    expect(parseUserTimestamp('2026-12-02T10:00:00Z')).toMatchObject({ utc: '2026-12-02 10:00:00.000000', assumedUtc: false });
    expect(parseUserTimestamp('2026-12-02 10:00')).toMatchObject({ utc: '2026-12-02 10:00:00.000000', assumedUtc: true });
    expect(parseUserTimestamp('2026-12-02')).toMatchObject({ utc: '2026-12-02 00:00:00.000000', assumedUtc: true });
  });

  it('keeps microseconds, which a watermark has', () => {
    expect(parseUserTimestamp('2026-12-02T10:00:00.123456Z').utc).toBe('2026-12-02 10:00:00.123456');
  });

  it('refuses what is not a real time', () => {
    for (const bad of ['yesterday', '12/02/2026', '2026-02-30', '2026-12-02T24:00:00Z', '2026-12-02T10:00:00+15:00', '1800-01-01', '', '2026-12-02T10:00:00 UTC']) {
      expect(() => parseUserTimestamp(bad), bad).toThrow();
    }
  });

  it('refuses the future unless allowed', () => {
    const now = Date.UTC(2026, 11, 3);
    const future = parseUserTimestamp('2026-12-04T00:00:00Z');
    expect(() => assertNotFuture(future, '--since', false, now)).toThrow(/--since 2026-12-04 00:00:00 UTC is in the future/);
    expect(() => assertNotFuture(future, '--since', true, now)).not.toThrow();
    expect(() => assertNotFuture(parseUserTimestamp('2026-12-02'), '--since', false, now)).not.toThrow();
  });
});

describe('the other value kinds', () => {
  it('whole numbers in plain digits and range only', () => {
    const p = intOption(1, 1000);
    expect(p('1000')).toBe(1000);
    for (const bad of ['1e3', '0', '1001', 'abc', '2.5', '0x10', '+5', '', ' ']) expect(() => p(bad), bad).toThrow(/whole number from 1 to 1,000/);
  });

  it('bigint ids up to int8', () => {
    expect(bigintIdOption('9223372036854775807')).toBe('9223372036854775807');
    expect(bigintIdOption('007')).toBe('7');
    for (const bad of ['9223372036854775808', '99999999999999999999', '-1', '1.0']) expect(() => bigintIdOption(bad), bad).toThrow();
  });

  it('bus refs, names, reasons and passwords', () => {
    expect(busRefArgument('loan_2')).toBe('loan_2');
    expect(busRefArgument('12')).toBe('12');
    for (const bad of ['lo an', 'a;b', '-1', 'x'.repeat(128)]) expect(() => busRefArgument(bad), bad).toThrow();
    expect(() => nameOption('x'.repeat(200))).toThrow(/200 bytes, and a Redshift name is at most 127 bytes/);
    for (const bad of ['', 'a"b', 'a\tb']) expect(() => nameOption(bad), bad).toThrow();
    expect(textOption(10)('  why  ')).toBe('why');
    for (const bad of ['', '   ', 'x'.repeat(11), 'a\nb']) expect(() => textOption(10)(bad), JSON.stringify(bad)).toThrow();
    expect(passwordOption('Secret-Pw-9')).toBe('Secret-Pw-9');
    for (const bad of ['short1A', 'nouppercase1', 'NOLOWER1', 'NoDigitsHere', "Quote'1Aa", 'At@sign1Aa']) expect(() => passwordOption(bad), bad).toThrow();
  });
});
