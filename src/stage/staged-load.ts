// The S3 side of one load: each staged table becomes gzip NDJSON part files plus one manifest,
// under <prefix>/<schema>/<load id>/. Lines stream through gzip into multipart uploads as they are
// written; nothing holds a whole table in memory. A part is closed when it reaches `partBytes`
// of NDJSON, so large tables get several parts that Redshift's slices load in parallel.
import { PassThrough } from 'node:stream';
import { createGzip, constants as zlib, type Gzip, type ZlibOptions } from 'node:zlib';
import { isEventsStageName } from '../events/event-origin.js';
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

/**
 * Lines are copied as UTF-8 into a buffer of this size, which goes to gzip when full. The encoded
 * line strings (built by concatenation, several times their length on the heap) then die at once,
 * and what a stream holds between flushes is this many bytes outside the heap, whatever the table.
 * A buffer gzip has finished with is filled again: a new one per flush would stay allocated until
 * the garbage collector reaches its (by then often promoted) Buffer object.
 */
const CHUNK_BYTES = 64 * 1024;
/** Consumed chunks a stream keeps for reuse (more are queued only while a source page is processed). */
const SPARE_CHUNKS = 1;
/**
 * gzip settings. Fastest level: the files are read once, by COPY. A compressor's state is 256 KiB
 * at zlib's default window and memory level, for each of a load's ~40 streams; the shadow files of
 * event ids (one per staged table, numbers close to each other) compress as well, measured even
 * 10 % smaller, with 32 KiB (a 4 KiB window).
 */
const GZIP: ZlibOptions = { level: zlib.Z_BEST_SPEED };
const GZIP_SHADOW: ZlibOptions = { level: zlib.Z_BEST_SPEED, windowBits: 12, memLevel: 5 };
/** UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const MAX_UTF8_PER_UNIT = 3;

class PartStream {
  readonly gzip: Gzip;
  readonly done: Promise<void>;
  compressedBytes = 0;
  /** Bytes handed to gzip. */
  bytes = 0;
  private chunk: Buffer | undefined;
  private used = 0;
  /** Chunks gzip has consumed, ready to be filled again. */
  private readonly spare: Buffer[] = [];
  private failed: unknown;

  private readonly body = new PassThrough();

  constructor(store: ObjectStore, key: string, upload: UploadOptions, gzip: ZlibOptions) {
    this.gzip = createGzip(gzip);
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
    const worst = line.length * MAX_UTF8_PER_UNIT;
    if (this.chunk && worst > this.chunk.length - this.used) this.flush();
    if (worst > CHUNK_BYTES) {
      // A line longer than a chunk goes to gzip on its own (after what was buffered before it).
      const b = Buffer.from(line, 'utf8');
      this.bytes += b.length;
      this.gzip.write(b);
      return;
    }
    this.chunk ??= this.spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
    this.used += this.chunk.write(line, this.used, 'utf8');
  }

  private flush(): void {
    const chunk = this.chunk;
    if (!chunk || this.used === 0) return;
    this.bytes += this.used;
    // gzip reads a written chunk until its write callback; only then may the chunk be refilled.
    this.gzip.write(chunk.subarray(0, this.used), (e) => {
      if (!e && this.spare.length < SPARE_CHUNKS) this.spare.push(chunk);
    });
    this.chunk = undefined;
    this.used = 0;
  }

  /** Bytes written so far, counting what is still buffered. */
  get size(): number {
    return this.bytes + this.used;
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
  /** A shadow file of event ids (see events/event-origin.ts): never COPYed, so it gets no manifest. */
  private readonly shadow: boolean;

  constructor(
    private readonly store: ObjectStore,
    readonly name: string,
    private readonly opts: StagedLoadOptions,
  ) {
    this.shadow = isEventsStageName(name);
  }

  write(line: string): void {
    if (!this.current) {
      const key = `${this.opts.keyPrefix}${this.name}.${String(this.parts.length + 1).padStart(4, '0')}.json.gz`;
      this.parts.push(key);
      this.partRows.push(0);
      this.current = new PartStream(this.store, key, this.opts.upload, this.shadow ? GZIP_SHADOW : GZIP);
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
    const copied = !this.shadow;
    const manifestKey = copied ? `${this.opts.keyPrefix}${this.name}.manifest` : '';
    // `mandatory: true`: a part that is missing fails the COPY instead of loading silently less
    // (docs/design.md#redshift-copy). A manifest also avoids COPY's prefix matching.
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
