// The S3 side of one load: each staged table becomes gzip NDJSON part files plus one manifest,
// under <prefix>/<schema>/<load id>/. Lines stream through gzip into multipart uploads as they are
// written; nothing holds a whole table in memory. A part is closed when it reaches `partBytes`
// of NDJSON, so large tables get several parts that Redshift's slices load in parallel.
import { PassThrough } from 'node:stream';
import { createGzip, constants as zlib, type Gzip } from 'node:zlib';
import type { ObjectStore, UploadOptions } from './object-store.js';

export interface StagedTable {
  name: string;
  manifestKey: string;
  manifestUrl: string;
  rows: number;
  /** NDJSON bytes before compression. */
  bytes: number;
  compressedBytes: number;
  parts: string[];
  /** Rows in each part, in part order (maps a rejected file+line back to a row index). */
  partRows: number[];
}

/** Where a load's lines go: S3 (StagedLoad) or a local folder (dry run). */
export interface LineSink {
  write(name: string, line: string): void;
  /** Resolves when every stream can take more data (call between source pages). */
  drain(): Promise<void>;
  finish(): Promise<Map<string, StagedTable>>;
  /** Stops every stream after a failure (multipart uploads are aborted, nothing is left open). */
  abort(): void;
}

export interface StagedLoadOptions {
  keyPrefix: string;
  upload: UploadOptions;
  /** Uncompressed bytes per part file (default 256 MiB ≈ 20–30 MB gzip). */
  partBytes?: number;
}

const FLUSH_CHARS = 64 * 1024;

class PartStream {
  readonly gzip: Gzip = createGzip({ level: zlib.Z_BEST_SPEED });
  readonly done: Promise<void>;
  compressedBytes = 0;
  bytes = 0;
  private pending: string[] = [];
  private pendingChars = 0;
  private failed: unknown;

  private readonly body = new PassThrough();

  constructor(store: ObjectStore, key: string, upload: UploadOptions) {
    const body = this.body;
    body.on('data', (chunk: Buffer) => (this.compressedBytes += chunk.length));
    this.gzip.pipe(body);
    this.done = store.upload(key, body, upload);
    this.done.catch((e) => {
      this.failed = e;
      this.gzip.destroy();
    });
  }

  write(line: string): void {
    if (this.failed) throw this.failed;
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending.join(''), 'utf8');
    this.bytes += chunk.length;
    this.pending = [];
    this.pendingChars = 0;
    this.gzip.write(chunk);
  }

  /** Bytes written so far, counting what is still buffered. */
  get size(): number {
    return this.bytes + this.pendingChars;
  }

  async drain(): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.gzip.writableNeedDrain) return;
    await Promise.race([new Promise((r) => this.gzip.once('drain', r)), this.done]);
  }

  async close(): Promise<void> {
    this.flush();
    this.gzip.end();
    await this.done;
  }

  abort(): void {
    this.failed ??= new Error('load aborted');
    // Ending the body with an error makes the upload reject and abort its multipart upload.
    this.gzip.unpipe(this.body);
    this.gzip.destroy();
    this.body.destroy(this.failed as Error);
  }
}

class TableStream {
  rows = 0;
  bytes = 0;
  compressedBytes = 0;
  readonly parts: string[] = [];
  readonly partRows: number[] = [];
  private current: PartStream | undefined;
  private readonly closing: Promise<void>[] = [];

  constructor(
    private readonly store: ObjectStore,
    readonly name: string,
    private readonly opts: StagedLoadOptions,
  ) {}

  write(line: string): void {
    if (!this.current) {
      const key = `${this.opts.keyPrefix}${this.name}.${String(this.parts.length + 1).padStart(4, '0')}.json.gz`;
      this.parts.push(key);
      this.partRows.push(0);
      this.current = new PartStream(this.store, key, this.opts.upload);
    }
    this.current.write(line);
    this.rows++;
    this.partRows[this.partRows.length - 1]!++;
    if (this.current.size >= (this.opts.partBytes ?? 256 * 1024 * 1024)) this.rotate();
  }

  private rotate(): void {
    const part = this.current!;
    this.current = undefined;
    this.closing.push(
      part.close().then(() => {
        this.bytes += part.bytes;
        this.compressedBytes += part.compressedBytes;
      }),
    );
  }

  drain(): Promise<void> {
    return this.current?.drain() ?? Promise.resolve();
  }

  abort(): void {
    this.current?.abort();
    this.current = undefined;
  }

  async finish(): Promise<StagedTable> {
    if (this.current) this.rotate();
    await Promise.all(this.closing);
    // Shadow files (event ids per line, see event-origin.ts) are never COPYed: no manifest.
    const copied = !this.name.endsWith('__events');
    const manifestKey = copied ? `${this.opts.keyPrefix}${this.name}.manifest` : '';
    // `mandatory: true`: a part that is missing fails the COPY instead of loading silently less
    // (../shared/reference/peers.md §3). A manifest also avoids COPY's prefix matching.
    const manifest = { entries: this.parts.map((k) => ({ url: this.store.url(k), mandatory: true })) };
    if (copied) await this.store.put(manifestKey, JSON.stringify(manifest));
    return {
      name: this.name,
      manifestKey,
      manifestUrl: copied ? this.store.url(manifestKey) : '',
      rows: this.rows,
      bytes: this.bytes,
      compressedBytes: this.compressedBytes,
      parts: this.parts,
      partRows: this.partRows,
    };
  }
}

export class StagedLoad implements LineSink {
  private readonly tables = new Map<string, TableStream>();

  constructor(
    private readonly store: ObjectStore,
    private readonly opts: StagedLoadOptions,
  ) {}

  get keyPrefix(): string {
    return this.opts.keyPrefix;
  }

  write(name: string, line: string): void {
    let t = this.tables.get(name);
    if (!t) {
      t = new TableStream(this.store, name, this.opts);
      this.tables.set(name, t);
    }
    t.write(line);
  }

  async drain(): Promise<void> {
    await Promise.all([...this.tables.values()].map((t) => t.drain()));
  }

  async finish(): Promise<Map<string, StagedTable>> {
    const done = await Promise.all([...this.tables.values()].map((t) => t.finish()));
    return new Map(done.map((t) => [t.name, t]));
  }

  abort(): void {
    for (const t of this.tables.values()) t.abort();
  }
}
