// Parsers for the values users type after a flag. Each one accepts exactly the documented
// spelling and refuses everything else with a message that states the rule, at parse time —
// before any configuration is read or any connection opened — so a typo can never reach a
// database. Commander reports the refusal with the flag's name (`option '--max-events <n>'
// argument '1e3' is invalid. …`), and exit-codes.ts maps it to 64.
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../errors.js';
import { formatPgTimestamp } from '../source/timestamps.js';

const DIGITS = /^[0-9]+$/;

/** A whole number in [min, max], written in plain decimal digits (no `1e3`, `0x10`, `+5`, `5.0`). */
export function intOption(min: number, max: number): (value: string) => number {
  const rule = `must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`;
  return (value: string) => {
    const v = value.trim();
    const negative = v.startsWith('-');
    const digits = negative ? v.slice(1) : v;
    if (!DIGITS.test(digits) || digits.length > 16) throw new InvalidArgumentError(rule);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(rule);
    return n;
  };
}

const INT8_MAX = 9_223_372_036_854_775_807n;

/** A PostgreSQL bigint id (a domain's root_id, an event id), kept as its decimal text. */
export function bigintIdOption(value: string): string {
  const v = value.trim();
  if (!DIGITS.test(v) || v.length > 19 || BigInt(v) > INT8_MAX) {
    throw new InvalidArgumentError('must be a whole number from 0 to 9,223,372,036,854,775,807 (a bigint id)');
  }
  return BigInt(v).toString();
}

/** Collects a repeatable flag's values through a parser. */
export function repeatable<T>(parse: (value: string) => T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), parse(value)];
}

// --- Timestamps ---------------------------------------------------------------------------------

export interface UserTimestamp {
  /** The instant as PostgreSQL `timestamp` text in UTC ('2026-12-02 18:00:00.000000'). */
  utc: string;
  /** Microseconds since the epoch. */
  micros: number;
  /** True when the text named no time zone and was read as UTC. */
  assumedUtc: boolean;
}

// ISO 8601 as people type it: a date, optionally a time (T or a space) with seconds and up to six
// fraction digits, optionally a zone: Z, ±HH, ±HHMM or ±HH:MM.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const TIMESTAMP_RULE =
  'must be an ISO 8601 time such as 2026-12-02T10:00:00Z, 2026-12-02 10:00:00-08:00 or 2026-12-02 (a time without a zone is read as UTC)';

/**
 * Parses a time a user typed, honouring its offset: `2026-12-02T10:00:00-08:00` is 18:00 UTC.
 * Text without a zone is UTC, and the result says so, so the command can tell the user.
 */
export function parseUserTimestamp(text: string): UserTimestamp {
  const m = ISO.exec(text.trim());
  if (!m) throw new InvalidArgumentError(TIMESTAMP_RULE);
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < 1900 || year > 9999 || hour > 23 || minute > 59 || second > 59) throw new InvalidArgumentError(TIMESTAMP_RULE);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-30 over into March: a date that does not exist is refused instead.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
    throw new InvalidArgumentError(`${text.trim()} is not a calendar date`);
  }
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 14 || om > 59) throw new InvalidArgumentError(`${zone} is not a time-zone offset (from -14:00 to +14:00)`);
    offsetMinutes = sign * (oh * 60 + om);
  }
  const micros = (ms - offsetMinutes * 60_000) * 1000 + Number(frac.padEnd(6, '0'));
  return { utc: formatPgTimestamp(micros), micros, assumedUtc: zone === undefined };
}

/**
 * A watermark in the future would skip every event until then, silently: refused unless the user
 * says it is meant (`--allow-future`).
 */
export function assertNotFuture(ts: UserTimestamp, flag: string, allowFuture: boolean | undefined, nowMs = Date.now()): void {
  if (allowFuture || ts.micros <= nowMs * 1000) return;
  throw new UsageError(`${flag} ${ts.utc.slice(0, 19)} UTC is in the future: events before it would never load`, {
    hint: `give a past time, or add --allow-future if the bus should really start then`,
  });
}
