// The one place where the stand-in puts values and names into SQL text it sends itself.
// Its sessions run with standard_conforming_strings=off (Redshift's rule), so every literal is an
// E'' string with both quotes and backslashes escaped: correct whatever that setting is.

export function literal(value: string): string {
  return `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * A statement that fails on the backend with the given SQLSTATE and message. Sending it instead of
 * the client's statement makes the backend itself report the error, so an open transaction is
 * aborted exactly as Redshift would leave it (status 'E'), and ROLLBACK then works as usual.
 */
export function raiseStatement(code: string, message: string, detail?: string): string {
  const errcode = SQLSTATE.test(code) ? code : 'XX000';
  const body =
    `BEGIN RAISE EXCEPTION USING ERRCODE = ${literal(errcode)}, MESSAGE = ${literal(message)}` +
    (detail ? `, DETAIL = ${literal(detail)}` : '') +
    '; END';
  let tag = '$rsetl_standin$';
  for (let i = 0; body.includes(tag); i++) tag = `$rsetl_standin${i}$`;
  return `DO ${tag}${body}${tag}`;
}
