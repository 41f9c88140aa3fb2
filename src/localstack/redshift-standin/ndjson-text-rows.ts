// Splits the NDJSON objects of a COPY FROM S3 into lines, a chunk of the stream at a time and
// without decoding them, and hands each line to the fast path's row encoder (text-row-encoder.ts).
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { BufferStats } from './copy-buffer-rows.js';
import { NotFastPath } from './not-fast-path.js';
import type { TextRowEncoder } from './text-row-encoder.js';

// Byte values as module-local constants: imported from a shared module, they made the encoder's loops ~40% slower.
const LF = 0x0a;

/**
 * COPY text data for the target from the objects' NDJSON lines, in chunks of about 256 KiB. Counts
 * rows and (decompressed) bytes into `stats`, as the buffer path does.
 */
export async function* textRows(
  files: string[],
  open: (url: string) => Promise<Readable>,
  encoder: TextRowEncoder,
  stats: BufferStats,
): AsyncGenerator<Buffer> {
  const lines = (buf: Buffer, start: number, last: number) => {
    // Lines split at an ASCII newline: the whole run is valid UTF-8 exactly when every line is.
    if (!isUtf8(buf.subarray(start, last))) throw new NotFastPath('invalid UTF-8');
    for (let nl = buf.indexOf(LF, start); nl >= 0 && nl <= last; nl = buf.indexOf(LF, start)) {
      encoder.line(buf, start, nl);
      start = nl + 1;
    }
  };
  for (const url of files) {
    const stream = await open(url);
    try {
      /** The start of a line that continues in a later chunk. */
      const carry: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        stats.bytes += chunk.length;
        let start = 0;
        if (carry.length > 0) {
          const nl = chunk.indexOf(LF);
          if (nl < 0) {
            carry.push(chunk);
            continue;
          }
          carry.push(chunk.subarray(0, nl + 1));
          const line = Buffer.concat(carry);
          carry.length = 0;
          lines(line, 0, line.length - 1);
          start = nl + 1;
        }
        const last = chunk.lastIndexOf(LF);
        if (last >= start) {
          lines(chunk, start, last);
          start = last + 1;
        }
        // A copy: the short tail must not keep the whole chunk alive.
        if (start < chunk.length) carry.push(start === 0 ? chunk : Buffer.from(chunk.subarray(start)));
        const out = encoder.take();
        if (out) yield out;
      }
      if (carry.length > 0) {
        const line = Buffer.concat(carry);
        if (!isUtf8(line)) throw new NotFastPath('invalid UTF-8');
        encoder.line(line, 0, line.length);
      }
    } finally {
      stream.destroy();
    }
  }
  stats.rows = encoder.rows;
  const rest = encoder.take(0);
  if (rest) yield rest;
}
