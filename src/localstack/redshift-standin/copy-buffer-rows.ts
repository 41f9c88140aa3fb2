// Turns the COPY's objects into rows of the session's buffer table
// (n, file_no, line_no, line), streamed as COPY FROM STDIN data in CSV format with the delimiter
// \x02 and the quote character \x01: a JSON line then passes byte for byte, without the escaping
// that the text format would need for every backslash. One JSON object per line; blank lines
// are skipped but still counted, so line numbers match the file.
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';

export const BUFFER_COPY_OPTIONS = "(FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')";

export interface BufferStats {
  rows: number;
  bytes: number;
}

/** A line that cannot even enter the buffer (invalid UTF-8). */
export class LineError extends Error {
  constructor(
    message: string,
    readonly fileName: string,
    readonly lineNumber: number,
    readonly rawLine: string,
    readonly loadErrorCode: number,
  ) {
    super(message);
  }
}

const FLUSH_BYTES = 256 * 1024;
const DELIM = 0x02;
const QUOTE = 0x01;
const CR = 0x0d;

export async function* bufferRows(
  files: string[],
  open: (url: string) => Promise<Readable>,
  stats: BufferStats,
): AsyncGenerator<Buffer> {
  let out: Buffer[] = [];
  let outSize = 0;
  const add = (b: Buffer) => {
    out.push(b);
    outSize += b.length;
  };
  for (let f = 0; f < files.length; f++) {
    const url = files[f]!;
    const stream = await open(url);
    let lineNo = 0;
    const addLine = (raw: Buffer) => {
      lineNo++;
      const line = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, -1) : raw;
      if (isBlank(line)) return;
      if (!isUtf8(line)) {
        throw new LineError(
          'String contains invalid or unsupported UTF8 codepoints',
          url, lineNo, line.toString('latin1'), 1220,
        );
      }
      add(Buffer.from(`${++stats.rows}\x02${f + 1}\x02${lineNo}\x02`));
      add(needsQuoting(line) ? quoted(line) : line);
      add(NEWLINE);
    };
    try {
      let carry: Buffer | undefined;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        stats.bytes += chunk.length;
        const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
        let start = 0;
        for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
          addLine(buf.subarray(start, nl));
          start = nl + 1;
        }
        carry = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
        if (outSize >= FLUSH_BYTES) {
          yield Buffer.concat(out, outSize);
          out = [];
          outSize = 0;
        }
      }
      if (carry) addLine(carry);
    } finally {
      stream.destroy();
    }
  }
  if (outSize > 0) yield Buffer.concat(out, outSize);
}

const NEWLINE = Buffer.from('\n');

function isBlank(line: Buffer): boolean {
  for (const b of line) if (b !== 0x20 && b !== 0x09 && b !== CR) return false;
  return true;
}

function needsQuoting(line: Buffer): boolean {
  return line.includes(QUOTE) || line.includes(DELIM) || line.includes(CR);
}

function quoted(line: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from([QUOTE])];
  let start = 0;
  for (let q = line.indexOf(QUOTE); q >= 0; q = line.indexOf(QUOTE, start)) {
    parts.push(line.subarray(start, q + 1), Buffer.from([QUOTE]));
    start = q + 1;
  }
  parts.push(line.subarray(start), Buffer.from([QUOTE]));
  return Buffer.concat(parts);
}
