// Micro benchmark of the per-event hot path, in process, without PostgreSQL or S3: transformEvent
// over N demo events (bench/events.ts's stream with a fixed clock, datajson re-parsed from JSON
// text as the outbox read does), then rowEncoder over the put rows it produced (uncombined), the
// lines joined into ~1 MiB Buffers per table as the staging sink does. Each stage runs three times
// and the best is printed, then a digest of the ops and of the NDJSON bytes, so runs before and
// after a change can be checked for identical output. Profile with `node --cpu-prof`.
//
//   npx tsc -p tsconfig.bench.json && node --expose-gc dist-bench/bench/transform-micro.js [events]
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { transformEvent, HANDLERS_BY_TYPE } from '../src/events/registry.js';
import type { OutboxEvent } from '../src/events/envelope.js';
import { tableByName } from '../src/model/tables.js';
import { rowEncoder, type RowEncoder } from '../src/stage/row-encoder.js';
import { benchEvents, planStream } from './events.js';

const total = Number(process.argv[2] ?? 200_000);
const ctx = { loadTime: '2025-03-20 12:00:00.000' };

/** Run with --expose-gc to start each repetition from a collected heap (less noise). */
const gc = (globalThis as { gc?: () => void }).gc;

/** Best of three, by wall time; the process CPU time of that run too (other load on the machine inflates wall time only). */
function best<T>(label: string, units: number, unitName: string, run: () => T): T {
  let out: T | undefined;
  let min = Infinity;
  let cpuAtMin = 0;
  for (let i = 0; i < 3; i++) {
    out = undefined;
    gc?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    out = run();
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (ms < min) {
      min = ms;
      cpuAtMin = (c.user + c.system) / 1000;
    }
  }
  const rate = Math.round(units / (min / 1000)).toLocaleString('en-US');
  console.log(`${label.padEnd(30)} ${min.toFixed(0).padStart(6)} ms (cpu ${cpuAtMin.toFixed(0).padStart(6)} ms)  ${rate.padStart(11)} ${unitName}/s`);
  return out!;
}

const plan = planStream(total, '1', Date.UTC(2025, 2, 20, 12));
const events: OutboxEvent[] = [];
let n = 0;
for (const e of benchEvents(plan)) {
  events.push({ id: String(++n), guid: e.guid, time: e.time.toISOString(), datajson: JSON.parse(JSON.stringify(e.datajson)) });
}
console.log(`${events.length} events`);

const results = best('transformEvent', events.length, 'events', () => events.map((ev) => transformEvent(ev, ctx)));

// Zod alone (the handler schemas), to see what share of transform is validation.
best('  handler schema parse only', events.length, 'events', () => {
  let ok = 0;
  for (const ev of events) {
    const h = HANDLERS_BY_TYPE.get((ev.datajson as { eventType: string }).eventType);
    if (h?.schema.safeParse(ev.datajson).success) ok++;
  }
  return ok;
});

const puts: Array<{ table: string; row: Record<string, unknown> }> = [];
for (const r of results) {
  for (const op of r.ops) if (op.op === 'put') puts.push({ table: op.table, row: op.row as Record<string, unknown> });
}
const encoders = new Map<string, RowEncoder>();
const encoderOf = (t: string): RowEncoder => {
  let e = encoders.get(t);
  if (!e) encoders.set(t, (e = rowEncoder(tableByName(t).columns)));
  return e;
};
// As the staging sink does (src/stage/staged-load.ts): lines collect per table and are joined into
// one Buffer per ~1 MiB, which is where the encoder's concatenated strings get flattened.
function encodeAll(onChunk?: (b: Buffer) => void): number {
  const pending = new Map<string, { lines: string[]; chars: number }>();
  let bytes = 0;
  const flush = (p: { lines: string[]; chars: number }) => {
    const b = Buffer.from(p.lines.join(''), 'utf8');
    bytes += b.length;
    onChunk?.(b);
    p.lines = [];
    p.chars = 0;
  };
  for (const { table, row } of puts) {
    let p = pending.get(table);
    if (!p) pending.set(table, (p = { lines: [], chars: 0 }));
    const line = encoderOf(table)(row);
    p.lines.push(line);
    p.chars += line.length;
    if (p.chars >= 1 << 20) flush(p);
  }
  for (const p of pending.values()) if (p.chars > 0) flush(p);
  return bytes;
}
best('rowEncoder (+ join to Buffer)', puts.length, 'rows', () => encodeAll());

const opsDigest = createHash('sha256');
for (const r of results) opsDigest.update(JSON.stringify(r)).update('\n');
const ndjsonDigest = createHash('sha256');
const bytes = encodeAll((b) => ndjsonDigest.update(b));
console.log(`${puts.length} put rows, ${bytes} NDJSON bytes`);
console.log(`ops digest    ${opsDigest.digest('hex').slice(0, 16)}`);
console.log(`ndjson digest ${ndjsonDigest.digest('hex').slice(0, 16)}`);
