// Where an rsetl run spent its time, from the run table (one row per committed load, with its
// start, end and counters) and the child's database round-trip timeline (child-hook.ts).
//
// One load, as src/pipeline/load-window.ts runs it, in order:
//   prepare   = from the load's start to its first Redshift round trip: source pages read,
//               transform, combine, NDJSON, gzip, and the S3 uploads finishing (sink.finish);
//   warehouse = from the first to the last Redshift round trip of the load (connect on the first
//               load, BEGIN, LOCK, COPYs, write rules, ledger, COMMIT);
//   finish    = from the COMMIT to the end recorded in the run table (advancing the bus).
// Outside loads: process start-up until the first load starts, the gaps between loads (run-table
// insert, S3 deletes, re-reading the bus) and the tail (the last, empty read that finds nothing,
// after-load work such as instructor snapshots and the materialized view refresh, exit).
import type { ChildTrace, TraceEvent } from './child-hook.js';
import type { ChildRun } from './child.js';

export interface RunRow {
  id: number;
  loadId: string | null;
  startedAt: number;
  finishedAt: number;
  events: number;
  tables: Record<string, number>;
  bytesStaged: number;
  statements: number;
  /** Requests to Redshift that carried the statements (a batch is one). */
  roundTrips: number;
  copies: number;
  durationMs: number;
  outcome: string;
}

export interface StageSplit {
  wallMs: number;
  startupMs: number;
  loadsMs: number;
  prepareMs: number;
  /** Of prepare: round trips of the window-page query (readWindow), rows parsed by pg included. */
  prepareSourceReadMs: number;
  sourceReadQueries: number;
  /** Of prepare: the other source round trips (source clock, lookback id times). */
  prepareSourceOtherMs: number;
  /** Of prepare: the rest — transform, combine, NDJSON, gzip, waiting for S3 uploads. */
  prepareProcessingMs: number;
  warehouseMs: number;
  warehouseCopyMs: number;
  copyStatements: number;
  warehouseOtherMs: number;
  otherStatements: number;
  warehouseConnectMs: number;
  /** Of warehouse: time between round trips (client-side work, event loop). */
  warehouseGapMs: number;
  finishMs: number;
  betweenLoadsMs: number;
  tailMs: number;
  /** Round trips outside loads (the tail's after-load work, bus bookkeeping). */
  outsideLoadsWarehouseMs: number;
  /** Redshift statements outside loads (not counted in the run table): after-load work, sessions. */
  outsideLoadsWarehouseStatements: number;
  outsideLoadsSourceMs: number;
}

/** The window page query (src/source/outbox.ts readWindow): the only source query returning datajson. */
const isWindowRead = (e: TraceEvent) => e.kind === 'query' && /^select\b[^;]*\bdatajson\b/i.test(e.sql ?? '');
const isCopy = (e: TraceEvent) => e.kind === 'query' && /^COPY\b/i.test(e.sql ?? '');
const dur = (e: TraceEvent) => e.t1 - e.t0;
const sum = (xs: TraceEvent[]) => xs.reduce((a, e) => a + dur(e), 0);

function emptySplit(): StageSplit {
  return {
    wallMs: 0, startupMs: 0, loadsMs: 0, prepareMs: 0, prepareSourceReadMs: 0, sourceReadQueries: 0, prepareSourceOtherMs: 0,
    prepareProcessingMs: 0, warehouseMs: 0, warehouseCopyMs: 0, copyStatements: 0, warehouseOtherMs: 0, otherStatements: 0,
    warehouseConnectMs: 0, warehouseGapMs: 0, finishMs: 0, betweenLoadsMs: 0, tailMs: 0, outsideLoadsWarehouseMs: 0,
    outsideLoadsWarehouseStatements: 0, outsideLoadsSourceMs: 0,
  };
}

/** The split of one child run; `rows` are the run-table rows that child wrote. */
export function splitOfRun(run: ChildRun, rows: RunRow[], ports: { warehouse: number }): StageSplit {
  const s = emptySplit();
  s.wallMs = run.wallMs;
  const trace: ChildTrace | undefined = run.trace;
  const events = trace?.events ?? [];
  const loads = rows.filter((r) => r.outcome === 'loaded' || r.outcome === 'already-loaded' || r.outcome === 'nothing-to-load');
  const inLoad = new Set<TraceEvent>();
  for (const r of loads) {
    const start = r.startedAt;
    const end = Math.max(r.finishedAt, r.startedAt + r.durationMs);
    const mine = events.filter((e) => e.t0 >= start - 1 && e.t0 <= end + 1);
    mine.forEach((e) => inLoad.add(e));
    const wh = mine.filter((e) => e.port === ports.warehouse);
    const src = mine.filter((e) => e.port !== ports.warehouse);
    const w0 = wh.length ? Math.min(...wh.map((e) => e.t0)) : end;
    const w1 = wh.length ? Math.max(...wh.map((e) => e.t1)) : end;
    const prepSrc = src.filter((e) => e.t0 < w0);
    const reads = prepSrc.filter(isWindowRead);
    const prepare = w0 - start;
    s.loadsMs += end - start;
    s.prepareMs += prepare;
    s.prepareSourceReadMs += sum(reads);
    s.sourceReadQueries += reads.length;
    s.prepareSourceOtherMs += sum(prepSrc.filter((e) => !isWindowRead(e)));
    const copies = wh.filter(isCopy);
    const connects = wh.filter((e) => e.kind === 'connect');
    const others = wh.filter((e) => e.kind === 'query' && !isCopy(e));
    s.warehouseMs += w1 - w0;
    s.warehouseCopyMs += sum(copies);
    s.copyStatements += copies.length;
    s.warehouseOtherMs += sum(others);
    s.otherStatements += others.length;
    s.warehouseConnectMs += sum(connects);
    s.finishMs += end - w1;
  }
  s.prepareProcessingMs = s.prepareMs - s.prepareSourceReadMs - s.prepareSourceOtherMs;
  s.warehouseGapMs = s.warehouseMs - s.warehouseCopyMs - s.warehouseOtherMs - s.warehouseConnectMs;
  const outside = events.filter((e) => !inLoad.has(e));
  s.outsideLoadsWarehouseMs = sum(outside.filter((e) => e.port === ports.warehouse));
  s.outsideLoadsWarehouseStatements = outside.filter((e) => e.port === ports.warehouse && e.kind === 'query').length;
  s.outsideLoadsSourceMs = sum(outside.filter((e) => e.port !== ports.warehouse));
  if (loads.length > 0) {
    const first = Math.min(...loads.map((r) => r.startedAt));
    const last = Math.max(...loads.map((r) => Math.max(r.finishedAt, r.startedAt + r.durationMs)));
    s.startupMs = first - run.spawnAt;
    s.tailMs = run.exitAt - last;
    s.betweenLoadsMs = s.wallMs - s.startupMs - s.loadsMs - s.tailMs;
  } else {
    s.tailMs = s.wallMs;
  }
  return s;
}

export function addSplits(a: StageSplit, b: StageSplit): StageSplit {
  const out = emptySplit();
  for (const k of Object.keys(out) as (keyof StageSplit)[]) out[k] = a[k] + b[k];
  return out;
}

export function roundSplit(s: StageSplit): StageSplit {
  const out = { ...s };
  for (const k of Object.keys(out) as (keyof StageSplit)[]) out[k] = Math.round(out[k]);
  return out;
}
