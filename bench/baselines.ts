// The baselines, measured in the bench process on the same machine, in the same run, over the same
// events the rsetl run loaded:
//   (b) read   — the window query's keyset pages (src/source/outbox.ts readWindow, 5,000 rows a
//                page, rsetl's own pg type parsers), nothing else;
//   (c) prepare — transform (src/events/registry.ts) + combine (per load of `loadSize` events, as
//                rsetl's coalesced loads) + NDJSON (rsetl's row encoder) + gzip level 1, all in
//                process on one core: gzip is zlib.gzipSync of 1 MiB chunks per table, no I/O;
//                the events come from the pages of a second read, whose time is not counted;
//   (a) raw COPY — COPY FROM STDIN (pg-copy-streams, text format) of the rows (c) produced — the
//                same rows rsetl staged, without delete/obfuscate key stages — straight into a
//                second schema on the stand-in's backing PostgreSQL whose tables are LIKE the
//                loaded schema's (INCLUDING DEFAULTS: same columns, types, NOT NULL, no PK index),
//                one table after the other on one connection. The COPY text is formatted while
//                (c) runs (untimed, written to temp files), so (a) times the server's ingest of
//                pre-formatted rows: the physical limit of getting these rows into PostgreSQL.
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { constants as zlib, gzipSync } from 'node:zlib';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyText } from '../src/demo/outbox.js';
import { createCombiner } from '../src/events/combine.js';
import { transformEvent, type TransformResult } from '../src/events/registry.js';
import type { ColumnDef } from '../src/model/columns.js';
import { TABLE_DEFS, tableByName } from '../src/model/tables.js';
import { combinedLines, keyOpCounts } from '../src/stage/combined-lines.js';
import { readWindow, sourceNow, type OutboxRow, type WindowQuery } from '../src/source/outbox.js';
import { textTypes } from '../src/sql/pg-types.js';
import { formatPgTimestamp } from '../src/source/timestamps.js';
import { rowEncoder, truncateUtf8, type RowEncoder } from '../src/stage/row-encoder.js';
import { ident } from '../src/sql/quote.js';

export interface WindowSpec {
  sourceUrl: string;
  rootId: string;
  since: string;
  events: number;
  /** As rsetl's loads query: skip events in the bus's dead letter (an anti-join on an empty table here). */
  deadLetter?: { controlSchema: string; busId: number };
}

async function sourceClient(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, types: textTypes, application_name: 'rsetl bench' });
  await c.connect();
  return c;
}

async function windowQuery(c: pg.Client, w: WindowSpec): Promise<WindowQuery> {
  return {
    table: 'analyticfinder', rootId: w.rootId, windowTime: w.since, windowIds: [], now: await sourceNow(c), limit: w.events, pageSize: 5000,
    ...(w.deadLetter ? { deadLetter: w.deadLetter } : {}),
  };
}

export interface ReadBaseline {
  events: number;
  pages: number;
  ms: number;
  eventsPerSecond: number;
}

/** (b): every page of the window, in (time, id) order, rows parsed as rsetl parses them. */
export async function readBaseline(w: WindowSpec): Promise<ReadBaseline> {
  const c = await sourceClient(w.sourceUrl);
  try {
    const q = await windowQuery(c, w);
    let events = 0;
    let pages = 0;
    const t0 = performance.now();
    for await (const page of readWindow(c, q)) {
      events += page.length;
      pages++;
    }
    const ms = performance.now() - t0;
    return { events, pages, ms, eventsPerSecond: events / (ms / 1000) };
  } finally {
    await c.end();
  }
}

export interface PrepareBaseline {
  events: number;
  loads: number;
  ms: number;
  eventsPerSecond: number;
  split: { transformMs: number; combineMs: number; encodeMs: number; gzipMs: number };
  /** Rows encoded (puts and appends; delete/obfuscate key rows separately). */
  rows: number;
  keyRows: number;
  ndjsonBytes: number;
  gzipBytes: number;
  /** Process CPU time (user+system) of the timed sections: ≈ ms when nothing else competed for the core. */
  cpuMs: number;
  /** Not part of (c): the second read that fed it, and formatting the COPY text for (a). */
  feedReadMs: number;
  copyFormatMs: number;
}

export interface CopyFile {
  table: string;
  path: string;
  columns: string[];
  rows: number;
  bytes: number;
}

type Line = { table: string; row: Record<string, unknown> };

class CopyTextWriter {
  private readonly files = new Map<string, { fd: number; file: CopyFile; pending: string[]; chars: number; format: (row: Record<string, unknown>) => string }>();

  constructor(private readonly dir: string) {}

  write(table: string, row: Record<string, unknown>): void {
    let f = this.files.get(table);
    if (!f) {
      const t = tableByName(table);
      const cols = Object.entries(t.columns);
      const fmt = cols.map(([name, c]) => [name, copyValue(c)] as const);
      const path = join(this.dir, `${table}.copy`);
      f = {
        fd: openSync(path, 'w'),
        file: { table, path, columns: cols.map(([n]) => n), rows: 0, bytes: 0 },
        pending: [],
        chars: 0,
        format: (r) => fmt.map(([n, enc]) => enc(r[n])).join('\t') + '\n',
      };
      this.files.set(table, f);
    }
    const line = f.format(row);
    f.pending.push(line);
    f.chars += line.length;
    f.file.rows++;
    if (f.chars >= 1 << 20) this.flush(f);
  }

  private flush(f: { fd: number; file: CopyFile; pending: string[]; chars: number }): void {
    if (f.pending.length === 0) return;
    const buf = Buffer.from(f.pending.join(''), 'utf8');
    writeSync(f.fd, buf);
    f.file.bytes += buf.length;
    f.pending = [];
    f.chars = 0;
  }

  close(): CopyFile[] {
    const out: CopyFile[] = [];
    for (const f of this.files.values()) {
      this.flush(f);
      closeSync(f.fd);
      out.push(f.file);
    }
    return out;
  }
}

/** A column value as COPY text, cut as rsetl stages it (also used by standin-copy.ts). */
export function copyValue(c: ColumnDef): (v: unknown) => string {
  switch (c.kind) {
    case 'boolean':
      return (v) => (v === null || v === undefined ? '\\N' : v ? 't' : 'f');
    case 'varchar': {
      const max = c.length ?? 65535;
      return (v) => (v === null || v === undefined ? '\\N' : copyText(truncateUtf8(String(v).toWellFormed(), max)));
    }
    default:
      return (v) => (v === null || v === undefined ? '\\N' : copyText(String(v)));
  }
}

/** Per table NDJSON buffers, gzipped (level 1) synchronously in 1 MiB chunks, the output discarded. */
class GzipSink {
  private readonly pending = new Map<string, { parts: string[]; chars: number }>();
  ndjsonBytes = 0;
  gzipBytes = 0;
  gzipMs = 0;

  add(table: string, line: string): void {
    let p = this.pending.get(table);
    if (!p) this.pending.set(table, (p = { parts: [], chars: 0 }));
    p.parts.push(line);
    p.chars += line.length;
  }

  /** Compresses the tables with at least 1 MiB pending (all of them with `all`). */
  compress(all = false): void {
    const t0 = performance.now();
    for (const p of this.pending.values()) {
      if (p.chars === 0 || (!all && p.chars < 1 << 20)) continue;
      const buf = Buffer.from(p.parts.join(''), 'utf8');
      this.ndjsonBytes += buf.length;
      this.gzipBytes += gzipSync(buf, { level: zlib.Z_BEST_SPEED }).length;
      p.parts = [];
      p.chars = 0;
    }
    this.gzipMs += performance.now() - t0;
  }
}

/** (c), and the COPY text of the same rows for (a), written to `dir`. */
export async function prepareBaseline(w: WindowSpec, opts: { loadSize: number; dir: string }): Promise<{ prepare: PrepareBaseline; files: CopyFile[] }> {
  const c = await sourceClient(w.sourceUrl);
  const copy = new CopyTextWriter(opts.dir);
  const gz = new GzipSink();
  const loadTime = formatPgTimestamp(Date.now() * 1000);
  const encoders = new Map<string, RowEncoder>();
  const encoderOf = (name: string, make: () => RowEncoder) => {
    let e = encoders.get(name);
    if (!e) encoders.set(name, (e = make()));
    return e;
  };
  const split = { transformMs: 0, combineMs: 0, encodeMs: 0, gzipMs: 0 };
  let cpuUs = 0;
  /** Runs a timed section, adding its process CPU time. */
  const cpu = <T>(f: () => T): T => {
    const c0 = process.cpuUsage();
    try {
      return f();
    } finally {
      const d = process.cpuUsage(c0);
      cpuUs += d.user + d.system;
    }
  };
  let feedReadMs = 0;
  let copyFormatMs = 0;
  let rows = 0;
  let keyRows = 0;
  let events = 0;
  let loads = 0;
  let appended: Line[] = [];
  const newCombiner = () => createCombiner({ onAppend: (table, row) => appended.push({ table, row: row as Record<string, unknown> }) });
  let combiner = newCombiner();
  let inLoad = 0;

  const encodeLines = (lines: Line[]) => {
    const t0 = performance.now();
    for (const l of lines) gz.add(l.table, encoderOf(l.table, () => rowEncoder(tableByName(l.table).columns))(l.row));
    rows += lines.length;
    split.encodeMs += performance.now() - t0;
  };
  const formatCopy = (lines: Line[]) => {
    const t0 = performance.now();
    for (const l of lines) copy.write(l.table, l.row);
    copyFormatMs += performance.now() - t0;
  };
  const endLoad = () => formatCopy(cpu(endLoadTimed));
  const endLoadTimed = (): Line[] => {
    let t0 = performance.now();
    const result = combiner.result();
    split.combineMs += performance.now() - t0;
    const puts: Line[] = [];
    for (const [table, list] of result.puts) for (const row of list) puts.push({ table, row: row as Record<string, unknown> });
    // Keyed tables are staged as rsetl stages them: keys to delete and users to obfuscate in
    // their table's own file (stage/combined-lines.ts).
    t0 = performance.now();
    const ops = keyOpCounts(result);
    for (const l of combinedLines(result, ops)) gz.add(l.table, l.line);
    rows += puts.length;
    for (const o of ops.values()) keyRows += o.deletes + o.obfuscations;
    split.encodeMs += performance.now() - t0;
    gz.compress(true);
    combiner = newCombiner();
    inLoad = 0;
    loads++;
    return puts;
  };

  try {
    const q = await windowQuery(c, w);
    const it = readWindow(c, q)[Symbol.asyncIterator]();
    for (;;) {
      const r0 = performance.now();
      const next = await it.next();
      feedReadMs += performance.now() - r0;
      if (next.done) break;
      const page: OutboxRow[] = next.value;
      // Loads of exactly `loadSize` events, as rsetl's coalesced loads: split the page at a boundary.
      for (let from = 0; from < page.length; ) {
        const n = Math.min(page.length - from, opts.loadSize - inLoad);
        const slice = page.slice(from, from + n);
        from += n;
        const lines = cpu(() => {
          let t0 = performance.now();
          const results: TransformResult[] = slice.map((row) =>
            transformEvent({ id: row.id, guid: row.guid, time: row.time, datajson: row.datajson }, { loadTime }),
          );
          split.transformMs += performance.now() - t0;
          t0 = performance.now();
          for (const res of results) combiner.add(res.ops, events++);
          split.combineMs += performance.now() - t0;
          const out = appended;
          appended = [];
          encodeLines(out);
          gz.compress();
          return out;
        });
        inLoad += n;
        formatCopy(lines);
        if (inLoad === opts.loadSize) endLoad();
      }
    }
    if (inLoad > 0) endLoad();
  } finally {
    await c.end();
  }
  split.gzipMs = gz.gzipMs;
  const ms = split.transformMs + split.combineMs + split.encodeMs + split.gzipMs;
  return {
    prepare: {
      events, loads, ms, eventsPerSecond: events / (ms / 1000), split, rows, keyRows, cpuMs: cpuUs / 1000,
      ndjsonBytes: gz.ndjsonBytes, gzipBytes: gz.gzipBytes, feedReadMs, copyFormatMs,
    },
    files: copy.close(),
  };
}

export interface RawCopyBaseline {
  rows: number;
  bytes: number;
  tables: number;
  ms: number;
  rowsPerSecond: number;
  mbPerSecond: number;
  perTable: Record<string, { rows: number; ms: number }>;
}

/** (a): COPY FROM STDIN of the prepared COPY text into `LIKE` copies of the loaded schema's tables. */
export async function rawCopyBaseline(backingUrl: string, likeSchema: string, files: CopyFile[]): Promise<RawCopyBaseline> {
  const c = new pg.Client({ connectionString: backingUrl, application_name: 'rsetl bench raw copy' });
  await c.connect();
  const schema = `${likeSchema}_rawcopy`;
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
    await c.query(`CREATE SCHEMA ${ident(schema)}`);
    for (const t of TABLE_DEFS) {
      await c.query(`CREATE TABLE ${ident(schema)}.${ident(t.name)} (LIKE ${ident(likeSchema)}.${ident(t.name)} INCLUDING DEFAULTS)`);
    }
    const order = new Map(TABLE_DEFS.map((t, i) => [t.name, i]));
    const sorted = [...files].sort((x, y) => (order.get(x.table) ?? 0) - (order.get(y.table) ?? 0));
    const perTable: RawCopyBaseline['perTable'] = {};
    const t0 = performance.now();
    for (const f of sorted) {
      const s0 = performance.now();
      const stream = c.query(copyFrom(`COPY ${ident(schema)}.${ident(f.table)} (${f.columns.map(ident).join(', ')}) FROM STDIN`));
      await pipeline(createReadStream(f.path, { highWaterMark: 1 << 20 }), stream);
      perTable[f.table] = { rows: f.rows, ms: Math.round(performance.now() - s0) };
    }
    const ms = performance.now() - t0;
    const loaded = await c.query<{ n: string }>(
      sorted.map((f) => `SELECT count(*) AS n FROM ${ident(schema)}.${ident(f.table)}`).join(' UNION ALL ') || 'SELECT 0 AS n',
    );
    const rows = loaded.rows.reduce((a, r) => a + Number(r.n), 0);
    const expected = files.reduce((a, f) => a + f.rows, 0);
    if (rows !== expected) throw new Error(`raw COPY loaded ${rows} rows, expected ${expected}`);
    const bytes = files.reduce((a, f) => a + f.bytes, 0);
    return { rows, bytes, tables: files.length, ms, rowsPerSecond: rows / (ms / 1000), mbPerSecond: bytes / 1e6 / (ms / 1000), perTable };
  } finally {
    await c.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`).catch(() => undefined);
    await c.end();
  }
}
