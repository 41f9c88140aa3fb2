// The one module where identifiers and literals meet SQL text. Everything else builds statements
// through these functions or binds values as parameters.
// The base layer (sql/, docs/design.md#layers): imports nothing of rsetl, everything may import it.

const SIMPLE_IDENT = /^[a-z_][a-z0-9_$]*$/;

/** Redshift keeps names of 1 to 127 bytes (UTF-8); it cuts longer ones, which rsetl never relies on. */
export const MAX_NAME_BYTES = 127;

/** A name for a message: long ones are shortened, their length is said separately. */
function shown(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name);
}

/** A Redshift/PostgreSQL identifier, always double-quoted; rejects what Redshift cannot store. */
export function ident(name: string): string {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes > MAX_NAME_BYTES) {
    throw new Error(`invalid identifier length: ${shown(name)} is ${bytes} bytes; a Redshift name is 1 to ${MAX_NAME_BYTES} bytes`);
  }
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
 * names stay easy to type in psql and in the views' SQL. Length and characters are told apart: a
 * name that is merely too long should not read as one with a wrong character.
 */
export function assertSimpleName(what: string, name: string): string {
  if (name.length === 0) throw new Error(`${what} must not be empty`);
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) {
    throw new Error(`${what} ${shown(name)} is too long: ${bytes} bytes, and a Redshift name is at most ${MAX_NAME_BYTES} bytes`);
  }
  if (!SIMPLE_IDENT.test(name)) {
    throw new Error(`${what} ${JSON.stringify(name)} must be lower-case letters, digits, _ or $, starting with a letter or _`);
  }
  return name;
}

/**
 * Schemas that exist in every Redshift database and belong to it, never to a bus: PUBLIC (which
 * Redshift's CREATE SCHEMA refuses by name, and where every user's tables land by default), the
 * SQL standard's catalog views, and the system schemas. Every name starting with `pg_` is reserved
 * for the system (pg_catalog, pg_internal, pg_automv, pg_auto_copy, pg_mv, pg_s3, pg_temp_*,
 * pg_toast, ...), as in PostgreSQL.
 */
const SYSTEM_SCHEMAS = new Set(['public', 'information_schema', 'catalog_history']);

/** A schema rsetl may create for a bus and fill with its tables: a simple name, not a system schema. */
export function assertBusSchemaName(name: string): string {
  assertSimpleName('schema', name);
  if (name === 'public') {
    throw new Error(`schema "public" cannot be a bus schema: it is the database's shared default schema (Redshift's CREATE SCHEMA refuses it too); choose a name of the bus's own`);
  }
  if (SYSTEM_SCHEMAS.has(name)) {
    throw new Error(`schema ${JSON.stringify(name)} cannot be a bus schema: it is a Redshift system schema; choose a name of the bus's own`);
  }
  if (name.startsWith('pg_')) {
    throw new Error(`schema ${JSON.stringify(name)} cannot be a bus schema: names starting with pg_ are reserved for Redshift's system schemas (pg_catalog, pg_internal, pg_automv, pg_toast, ...)`);
  }
  return name;
}

/**
 * A string literal for Redshift, for the few values that cannot be parameters (the S3 URL and IAM
 * role in COPY, a password in CREATE USER). Redshift treats a backslash inside a string literal as
 * an escape character, so backslashes are doubled as well as quotes;
 * the stand-in runs PostgreSQL with standard_conforming_strings off for the same reading.
 */
export function literal(value: string): string {
  if (value.includes('\0')) throw new Error('string literal contains NUL');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
