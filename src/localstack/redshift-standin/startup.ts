// The client's first message, and the startup the stand-in sends to its backend in its place.
import { serialize } from 'pg-protocol';

export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;
export const PROTOCOL_3 = 3 << 16;

/**
 * Session settings that make PostgreSQL read SQL the way Redshift does: a backslash in a string
 * literal is an escape character (Redshift has no standard_conforming_strings), and times are UTC.
 */
const REDSHIFT_SESSION_OPTIONS = '-c standard_conforming_strings=off -c escape_string_warning=off -c TimeZone=UTC';

export interface Startup {
  /** Protocol version requested by the client (major << 16 | minor). */
  version: number;
  params: Record<string, string>;
}

export function untypedCode(frame: Buffer): number {
  return frame.readInt32BE(4);
}

export function parseStartup(frame: Buffer): Startup {
  const params: Record<string, string> = {};
  let at = 8;
  for (;;) {
    const keyEnd = frame.indexOf(0, at);
    if (keyEnd < 0 || keyEnd === at) break;
    const valueEnd = frame.indexOf(0, keyEnd + 1);
    params[frame.toString('utf8', at, keyEnd)] = frame.toString('utf8', keyEnd + 1, valueEnd);
    at = valueEnd + 1;
  }
  return { version: frame.readInt32BE(4), params };
}

/**
 * The backend's startup: the client's parameters (user, database, application_name, ...) plus the
 * Redshift session options. pg-protocol's serializer speaks protocol 3.0 and sets
 * client_encoding UTF8, which is also the only encoding Redshift offers.
 */
export function backendStartup(params: Record<string, string>): Buffer {
  const { client_encoding: _ignored, options, ...rest } = params;
  return serialize.startup({ ...rest, options: options ? `${options} ${REDSHIFT_SESSION_OPTIONS}` : REDSHIFT_SESSION_OPTIONS });
}
