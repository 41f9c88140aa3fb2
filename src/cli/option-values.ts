// Parsers for the values users type after a flag or as an argument. Each one accepts exactly the
// documented spelling and refuses everything else with a message that states the rule, at parse
// time — before any configuration is read or any connection opened — so a typo can never reach a
// database. Commander reports the refusal with the flag's name (`option '--max-events <n>'
// argument '1e3' is invalid. …`), and exit-codes.ts maps it to 64.
//
// Every parser carries its `kind`: what sort of value it accepts. Every value flag of every
// command has one (test/cli/flag-fuzz.test.ts checks it and feeds each kind values it must refuse).
import { InvalidArgumentError } from 'commander';
import { parseRedshiftUrl } from '../config/redshift-url.js';
import { UsageError } from '../errors.js';
import { epochMillis } from '../events/values.js';
import { formatPgTimestamp } from '../source/timestamps.js';

export type ValueKind =
  | { type: 'int'; min: number; max: number }
  | { type: 'id' }
  | { type: 'time' }
  | { type: 'bus' }
  | { type: 'name' }
  | { type: 'text'; max: number }
  | { type: 'sql' }
  | { type: 'choice'; choices: readonly string[] }
  | { type: 'password' }
  | { type: 'aws'; what: 'cluster' | 'workgroup' | 'region' | 'profile' }
  | { type: 'url'; what: 'postgres' | 'redshift' }
  /** A path; checked for its use (src/cli/paths.ts) when the command starts. */
  | { type: 'path'; use: 'config' | 'out-dir' | 'out-file' | 'in-dir' | 'in-file' };

/** A parser as commander calls it (value, previous value), with its kind. */
export type ValueParser<T> = ((value: string, previous?: T) => T) & { kind: ValueKind };

function parser<T>(kind: ValueKind, parse: (value: string) => T): ValueParser<T> {
  return Object.assign((value: string) => parse(value), { kind });
}

/** Control characters (tabs and line breaks too) have no place in a name, a reason or a path. */
const CONTROL = /[\u0000-\u001f\u007f]/;
const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

const DIGITS = /^[0-9]+$/;

/** A whole number in [min, max], written in plain decimal digits (no `1e3`, `0x10`, `+5`, `5.0`). */
export function intOption(min: number, max: number): ValueParser<number> {
  const rule = `must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`;
  return parser({ type: 'int', min, max }, (value: string) => {
    const v = value.trim();
    const negative = v.startsWith('-');
    const digits = negative ? v.slice(1) : v;
    if (!DIGITS.test(digits) || digits.length > 16) throw new InvalidArgumentError(rule);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(rule);
    return n;
  });
}

const INT8_MAX = 9_223_372_036_854_775_807n;

/** A PostgreSQL bigint id (a domain's root_id, an event id), kept as its decimal text. */
export const bigintIdOption = parser({ type: 'id' }, (value: string): string => {
  const v = value.trim();
  if (!DIGITS.test(v) || v.length > 19 || BigInt(v) > INT8_MAX) {
    throw new InvalidArgumentError('must be a whole number from 0 to 9,223,372,036,854,775,807 (a bigint id)');
  }
  return BigInt(v).toString();
});

/** Collects a repeatable flag's values through a parser (the collection keeps its kind). */
export function repeatable<T>(parse: ValueParser<T>): ValueParser<T[]> {
  return Object.assign((value: string, previous?: T[]) => [...(previous ?? []), parse(value)], { kind: parse.kind });
}

/** Dead letter ids: `3`, or `3,4` (the flag may also repeat or take several values). */
export const idListOption = parser({ type: 'id' }, (value: string): string => {
  const ids = value.split(',').map((v) => v.trim());
  const bad = ids.filter((v) => !/^[1-9][0-9]{0,17}$/.test(v));
  if (bad.length > 0) throw new InvalidArgumentError('must be dead letter ids: whole numbers, several separated by commas');
  return ids.join(',');
});

/** A bus as the commands name it: its id, or its schema's name. */
export const busRefArgument = parser({ type: 'bus' }, (value: string): string => {
  const v = value.trim();
  if (!/^([0-9]{1,10}|[A-Za-z_][A-Za-z0-9_$]*)$/.test(v) || utf8Bytes(v) > 127) {
    throw new InvalidArgumentError('must be a bus id (a whole number) or a schema name (letters, digits, _ and $, at most 127 bytes)');
  }
  return v;
});

/**
 * The name of a Redshift object rsetl is given (a schema, a group, a user, a database): 1 to 127
 * bytes, no control characters and no double quote (rsetl quotes names itself). Stricter rules of
 * a command (a bus schema it creates) apply on top.
 */
export const nameOption = parser({ type: 'name' }, (value: string): string => {
  const bytes = utf8Bytes(value);
  if (bytes > 127) throw new InvalidArgumentError(`is too long: ${bytes} bytes, and a Redshift name is at most 127 bytes`);
  if (value.length === 0 || CONTROL.test(value) || value.includes('"')) {
    throw new InvalidArgumentError('must be a Redshift name: 1 to 127 bytes, no control characters or double quotes');
  }
  return value;
});

/** Free text a person gives for the record (a reason, who decided): not blank, bounded, one line or a few. */
export function textOption(max: number): ValueParser<string> {
  return parser({ type: 'text', max }, (value: string): string => {
    const v = value.trim();
    if (v.length === 0 || v.length > max || CONTROL.test(v)) {
      throw new InvalidArgumentError(`must be text of 1 to ${max.toLocaleString('en-US')} characters, without control characters`);
    }
    return v;
  });
}

/** One of a few words. */
export function choiceOption<T extends string>(choices: readonly T[]): ValueParser<T> {
  return parser({ type: 'choice', choices }, (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of: ${choices.join(', ')}`);
    return value as T;
  });
}

/** One ad-hoc SQL change: not blank (whatever else it holds is the database's to judge). */
export const sqlOption = parser({ type: 'sql' }, (value: string): string => {
  if (value.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '').trim() === '' || value.length > 1_000_000) {
    throw new InvalidArgumentError('must be SQL: not empty, not only comments, at most 1,000,000 characters');
  }
  return value;
});

/**
 * A Redshift password as CREATE USER accepts it: 8 to 64 printable ASCII characters with an upper-
 * and a lower-case letter and a digit, and none of ' " \ / @ or space.
 */
export const passwordOption = parser({ type: 'password' }, (value: string): string => {
  const ok = /^[\x21-\x7e]{8,64}$/.test(value) && /[A-Z]/.test(value) && /[a-z]/.test(value) && /[0-9]/.test(value) && !/['"\\/@]/.test(value);
  if (!ok) {
    throw new InvalidArgumentError("must be 8 to 64 printable ASCII characters with upper- and lower-case letters and a digit, and none of ' \" \\ / @");
  }
  return value;
});

const AWS_RULES = {
  // Redshift cluster identifiers: lower case, a letter first, letters, digits and single hyphens.
  cluster: { re: /^[a-z](?:[a-z0-9]|-(?!-)){0,62}$/, rule: 'must be a cluster identifier: 1 to 63 lower-case letters, digits and hyphens, starting with a letter' },
  workgroup: { re: /^[a-z0-9-]{3,64}$/, rule: 'must be a workgroup name: 3 to 64 lower-case letters, digits and hyphens' },
  region: { re: /^[a-z]{2}(?:-[a-z]+)+-\d+$/, rule: 'must be an AWS region such as us-east-1' },
  profile: { re: /^[A-Za-z0-9_.@+-]{1,128}$/, rule: 'must be an AWS profile name (letters, digits and _ . @ + -)' },
} as const;

export function awsOption(what: keyof typeof AWS_RULES): ValueParser<string> {
  return parser({ type: 'aws', what }, (value: string): string => {
    const r = AWS_RULES[what];
    if (!r.re.test(value) || value.endsWith('-')) throw new InvalidArgumentError(r.rule);
    return value;
  });
}

/** A connection URL: postgres:// for PostgreSQL; redshift://, jdbc:redshift:// or postgres:// for Redshift. */
export function urlOption(what: 'postgres' | 'redshift'): ValueParser<string> {
  return parser({ type: 'url', what }, (value: string): string => {
    const ok = what === 'redshift' ? parseRedshiftUrl(value) !== undefined : /^postgres(ql)?:\/\/[^\s]+$/.test(value) && canParse(value);
    if (!ok) throw new InvalidArgumentError(what === 'redshift' ? 'must be a redshift://, jdbc:redshift:// or postgres:// URL' : 'must be a postgres:// URL');
    return value;
  });
}

function canParse(url: string): boolean {
  try {
    return new URL(url).hostname !== '';
  } catch {
    return false;
  }
}

/** A path for `use`; whether it can serve that use is checked when the command starts (src/cli/paths.ts). */
export function pathOption(use: Extract<ValueKind, { type: 'path' }>['use']): ValueParser<string> {
  return parser({ type: 'path', use }, (value: string): string => {
    if (value.length === 0 || value.length > 4096 || CONTROL.test(value)) throw new InvalidArgumentError('must be a path (not empty, no control characters)');
    return value;
  });
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

const TIMESTAMP_RULE =
  'must be an ISO 8601 time such as 2026-12-02T10:00:00Z, 2026-12-02 10:00:00-08:00 or 2026-12-02 (a time without a zone is read as UTC)';

/** A zone at the end: Z, ±HH, ±HHMM or ±HH:MM (a date's own `-DD` is not one: it needs a time before it). */
const ZONE = /(?:\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?:Z|z|[+-]\d{2}(?::?\d{2})?)$/;
/** Fraction digits past the millisecond, which epochMillis drops: a watermark keeps microseconds. */
const MICROS = /[.,]\d{3}(\d{1,3})\d*\s*(?:Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses a time a user typed, honouring its offset: `2026-12-02T10:00:00-08:00` is 18:00 UTC.
 * Text without a zone is UTC, and the result says so, so the command can tell the user. The
 * reading is the events' own (events/values.ts), which also refuses dates that do not exist.
 */
function parseUserTimestampText(text: string): UserTimestamp {
  let ms: number;
  try {
    ms = epochMillis(text.trim());
  } catch {
    throw new InvalidArgumentError(TIMESTAMP_RULE);
  }
  if (!/^\d{4}-/.test(text.trim()) || ms < Date.UTC(1900, 0, 1)) throw new InvalidArgumentError(TIMESTAMP_RULE);
  // Real offsets run from -12:00 to +14:00; anything else is a typo, not a place.
  const offset = /([+-])(\d{2})(?::?(\d{2}))?$/.exec(text.trim());
  if (offset && ZONE.test(text.trim()) && Number(offset[2]) * 60 + Number(offset[3] ?? 0) > 14 * 60) {
    throw new InvalidArgumentError(`${offset[0]} is not a time-zone offset (they run from -12:00 to +14:00)`);
  }
  const extra = MICROS.exec(text.trim())?.[1] ?? '';
  const micros = ms * 1000 + Number(extra.padEnd(3, '0'));
  return { utc: formatPgTimestamp(micros), micros, assumedUtc: !ZONE.test(text.trim()) };
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

/** A time flag's parser (`--since`, `--watermark`). */
export const parseUserTimestamp = parser({ type: 'time' }, parseUserTimestampText);
