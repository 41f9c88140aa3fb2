// Names longer than the stand-in can hold. Amazon Redshift keeps identifiers of up to 127 bytes;
// the PostgreSQL behind the stand-in keeps 63 (NAMEDATALEN - 1) and silently cuts longer ones, so
// two long names that differ only after byte 63 would become one object locally (two buses sharing
// one schema) while staying apart on Redshift. The stand-in refuses such a name instead, in any
// statement, quoted or not, counting UTF-8 bytes as both servers do.
import { tokenize, type Token } from '../../sql/tokens.js';

export const STANDIN_IDENTIFIER_BYTES = 63;
export const REDSHIFT_IDENTIFIER_BYTES = 127;
/** PostgreSQL's name_too_long. */
export const NAME_TOO_LONG = '42622';

/**
 * The shortest text that can hold a 64-byte name: a UTF-16 unit carries at most 3 UTF-8 bytes, so
 * 22 units. Texts without such a run skip the tokenizer.
 */
const MAYBE_LONG = /[A-Za-z0-9_$\u0080-\uffff]{22}|"(?:[^"]|""){22}/;

/** The Redshift-style error for the first identifier in `text` the stand-in cannot hold, if any. */
export function findOverlongIdentifier(text: string, backslashEscapes: boolean): { code: string; message: string } | undefined {
  if (!MAYBE_LONG.test(text)) return undefined;
  return overlongIdentifierIn(tokenize(text, { backslashEscapes }));
}

export function overlongIdentifierIn(tokens: Token[]): { code: string; message: string } | undefined {
  for (const t of tokens) {
    if (t.kind !== 'word' && t.kind !== 'quoted-ident') continue;
    const name = nameOf(t);
    const bytes = Buffer.byteLength(name, 'utf8');
    if (bytes <= STANDIN_IDENTIFIER_BYTES) continue;
    const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name);
    const message =
      bytes > REDSHIFT_IDENTIFIER_BYTES
        ? `identifier too long: ${shown} is ${bytes} bytes; Amazon Redshift names are at most ${REDSHIFT_IDENTIFIER_BYTES} bytes ` +
          `(longer ones are cut to ${REDSHIFT_IDENTIFIER_BYTES}), and the Redshift stand-in's PostgreSQL limit is ${STANDIN_IDENTIFIER_BYTES} bytes`
        : `identifier too long for the Redshift stand-in: ${shown} is ${bytes} bytes; the stand-in's PostgreSQL limit is ` +
          `${STANDIN_IDENTIFIER_BYTES} bytes (it would silently cut the name, so two names could become one), ` +
          `while Amazon Redshift allows ${REDSHIFT_IDENTIFIER_BYTES}`;
    return { code: NAME_TOO_LONG, message };
  }
  return undefined;
}

/** The name a word or quoted identifier denotes, as PostgreSQL stores it (before truncation). */
function nameOf(t: Token): string {
  // PostgreSQL folds only ASCII letters of an unquoted name (the byte length never changes).
  if (t.kind === 'word') return t.text.replace(/[A-Z]+/g, (c) => c.toLowerCase());
  if (/^[Uu]&/.test(t.text)) return unicodeEscapes(t.text.slice(3, -1).replace(/""/g, '"'));
  return t.text.slice(1, -1).replace(/""/g, '"');
}

/** U&"..." with the default escape character: \XXXX, \+XXXXXX and \\. */
function unicodeEscapes(body: string): string {
  return body.replace(/\\(\\|[0-9A-Fa-f]{4}|\+[0-9A-Fa-f]{6})/g, (raw, e: string) => {
    if (e === '\\') return '\\';
    const cp = parseInt(e.replace('+', ''), 16);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : raw;
  });
}
