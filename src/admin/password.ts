// Redshift's password rules (CREATE USER; docs/dba.md#password-rules): 8 to 64 characters,
// at least one upper-case letter, one lower-case letter and one digit, printable ASCII (33-126)
// except ' " \ / @ and space. rsetl checks a given password before sending it and never echoes it.
import { randomInt } from 'node:crypto';

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
/**
 * Symbols Redshift accepts that also survive a shell, a URL query and rsetl's `${NAME}` config
 * substitution unquoted (no `$`, `%`, `&`, `#`, `;`).
 */
const SYMBOLS = '-_.+=!*~^';
const ALPHABET = UPPER + LOWER + DIGITS + SYMBOLS;

export const GENERATED_PASSWORD_LENGTH = 32;

const FORBIDDEN = new Set(["'", '"', '\\', '/', '@', ' ']);

/** What is wrong with a password for Redshift, or undefined when it is acceptable. Never quotes it. */
export function passwordProblem(pw: string): string | undefined {
  if (pw.length < 8 || pw.length > 64) return `must be 8 to 64 characters (got ${pw.length})`;
  if (!/[A-Z]/.test(pw)) return 'needs at least one upper-case letter';
  if (!/[a-z]/.test(pw)) return 'needs at least one lower-case letter';
  if (!/[0-9]/.test(pw)) return 'needs at least one digit';
  for (const ch of pw) {
    const code = ch.codePointAt(0)!;
    if (FORBIDDEN.has(ch)) return `must not contain ${ch === ' ' ? 'a space' : ch}`;
    if (code < 33 || code > 126) return 'must be printable ASCII characters only';
  }
  return undefined;
}

const pick = (set: string) => set[randomInt(set.length)]!;

/** A random password that meets the rules: one of each required class, the rest from the whole alphabet, shuffled. */
export function generatePassword(length = GENERATED_PASSWORD_LENGTH): string {
  const chars = [pick(UPPER), pick(LOWER), pick(DIGITS), ...Array.from({ length: length - 3 }, () => pick(ALPHABET))];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
