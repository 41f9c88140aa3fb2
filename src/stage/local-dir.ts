// The dry-run sink: the same NDJSON lines, uncompressed, as <dir>/<table>.ndjson, so an operator
// can read exactly what a load would stage without touching S3 or Redshift.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { StageError, UsageError } from '../errors.js';
import type { LineSink, StagedTable } from './staged-load.js';

/**
 * Creates `dir` and its missing parents, one level at a time, and returns the folders it created
 * (outermost first). Not `mkdir(dir, { recursive: true })`: Node 20's never returns when the
 * kernel answers ENOENT for a folder whose parent exists (anything under /proc, a link that points
 * nowhere): it makes the parent again (EEXIST), retries the child, and spins at full CPU. Here each
 * error is final and carries the path it is about.
 */
export async function makeDirs(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = await stat(d).catch((e: NodeJS.ErrnoException) => {
      // ENOTDIR: a part further up is a file; walking up finds it and names it.
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
      throw e;
    });
    if (st) {
      if (!st.isDirectory()) throw errno(d === resolve(dir) ? 'EEXIST' : 'ENOTDIR', d, `${d} is not a folder`);
      break;
    }
    if (d === dirname(d)) break;
    missing.unshift(d);
  }
  const created: string[] = [];
  try {
    for (const d of missing) {
      try {
        await mkdir(d);
        created.push(d);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // Made meanwhile by someone else is fine; an entry that is no folder (a link to nothing) is not.
        if (code === 'EEXIST' && (await stat(d).catch(() => undefined))?.isDirectory()) continue;
        if (code === 'ENOENT') throw errno('ENOENT', d, `${dirname(d)} takes no new folders (a virtual file system, or a link to nothing)`);
        throw e;
      }
    }
  } catch (e) {
    await removeDirs(created);
    throw e;
  }
  return created;
}

/** Removes folders `makeDirs` created (innermost first), if they are still empty. */
export async function removeDirs(created: readonly string[]): Promise<void> {
  for (const d of [...created].reverse()) await rmdir(d).catch(() => undefined);
}

function errno(code: string, path: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, path });
}

export class LocalDirSink implements LineSink {
  private readonly files = new Map<string, { stream: WriteStream; rows: number; bytes: number; path: string }>();
  private failed: Error | undefined;

  constructor(private readonly dir: string) {}

  async open(): Promise<this> {
    try {
      await makeDirs(this.dir);
    } catch (e) {
      throw new UsageError(`cannot write the dry run to ${this.dir}: ${(e as Error).message}`, { hint: 'choose another --out folder', cause: e });
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
        // A stream that failed has closed, or closes next, and never drains: waiting for it would
        // wait forever once its 'close' has passed.
        f.stream.writableNeedDrain && !f.stream.destroyed
          ? new Promise<void>((r) => {
              f.stream.once('drain', () => r());
              f.stream.once('close', () => r());
            })
          : undefined,
      ),
    );
    this.check();
  }

  abort(): void {
    for (const f of this.files.values()) f.stream.destroy();
  }

  async finish(): Promise<Map<string, StagedTable>> {
    const out = new Map<string, StagedTable>();
    for (const [name, f] of this.files) {
      f.stream.end();
      // Settles for a stream that already failed and closed too (its 'close' will not come again).
      await finished(f.stream).catch((e: Error) => (this.failed ??= e));
      this.check();
      out.set(name, { name, manifestKey: f.path, manifestUrl: f.path, rows: f.rows, bytes: f.bytes, compressedBytes: 0, parts: [f.path], partRows: [f.rows] });
    }
    return out;
  }
}
