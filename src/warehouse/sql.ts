// The one module where identifiers and literals meet SQL text. Everything else builds statements
// through these functions or binds values as parameters.

const SIMPLE_IDENT = /^[a-z_][a-z0-9_$]*$/;

/** A Redshift/PostgreSQL identifier, always double-quoted; rejects what Redshift cannot store. */
export function ident(name: string): string {
  if (name.length === 0 || name.length > 127) throw new Error(`invalid identifier length: ${JSON.stringify(name)}`);
  if (name.includes('\0')) throw new Error('identifier contains NUL');
  return `"${name.replace(/"/g, '""')}"`;
}

/** A schema-qualified name, each part quoted. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/**
 * A schema or user name rsetl creates: lower-case letters, digits, `_` and `$`, starting with a
 * letter or `_`, at most 127 bytes (Redshift's limit). Validated rather than merely quoted so the
 * names stay easy to type in psql and in the views' SQL.
 */
export function assertSimpleName(what: string, name: string): string {
  if (!SIMPLE_IDENT.test(name) || name.length > 127) {
    throw new Error(`${what} ${JSON.stringify(name)} must be lower-case letters, digits, _ or $, starting with a letter or _`);
  }
  return name;
}

/**
 * A string literal for Redshift, for the few values that cannot be parameters (the S3 URL and IAM
 * role in COPY, a password in CREATE USER). Redshift treats a backslash inside a string literal as
 * an escape character (../shared/design/style.md), so backslashes are doubled as well as quotes;
 * the stand-in runs PostgreSQL with standard_conforming_strings off for the same reading.
 */
export function literal(value: string): string {
  if (value.includes('\0')) throw new Error('string literal contains NUL');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
