import { describe, expect, it } from 'vitest';
import {
  emailDomain,
  epochMillis,
  floorDaysBetween,
  floorHoursBetween,
  percentage,
  redshiftDate,
  redshiftTimestamp,
} from '../../src/events/values.js';

describe('redshiftTimestamp', () => {
  it('writes the platform ISO form with milliseconds and Z as UTC with milliseconds', () => {
    expect(redshiftTimestamp('2025-03-14T15:09:26.535Z')).toBe('2025-03-14 15:09:26.535');
  });

  it('converts an offset to UTC', () => {
    expect(redshiftTimestamp('2025-03-14T10:09:26.535-05:00')).toBe('2025-03-14 15:09:26.535');
    expect(redshiftTimestamp('2025-01-01T01:30:00.000+0200')).toBe('2024-12-31 23:30:00.000');
    expect(redshiftTimestamp('2025-01-01T05:00:00+05')).toBe('2025-01-01 00:00:00.000');
  });

  it('reads Instant.toString forms: no fraction, or more than three digits (truncated)', () => {
    expect(redshiftTimestamp('2025-03-14T15:09:26Z')).toBe('2025-03-14 15:09:26.000');
    expect(redshiftTimestamp('2025-03-14T15:09:26.5Z')).toBe('2025-03-14 15:09:26.500');
    expect(redshiftTimestamp('2025-03-14T15:09:26.999999999Z')).toBe('2025-03-14 15:09:26.999');
  });

  it('accepts epoch milliseconds', () => {
    expect(redshiftTimestamp(0)).toBe('1970-01-01 00:00:00.000');
    expect(redshiftTimestamp(1741964966535)).toBe('2025-03-14 15:09:26.535');
  });

  it('reads a timestamp without zone as UTC and accepts its own output', () => {
    expect(redshiftTimestamp('2025-03-14 15:09:26.535')).toBe('2025-03-14 15:09:26.535');
  });

  it('keeps years below 100 and up to 9999', () => {
    expect(redshiftTimestamp('0099-01-01T00:00:00Z')).toBe('0099-01-01 00:00:00.000');
    expect(redshiftTimestamp('9999-12-31T23:59:59.999Z')).toBe('9999-12-31 23:59:59.999');
  });

  it('throws on garbage', () => {
    for (const bad of ['', 'yesterday', '2025-13-01T00:00:00Z', '2025-02-30T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T00:00:00+25:00', '2025-01-01T00:00:00.123ZZ']) {
      expect(() => redshiftTimestamp(bad), bad).toThrow();
    }
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1.5, 1e20]) {
      expect(() => redshiftTimestamp(bad), String(bad)).toThrow();
    }
  });

  it('gives epoch milliseconds of both forms', () => {
    expect(epochMillis('1970-01-01T00:00:01.000Z')).toBe(1000);
  });

  // The two canonical forms (`…T…Z` with milliseconds, and the Redshift form) take a character-by-
  // character fast path; the same instant spelled any other way takes the regex. They must agree.
  it('reads the canonical forms as the general path reads the same instant', () => {
    for (const iso of ['2024-02-29T23:59:59.999Z', '2025-03-14T00:00:00.000Z', '0100-01-01T00:00:00.000Z', '1900-02-28T12:00:00.001Z', '2000-02-29T01:02:03.004Z']) {
      const general = iso.replace('Z', '+00:00');
      expect(redshiftTimestamp(iso)).toBe(redshiftTimestamp(general));
      expect(epochMillis(iso)).toBe(epochMillis(general));
      expect(epochMillis(iso)).toBe(Date.parse(iso));
      const redshift = redshiftTimestamp(iso);
      expect(redshiftTimestamp(redshift)).toBe(redshift);
      expect(epochMillis(redshift)).toBe(epochMillis(iso));
    }
  });

  it('refuses impossible canonical dates with the messages of the general path', () => {
    expect(() => epochMillis('2025-02-29T00:00:00.000Z')).toThrow('invalid calendar date in "2025-02-29T00:00:00.000Z"');
    expect(() => epochMillis('1900-02-29 00:00:00.000')).toThrow('invalid calendar date');
    expect(() => epochMillis('2025-04-31T00:00:00.000Z')).toThrow('invalid calendar date');
    expect(() => epochMillis('0000-01-01T00:00:00.000Z')).toThrow('invalid date or time in "0000-01-01T00:00:00.000Z"');
    expect(() => epochMillis('2025-01-01T23:60:00.000Z')).toThrow('invalid date or time');
    expect(() => epochMillis('2025-01-01T00:00:00.00xZ')).toThrow('not an ISO-8601 timestamp: "2025-01-01T00:00:00.00xZ"');
  });
});

describe('redshiftDate', () => {
  it('keeps a date and takes the UTC date of an instant', () => {
    expect(redshiftDate('2025-03-14')).toBe('2025-03-14');
    expect(redshiftDate('2025-03-14T23:30:00.000-02:00')).toBe('2025-03-15');
    expect(redshiftDate(86_400_000)).toBe('1970-01-02');
  });
});

describe('percentage', () => {
  it('is 0 when the denominator is 0', () => {
    expect(percentage(5, 0)).toBe(0);
  });

  it('rounds HALF_UP to two places on the decimal value, not the binary double', () => {
    expect(percentage(2.675, 100)).toBe(2.68);
    expect(percentage(1.005, 100)).toBe(1.01);
    expect(percentage(1, 3)).toBe(33.33);
    expect(percentage(2, 3)).toBe(66.67);
    expect(percentage(1, 8)).toBe(12.5);
    expect(percentage(7, 7)).toBe(100);
    expect(percentage(0.1 + 0.2, 1)).toBe(30); // 0.30000000000000004 × 100 = 30.000000000000004
  });

  it('rounds ties away from zero for negative values, as BigDecimal HALF_UP does', () => {
    expect(percentage(-2.675, 100)).toBe(-2.68);
    expect(percentage(1, -8)).toBe(-12.5);
    expect(percentage(-0.001, 100)).toBe(0);
  });

  // Integers take a double-arithmetic path, everything else BigInt; both must round alike.
  it('rounds integers exactly as the same values written as decimals', () => {
    expect(percentage(1, 800)).toBe(0.13); // 0.125 → 0.13
    expect(percentage(-1, 800)).toBe(-0.13);
    expect(percentage(1, -800)).toBe(-0.13);
    expect(percentage(-1, -800)).toBe(0.13);
    expect(percentage(1, 800)).toBe(percentage(0.5, 400));
    expect(percentage(1, 3)).toBe(percentage(0.1, 0.3));
    expect(percentage(99_999_999_999, 1e15 - 1)).toBe(0.01); // the integer path's bounds
    expect(percentage(1e11, 7)).toBe(1428571428571.43);
    expect(percentage(2 ** 53 - 1, 3)).toBe(300239975158033000); // past them: BigInt
    expect(Object.is(percentage(-0, 5), 0)).toBe(true);
  });

  it('handles exponent notation', () => {
    expect(percentage(1e-7, 1e-5)).toBe(1);
    expect(percentage(3e21, 1e22)).toBe(30);
  });
});

describe('emailDomain', () => {
  it('is the part after @', () => {
    expect(emailDomain('ada@example.edu')).toBe('example.edu');
  });

  it('is null when the local part has a + (the reference regex excludes it)', () => {
    expect(emailDomain('ada+lms@example.edu')).toBeNull();
  });

  it('is null without @, for an empty domain, or when absent', () => {
    expect(emailDomain('ada.example.edu')).toBeNull();
    expect(emailDomain('ada@')).toBeNull();
    expect(emailDomain('@example.edu')).toBeNull();
    expect(emailDomain(null)).toBeNull();
    expect(emailDomain(undefined)).toBeNull();
  });

  it('keeps everything after the first @, like the reference', () => {
    expect(emailDomain('ada@b@c')).toBe('b@c');
  });
});

describe('floorHoursBetween / floorDaysBetween', () => {
  it('floors whole hours and days', () => {
    expect(floorHoursBetween('2025-01-01T00:00:00.000Z', '2025-01-01T02:59:59.999Z')).toBe(2);
    expect(floorDaysBetween('2025-01-01T00:00:00.000Z', '2025-01-03T23:00:00.000Z')).toBe(2);
    expect(floorHoursBetween('2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')).toBe(0);
  });

  it('is null when either is missing or the second is earlier', () => {
    expect(floorHoursBetween(null, '2025-01-01T00:00:00.000Z')).toBeNull();
    expect(floorHoursBetween('2025-01-01T00:00:00.000Z', undefined)).toBeNull();
    expect(floorDaysBetween('2025-01-02T00:00:00.000Z', '2025-01-01T00:00:00.000Z')).toBeNull();
  });

  it('reads Redshift timestamps too', () => {
    expect(floorHoursBetween('2025-01-01 00:00:00.000', '2025-01-01 05:00:00.000')).toBe(5);
  });
});
