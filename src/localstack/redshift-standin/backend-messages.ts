// Server-to-client messages the stand-in writes itself. pg-protocol's `serialize` covers only the
// client's side of the protocol, so these use its `Writer`, which frames them the same way.
import { Writer } from 'pg-protocol/dist/buffer-writer.js';

export type TransactionStatus = 'I' | 'T' | 'E';

export function readyForQuery(status: TransactionStatus): Buffer {
  return new Writer().add(Buffer.from(status, 'latin1')).flush(0x5a /* Z */);
}

/** AuthenticationOk: the login succeeded. */
export function authenticationOk(): Buffer {
  return new Writer().addInt32(0).flush(0x52 /* R */);
}

/** AuthenticationCleartextPassword: the stand-in asks for the password itself (IAM logins). */
export function authenticationCleartextPassword(): Buffer {
  return new Writer().addInt32(3).flush(0x52 /* R */);
}

export function commandComplete(tag: string): Buffer {
  return new Writer().addCString(tag).flush(0x43 /* C */);
}

/** NoticeResponse: fields by their one-letter protocol codes (S severity, C code, M message, ...). */
export function notice(fields: Record<string, string>): Buffer {
  return fieldsMessage(0x4e /* N */, fields);
}

export function errorResponse(fields: Record<string, string>): Buffer {
  return fieldsMessage(0x45 /* E */, fields);
}

/** NegotiateProtocolVersion: the newest minor version of protocol 3 that the stand-in speaks. */
export function negotiateProtocolVersion(minor: number): Buffer {
  return new Writer().addInt32(minor).addInt32(0).flush(0x76 /* v */);
}

function fieldsMessage(code: number, fields: Record<string, string>): Buffer {
  const w = new Writer();
  for (const [k, v] of Object.entries(fields)) w.add(Buffer.from(k, 'latin1')).addCString(v);
  w.add(Buffer.from([0]));
  return w.flush(code);
}

/** Decodes the fields of an ErrorResponse or NoticeResponse frame. */
export function decodeFields(frame: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let at = 5;
  while (at < frame.length && frame[at] !== 0) {
    const key = String.fromCharCode(frame[at]!);
    const end = frame.indexOf(0, at + 1);
    fields[key] = frame.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return fields;
}

/**
 * An ErrorResponse raised by the stand-in's own DO block, without the traces of that block
 * (context "PL/pgSQL function inline_code_block", source file, line and routine), so the client
 * sees the error as if the server had raised it for its statement.
 */
export function withoutRaiseTraces(frame: Buffer): Buffer {
  const fields = decodeFields(frame);
  if (!fields.W?.includes('inline_code_block')) return frame;
  for (const k of ['W', 'F', 'L', 'R']) delete fields[k];
  return errorResponse(fields);
}
