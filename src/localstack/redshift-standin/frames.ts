// Message framing of the PostgreSQL wire protocol, both directions: a type byte plus an int32
// length that counts itself. The very first message a client sends (startup, SSLRequest,
// CancelRequest) has no type byte. Framing is done here rather than with pg-gateway 0.2.4, which
// loses every message after the first one of a TCP chunk (docs/local-stack.md#wire-framing).

export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes needed before the next frame can be complete (so a large message is joined once). */
  private need = 0;
  /** The next frame has no type byte (only the client's first messages). */
  untyped: boolean;

  constructor(untyped: boolean) {
    this.untyped = untyped;
  }

  /**
   * Adds bytes and returns every complete frame (type byte and length included), in order.
   * Frames are views on the received chunks, not copies.
   */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size < this.need) return [];
    const buf = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.size);
    const frames: Buffer[] = [];
    let offset = 0;
    this.need = 0;
    for (;;) {
      const header = this.untyped ? 4 : 5;
      if (buf.length - offset < header) {
        this.need = header;
        break;
      }
      const length = buf.readInt32BE(offset + header - 4);
      if (length < 4) throw new Error(`invalid message length ${length}`);
      const total = length + header - 4;
      if (buf.length - offset < total) {
        this.need = total;
        break;
      }
      frames.push(buf.subarray(offset, offset + total));
      offset += total;
      // Only SSLRequest/GSSENCRequest are followed by another untyped message; the session
      // switches back explicitly in that case.
      this.untyped = false;
    }
    const rest = buf.length - offset;
    this.chunks = rest === 0 ? [] : [Buffer.from(buf.subarray(offset))];
    this.size = rest;
    return frames;
  }
}

/** The text of a simple Query message ('Q'). */
export function queryText(frame: Buffer): string {
  return frame.toString('utf8', 5, frame.length - 1);
}

export interface ParseMessage {
  name: string;
  text: string;
  types: number[];
}

/** Decodes an extended-protocol Parse message ('P'). */
export function decodeParse(frame: Buffer): ParseMessage {
  let at = 5;
  const cstring = () => {
    const end = frame.indexOf(0, at);
    const s = frame.toString('utf8', at, end);
    at = end + 1;
    return s;
  };
  const name = cstring();
  const text = cstring();
  const count = frame.readInt16BE(at);
  at += 2;
  const types: number[] = [];
  for (let i = 0; i < count; i++) types.push(frame.readUInt32BE(at + 4 * i));
  return { name, text, types };
}
