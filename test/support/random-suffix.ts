// The random part of a test's user, role, group or database name. Decimal on purpose: the
// stand-in's statement recorder (src/localstack/redshift-standin/statement-recorder.ts) makes a
// name's random part generic only when it can tell it from a word — 4+ digits, or 6+ hex digits
// with 2+ digits among them — and a suffix of 6 hex digits has at most one digit about 3 % of the
// time, which put a stray shape (`CREATE DATABASE "aws_2ddefbdb" ...`) in the committed snapshot.
import { randomInt } from 'node:crypto';

/** Eight decimal digits, the first not 0. */
export function randomSuffix(): string {
  return String(randomInt(10_000_000, 100_000_000));
}
