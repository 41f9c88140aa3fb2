// Pure value conversions used by the transforms. Each mirrors one computation of the reference
// transform (docs/schema.md#derived-values) and is exact where the reference used
// BigDecimal or whole-second durations.
import { digitsAt, formatTimestamp } from '../sql/timestamp.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const MIN_MS = new Date('0001-01-01T00:00:00.000Z').getTime();
const MAX_MS = new Date('9999-12-31T23:59:59.999Z').getTime();

/**
 * Epoch milliseconds of an instant as the platform writes it: an ISO-8601 string (Jackson's
 * `ExtendedISO8601DateFormat` for `Date`, `Instant.toString` for `Instant`: up to nine fraction
 * digits, `Z` or an offset) or epoch milliseconds. A string without a zone is read as UTC (every
 * platform time is UTC, docs/design.md#transform). Digits past the millisecond are dropped (truncated). Throws on
 * anything else, so a schema can report the field.
 */
export function epochMillis(value: string | number): number {
  if (typeof value === 'string') {
    const fast = canonicalMillis(value);
    if (!Number.isNaN(fast)) return fast;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`not an epoch-millisecond integer: ${value}`);
    if (value < MIN_MS || value > MAX_MS) throw new Error(`instant out of range: ${value}`);
    return value;
  }
  const m = ISO.exec(value.trim());
  if (!m) throw new Error(`not an ISO-8601 timestamp: ${JSON.stringify(value)}`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    throw new Error(`invalid date or time in ${JSON.stringify(value)}`);
  }
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years 1..99 (Date.UTC would add 1900)
  local.setUTCHours(hour, minute, second, Number(frac.padEnd(3, '0').slice(0, 3)));
  if (local.getUTCDate() !== day || local.getUTCMonth() !== month - 1) {
    throw new Error(`invalid calendar date in ${JSON.stringify(value)}`);
  }
  const ms = local.getTime() - offsetMinutes(zone) * 60_000;
  if (ms < MIN_MS || ms > MAX_MS) throw new Error(`instant out of range: ${JSON.stringify(value)}`);
  return ms;
}

/**
 * Whether `s` is in one of the two forms nearly every value has, with a valid date and time:
 * `Instant.toString` / `Date.toISOString` (`YYYY-MM-DDTHH:MM:SS.mmmZ`) or the Redshift form this
 * module writes (`YYYY-MM-DD HH:MM:SS.mmm`). Read character by character: the fast path of
 * `epochMillis` and `redshiftTimestamp`, which the regex and a Date then back for anything else
 * (years below 100 too, since Date.UTC would read them as 19xx).
 */
function isCanonical(s: string): boolean {
  const n = s.length;
  if (n !== 23 && n !== 24) return false;
  if (n === 24 && s.charCodeAt(23) !== 0x5a /* Z */ && s.charCodeAt(23) !== 0x7a /* z */) return false;
  const sep = s.charCodeAt(10);
  if (
    (sep !== 0x54 /* T */ && sep !== 0x20) ||
    s.charCodeAt(4) !== 0x2d /* - */ ||
    s.charCodeAt(7) !== 0x2d ||
    s.charCodeAt(13) !== 0x3a /* : */ ||
    s.charCodeAt(16) !== 0x3a ||
    s.charCodeAt(19) !== 0x2e /* . */
  ) {
    return false;
  }
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 7);
  const day = digitsAt(s, 8, 10);
  // Written so that a NaN field (a non-digit) fails every comparison.
  return (
    year >= 100 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    digitsAt(s, 11, 13) <= 23 &&
    digitsAt(s, 14, 16) <= 59 &&
    digitsAt(s, 17, 19) <= 59 &&
    digitsAt(s, 20, 23) >= 0
  );
}

/** Epoch milliseconds of a string `isCanonical` accepts, else NaN. */
function canonicalMillis(s: string): number {
  if (!isCanonical(s)) return NaN;
  return Date.UTC(
    digitsAt(s, 0, 4),
    digitsAt(s, 5, 7) - 1,
    digitsAt(s, 8, 10),
    digitsAt(s, 11, 13),
    digitsAt(s, 14, 16),
    digitsAt(s, 17, 19),
    digitsAt(s, 20, 23),
  );
}

/** Days of a month of the proleptic Gregorian calendar (as JavaScript's Date counts them). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function offsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) throw new Error(`invalid zone offset ${zone}`);
  return sign * (hours * 60 + minutes);
}

/** Re-exported for the event layer's callers; the one formatter lives in the base (sql/timestamp.ts). */
export { formatTimestamp };

/** Throws exactly when `epochMillis` would, without computing it for the canonical forms. */
export function assertInstant(value: string | number): void {
  if (typeof value !== 'string' || !isCanonical(value)) epochMillis(value);
}

/** A platform instant (ISO string or epoch millis) as a Redshift TIMESTAMP value in UTC. */
export function redshiftTimestamp(value: string | number): string {
  // Either canonical form already spells the UTC fields: rearrange, don't reformat.
  if (typeof value === 'string' && isCanonical(value)) {
    return value.length === 23 && value.charCodeAt(10) === 0x20 ? value : `${value.slice(0, 10)} ${value.slice(11, 23)}`;
  }
  return formatTimestamp(epochMillis(value));
}

/** A platform date (`YYYY-MM-DD`, or any instant `redshiftTimestamp` accepts) as a Redshift DATE. */
export function redshiftDate(value: string | number): string {
  return redshiftTimestamp(value).slice(0, 10);
}

/**
 * `num / den × 100` rounded HALF_UP to 2 places, 0 when `den` is 0 (the reference's grade and
 * progress percentage). The reference converts each double with `BigDecimal(double)`, i.e. from
 * its shortest decimal text, so 2.675 is 2.675 and not 2.67499…; this does the same and then
 * divides exactly with integers, so no binary floating-point rounding creeps in.
 */
export function percentage(num: number, den: number): number {
  if (!Number.isFinite(num) || !Number.isFinite(den)) throw new Error(`percentage of non-finite values ${num}/${den}`);
  if (den === 0) return 0;
  if (Number.isInteger(num) && Number.isInteger(den) && Math.abs(num) <= 1e11 && Math.abs(den) <= 1e15) {
    return integerPercentage(num, den);
  }
  const a = decimal(num);
  const b = decimal(den);
  // (a.int / 10^a.scale) / (b.int / 10^b.scale) × 100 × 100 (two decimal places), as one fraction.
  let n = a.int * 10_000n * 10n ** BigInt(b.scale);
  let d = b.int * 10n ** BigInt(a.scale);
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const hundredths = (abs * 2n + d) / (2n * d); // HALF_UP: ties away from zero
  const result = Number(hundredths) / 100;
  return negative && result !== 0 ? -result : result;
}

/**
 * `percentage` of two integers, the same computation in doubles, for the common case (counts,
 * whole points) where BigInt is much slower: with |num| ≤ 1e11 and |den| ≤ 1e15 every value below
 * stays an integer under 2^53, so all of it is exact except the one division, which is corrected.
 */
function integerPercentage(num: number, den: number): number {
  let n = num * 10_000;
  let d = den;
  if (d < 0) {
    n = -n;
    d = -d;
  }
  const negative = n < 0;
  const top = (negative ? -n : n) * 2 + d; // HALF_UP: ties away from zero, as below
  const bottom = 2 * d;
  let hundredths = Math.floor(top / bottom); // off by at most one: the quotient is < 2^53
  if (hundredths * bottom > top) hundredths--;
  else if ((hundredths + 1) * bottom <= top) hundredths++;
  const result = hundredths / 100;
  return negative && result !== 0 ? -result : result;
}

/** A finite double as an exact decimal `int / 10^scale`, read from its shortest decimal text. */
function decimal(x: number): { int: bigint; scale: number } {
  const [mantissa = '0', exp = '0'] = String(x).toLowerCase().split('e');
  const [whole = '0', frac = ''] = mantissa.split('.');
  let scale = frac.length - Number(exp);
  let int = BigInt(whole + frac);
  if (scale < 0) {
    int *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { int, scale };
}

// `loi.cp.email.EmailAddress`: `^([^+@]+)@(.+)$`, matched against the whole string. Java's `.`
// stops at line terminators, which JavaScript's `.` does not all know; spell them out.
const EMAIL = /^([^+@]+)@([^\n\r\u0085\u2028\u2029]+)$/;

/** The part after `@` when the local part has no `+` and no `@` (so `a+b@x.org` has none); else null. */
export function emailDomain(email: string | null | undefined): string | null {
  if (email === null || email === undefined) return null;
  const m = EMAIL.exec(email);
  return m?.[2] ?? null;
}

type MaybeInstant = string | number | null | undefined;

function wholeUnitsBetween(a: MaybeInstant, b: MaybeInstant, unitMs: number): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  const diff = epochMillis(b) - epochMillis(a);
  return diff < 0 ? null : Math.floor(diff / unitMs);
}

/** Whole hours from `a` to `b` (floor), or null unless both are present and `b ≥ a`. */
export function floorHoursBetween(a: MaybeInstant, b: MaybeInstant): number | null {
  return wholeUnitsBetween(a, b, 3_600_000);
}

/** Whole days (24 h) from `a` to `b` (floor), or null unless both are present and `b ≥ a`. */
export function floorDaysBetween(a: MaybeInstant, b: MaybeInstant): number | null {
  return wholeUnitsBetween(a, b, 86_400_000);
}
