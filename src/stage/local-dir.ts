// The dry-run sink: the same NDJSON lines, uncompressed, as <dir>/<table>.ndjson, so an operator
// can read exactly what a load would stage without touching S3 or Redshift.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StageError, UsageError } from '../errors.js';
import type { LineSink, StagedTable } from './staged-load.js';

export class LocalDirSink implements LineSink {
  private readonly files = new Map<string, { stream: WriteStream; rows: number; bytes: number; path: string }>();
  private failed: Error | undefined;

  constructor(private readonly dir: string) {}

  async open(): Promise<this> {
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (e) {
      throw new UsageError(`cannot write the dry run to ${this.dir}: ${(e as Error).message}`, { hint: 'choose another --out folder' });
    }
    return this;
  }

  private check(): void {
    if (this.failed) throw new StageError(`writing the dry run to ${this.dir} failed: ${this.failed.message}`, { cause: this.failed });
  }

  write(name: string, line: string): void {
    let f = this.files.get(name);
    if (!f) {
      const path = join(this.dir, `${name}.ndjson`);
      f = { stream: createWriteStream(path), rows: 0, bytes: 0, path };
      // A full disk or a vanished folder must end the command with a message, not crash it.
      f.stream.on('error', (e) => (this.failed ??= e));
      this.files.set(name, f);
    }
    this.check();
    f.stream.write(line);
    f.rows++;
    f.bytes += Buffer.byteLength(line);
  }

  async drain(): Promise<void> {
    this.check();
    await Promise.all(
      [...this.files.values()].map((f) =>
        f.stream.writableNeedDrain
          ? new Promise<void>((r) => {
              f.stream.once('drain', () => r());
              f.stream.once('close', () => r()); // an errored stream never drains
            })
          : undefined,
      ),
    );
  }

  abort(): void {
    for (const f of this.files.values()) f.stream.destroy();
  }

  async finish(): Promise<Map<string, StagedTable>> {
    const out = new Map<string, StagedTable>();
    for (const [name, f] of this.files) {
      await new Promise<void>((resolve) => {
        f.stream.once('close', () => resolve());
        f.stream.end();
      });
      this.check();
      out.set(name, { name, manifestKey: f.path, manifestUrl: f.path, rows: f.rows, bytes: f.bytes, compressedBytes: 0, parts: [f.path], partRows: [f.rows] });
    }
    return out;
  }
}
