// The dry-run sink: the same NDJSON lines, uncompressed, as <dir>/<table>.ndjson, so an operator
// can read exactly what a load would stage without touching S3 or Redshift.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LineSink, StagedTable } from './staged-load.js';

export class LocalDirSink implements LineSink {
  private readonly files = new Map<string, { stream: WriteStream; rows: number; bytes: number; path: string }>();

  constructor(private readonly dir: string) {}

  async open(): Promise<this> {
    await mkdir(this.dir, { recursive: true });
    return this;
  }

  write(name: string, line: string): void {
    let f = this.files.get(name);
    if (!f) {
      const path = join(this.dir, `${name}.ndjson`);
      f = { stream: createWriteStream(path), rows: 0, bytes: 0, path };
      this.files.set(name, f);
    }
    f.stream.write(line);
    f.rows++;
    f.bytes += Buffer.byteLength(line);
  }

  async drain(): Promise<void> {
    await Promise.all(
      [...this.files.values()].map((f) =>
        f.stream.writableNeedDrain ? new Promise<void>((r) => f.stream.once('drain', () => r())) : undefined,
      ),
    );
  }

  abort(): void {
    for (const f of this.files.values()) f.stream.destroy();
  }

  async finish(): Promise<Map<string, StagedTable>> {
    const out = new Map<string, StagedTable>();
    for (const [name, f] of this.files) {
      await new Promise<void>((resolve, reject) => f.stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
      out.set(name, { name, manifestKey: f.path, manifestUrl: f.path, rows: f.rows, bytes: f.bytes, compressedBytes: 0, parts: [f.path], partRows: [f.rows] });
    }
    return out;
  }
}
