// The bench's result object (printed as one JSON line with --json) and its readable rendering.
//
// Definitions (all measured in the same bench run, on this machine):
// - eventsPerSecond: events ÷ wall time of the `rsetl poll` child process(es), spawn to exit, on the
//   local stack without latency (start-up, every load, the final empty read, exit included).
// - rawCopyRowsPerSecond: baseline (a), rows ÷ time of COPY FROM STDIN of the same rows.
// - ratioToRawCopy: time of raw COPY of the rows rsetl staged for these events ÷ rsetl's end-to-end
//   wall time = rsetl events/s ÷ (events ÷ raw COPY time). 1.0 would mean rsetl moves the events
//   from the outbox into the tables as fast as PostgreSQL ingests their rows by COPY FROM STDIN.
// - ratioToPrepareBaseline: rsetl's preparation rate (events ÷ the loads' prepare time: source pages,
//   transform, combine, NDJSON, gzip, S3 uploads, inside the child, see analysis.ts) ÷ baseline (c)
//   (events ÷ transform + combine + NDJSON + gzip level 1 time, in process, one core, no I/O).
// - speedupVsWindowed: with the stand-in's latency model, (projected) wall time of the old system's
//   shape (one window of --max-events-per-load events per transaction) ÷ wall time of rsetl's default
//   coalescing, for the same number of events.
// - peakRssMb: peak resident set of the rsetl child in MiB (getrusage maxRSS at exit).
// - copiesPer100k / statementsPer100k: COPYs / Redshift statements per 100,000 events (run table).
// - manyBuses.speedup: with the latency model plus the commit queue and WLM slots, wall time until
//   --buses buses of --events-per-bus events each are caught up at `rsetl poll --concurrency 1` ÷
//   the same at --many-buses-concurrency (many-buses.ts).
// - cpuMsPer100k: CPU time (user + system, getrusage of the child, all its threads) of the main
//   rsetl run per 100,000 events; rsetlCpuThreads splits it by thread (thread-cpu.ts).
// - idleManyBuses: `rsetl poll` with 40 more buses in the control schema, none due: wall time and
//   the queries it sent to the source and to Redshift (idle-many.ts).
// - concurrentRss: peak RSS of one `rsetl poll --concurrency 4` loading 4 buses of 250,000 events
//   each at once (concurrent-rss.ts).
// - freshness: commit → visible in Redshift under `rsetl poll --loop` with a steady stream of
//   events and the latency model, p50 / p99 over the stream's PageNavEvents (freshness.ts).
import type { StageSplit } from './analysis.js';
import type { PrepareBaseline, RawCopyBaseline, ReadBaseline } from './baselines.js';
import type { CpuSummary } from './cpu-profile.js';
import { renderConcurrentRss, type ConcurrentRssFigures } from './concurrent-rss.js';
import { renderFreshness, type FreshnessFigures } from './freshness.js';
import { renderIdleMany, type IdleManyFigures } from './idle-many.js';
import { renderManyBuses, type ManyBusesFigures } from './many-buses.js';
import type { ThreadCpu } from './thread-cpu.js';

/** A baseline's fastest run, all runs' times, and the cores the bench / other processes used during it. */
export type Measured<T> = T & { runsMs: number[]; ownCpuCores: number | null; foreignCpuCores: number | null };

export interface RunFigures {
  events: number;
  wallMs: number;
  eventsPerSecond: number;
  polls: number;
  loads: number;
  statements: number;
  roundTrips: number;
  copies: number;
  statementsPer100k: number;
  copiesPer100k: number;
  /** Over loads that committed: statements and round trips per touched table (COPYs = tables touched). */
  statementsPerTouchedTable: number;
  roundTripsPerTouchedTable: number;
  maxCopiesPerLoad: number;
  maxTablesTouchedPerLoad: number;
  bytesStaged: number;
  rowsStaged: number;
  keyRowsStaged: number;
  sideLinesStaged: number;
  rowsStagedByTable: Record<string, number>;
  peakRssMb: number;
  memoryMaxMb: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number } | null;
  rssSampledMaxMb: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  eventLoopUtilization: number | null;
  /** Average cores busy during the run: the bench's process tree (rsetl, S3, stand-in, PostgreSQL) / anything else. */
  ownCpuCores: number | null;
  foreignCpuCores: number | null;
  prepareEventsPerSecond: number;
  split: StageSplit;
  loadsDetail: Array<{ events: number; durationMs: number; statements: number; roundTrips: number; copies: number; bytesStaged: number; outcome: string }>;
}

export interface WindowedFigures extends RunFigures {
  maxEventsPerLoad: number;
  projected: boolean;
  projectedEvents: number;
  projectedWallMs: number;
  projectedEventsPerSecond: number;
}

export interface BenchResult {
  events: number;
  /** The main run's stream kept only these event types (`--event-types`); null: every type. */
  eventTypes: string[] | null;
  eventsPerSecond: number;
  rawCopyRowsPerSecond: number | null;
  ratioToRawCopy: number | null;
  ratioToPrepareBaseline: number | null;
  speedupVsWindowed: number | null;
  peakRssMb: number;
  copiesPer100k: number;
  statementsPer100k: number;
  bytesStaged: number;
  rsetl: RunFigures & {
    maxEventsPerLoad: number;
    idlePollMs: { nothingDue: number; dueNothingPending: number };
    /** `poll --loop --bus X` with X not due and another bus due all along. */
    idleLoop: { seconds: number; sourceTransactionsPerMinute: number; outputLines: number };
    rssMethod: string;
  };
  baselines: {
    read: Measured<ReadBaseline> | null;
    prepare: Measured<PrepareBaseline> | null;
    rawCopy: (Measured<RawCopyBaseline> & { eventsPerSecond: number }) | null;
    /** events ÷ ((b) + (c)): what one core doing read then prepare serially would reach. */
    prepareSerialReadPlusPrepare: number | null;
    /**
     * (a) time ÷ ((b) + (c) time): the ratioToRawCopy that reading and preparing the events on one
     * core would reach even if loading them into the warehouse took no time at all.
     */
    ratioToRawCopyCeilingOneCore: number | null;
  };
  latency: {
    statementMs: number;
    copyMs: number;
    coalesced: RunFigures;
    /** The coalesced run again through the Redshift Data API (redshift.transport "data-api"). */
    dataApi: (RunFigures & { callMs: number; wallRatioToPostgres: number }) | null;
    windowed: WindowedFigures | null;
    speedupVsWindowed: number | null;
  } | null;
  /** Many buses at concurrency 1 vs N (many-buses.ts); null when skipped. */
  manyBuses: ManyBusesFigures | null;
  /** CPU (user + system) of the main rsetl run per 100,000 events, ms, and by thread. */
  cpuMsPer100k: number;
  rsetlCpuThreads: ThreadCpu | null;
  idleManyBuses: IdleManyFigures;
  concurrentRss: ConcurrentRssFigures | null;
  freshness: FreshnessFigures | null;
  cpuProfile: (CpuSummary & { profile: string; wallMs: number }) | null;
  setup: { terms: number; insertMs: number; vacuumMs: number; initEtlMs: number; benchMs: number; benchPeakRssMb: number };
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; postgres: string; loadAverageAtStart: number[] };
  notes: string[];
}

const int = (n: number | null | undefined) => (n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));
const fixed = (n: number | null | undefined, d = 2) => (n === null || n === undefined ? '—' : n.toFixed(d));
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const foreign = (cores: number | null) => (cores === null ? '' : `; other processes ${cores.toFixed(2)} cores`);
const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '—');

function table(rows: Array<[string, string, string?]>): string {
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  return rows.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padStart(w1)}${c ? `  ${c}` : ''}`).join('\n') + '\n';
}

function splitRows(s: StageSplit): Array<[string, string, string?]> {
  return [
    ['wall time (spawn → exit)', secs(s.wallMs)],
    ['  start-up → first load', secs(s.startupMs), pct(s.startupMs, s.wallMs)],
    ['  loads', secs(s.loadsMs), pct(s.loadsMs, s.wallMs)],
    ['    prepare', secs(s.prepareMs), pct(s.prepareMs, s.wallMs)],
    // readWindow sends the next page's query as soon as a page arrives, so these round trips are
    // in flight while the previous page is transformed: the two lines below overlap.
    ['      source pages in flight (readWindow)', secs(s.prepareSourceReadMs), `${s.sourceReadQueries} queries, overlapping the processing`],
    ['      other source round trips', secs(s.prepareSourceOtherMs)],
    ['      transform/NDJSON/gzip/upload (at least)', secs(s.prepareProcessingMs)],
    ['    warehouse (Redshift)', secs(s.warehouseMs), pct(s.warehouseMs, s.wallMs)],
    // Statement times are summed over every session: with COPY lanes (docs/design.md#copy-lanes)
    // several run at once, and the sum exceeds the wall time they took (the gap goes negative).
    ['      COPY', secs(s.warehouseCopyMs), `${s.copyStatements} COPYs${s.warehouseGapMs < 0 ? ', summed over the COPY lanes' : ''}`],
    ['      other statements', secs(s.warehouseOtherMs), `${s.otherStatements} statements`],
    ['      connect', secs(s.warehouseConnectMs)],
    s.warehouseGapMs < 0
      ? ['      overlap of the COPY lanes', secs(-s.warehouseGapMs), 'statement time that ran side by side']
      : ['      between round trips', secs(s.warehouseGapMs)],
    ['    finish (advance the bus)', secs(s.finishMs), pct(s.finishMs, s.wallMs)],
    ['  between loads', secs(s.betweenLoadsMs), pct(s.betweenLoadsMs, s.wallMs)],
    ['  tail (empty read, after-load work, exit)', secs(s.tailMs), pct(s.tailMs, s.wallMs)],
    ['  round trips outside loads: Redshift / source', `${secs(s.outsideLoadsWarehouseMs)} / ${secs(s.outsideLoadsSourceMs)}`, `${s.outsideLoadsWarehouseStatements} Redshift statements not in the run table`],
  ];
}

export function renderReport(r: BenchResult): string {
  const b = r.baselines;
  const types = r.eventTypes ? ` of ${r.eventTypes.length} types (${r.eventTypes.join(', ')})` : '';
  let out = `\nrsetl bench — ${int(r.events)} events${types}, ${r.machine.cpus} CPUs (${r.machine.cpuModel}), Node ${r.machine.node}, PostgreSQL ${r.machine.postgres}\n\n`;
  out += 'Headline\n';
  out += table([
    ['events/s end to end (rsetl poll, local stand-in, no latency)', int(r.eventsPerSecond)],
    ['raw COPY FROM STDIN rows/s — baseline (a)', int(r.rawCopyRowsPerSecond)],
    ['ratioToRawCopy (raw COPY time ÷ rsetl wall time; target ≥ 0.20)', fixed(r.ratioToRawCopy, 3)],
    ['ratioToPrepareBaseline (rsetl prepare rate ÷ (c); target ≥ 0.50)', fixed(r.ratioToPrepareBaseline, 3)],
    ['speedupVsWindowed (latency model; target ≥ 20)', fixed(r.speedupVsWindowed, 1)],
    [`many buses: speedup at concurrency ${r.manyBuses?.concurrent.concurrency ?? 4} vs 1 (target ≥ 3)`, fixed(r.manyBuses?.speedup, 2)],
    ['peak RSS of rsetl, MiB (target < 300)', fixed(r.peakRssMb, 1)],
    ['rsetl CPU per 100k events, user + system, s (goal ≤ 1.8)', fixed(r.cpuMsPer100k / 1000, 2)],
    [`idle poll, ${r.idleManyBuses.buses} buses none due: wall ms / source queries (goal < 1000 / ≤ 3)`, `${r.idleManyBuses.medianMs} / ${r.idleManyBuses.sourceQueries}`],
    [`peak RSS, one poll at concurrency ${r.concurrentRss?.concurrency ?? 4} × ${int(r.concurrentRss?.eventsPerLoad ?? 250_000)} events, MiB (goal < 400)`, fixed(r.concurrentRss?.peakRssMb, 1)],
    ['freshness p50 / p99, s (goal p99 < 3 intervals)', r.freshness ? `${fixed(r.freshness.p50Seconds, 1)} / ${fixed(r.freshness.p99Seconds, 1)}` : '—'],
    ['COPYs per 100k events', fixed(r.copiesPer100k, 1)],
    ['statements per 100k events', fixed(r.statementsPer100k, 1)],
    ['bytes staged (gzip)', mb(r.bytesStaged)],
  ]);
  const m = r.rsetl;
  out += `\nrsetl run (maxEventsPerLoad ${int(m.maxEventsPerLoad)})\n`;
  out += table([
    ['polls / loads', `${m.polls} / ${m.loads}`],
    ['statements / round trips / COPYs', `${m.statements} / ${m.roundTrips} / ${m.copies}`, `max ${m.maxCopiesPerLoad} COPYs and ${m.maxTablesTouchedPerLoad} tables touched per load`],
    ['per touched table: statements / round trips (target ≤ 2.5)', `${fixed(m.statementsPerTouchedTable, 2)} / ${fixed(m.roundTripsPerTouchedTable, 2)}`, 'loads that committed; a COPY per touched table'],
    ['rows staged: data / delete+obfuscate keys / side lines', `${int(m.rowsStaged)} / ${int(m.keyRowsStaged)} / ${int(m.sideLinesStaged)}`, m.sideLinesStaged ? '(side lines: <table>__events stages)' : ''],
    ['prepare rate, events/s', int(m.prepareEventsPerSecond)],
    ['peak RSS (getrusage) / max sampled VmRSS, MiB', `${fixed(m.peakRssMb, 1)} / ${fixed(m.rssSampledMaxMb, 1)}`],
    ...(m.memoryMaxMb
      ? ([['  max heap total / heap used / external / array buffers, MiB', `${fixed(m.memoryMaxMb.heapTotal, 0)} / ${fixed(m.memoryMaxMb.heapUsed, 0)} / ${fixed(m.memoryMaxMb.external, 0)} / ${fixed(m.memoryMaxMb.arrayBuffers, 0)}`, 'process.memoryUsage() every 100 ms']] as Array<[string, string, string?]>)
      : []),
    ['CPU user / system', `${secs(m.cpuUserMs)} / ${secs(m.cpuSystemMs)}`, `event loop busy ${m.eventLoopUtilization === null ? '—' : pct(m.eventLoopUtilization, 1)}`],
    ['cores busy during the run: bench tree / other processes', `${fixed(m.ownCpuCores, 2)} / ${fixed(m.foreignCpuCores, 2)}`, `of ${r.machine.cpus}; load average at bench start ${r.machine.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}`],
    ['idle poll: nothing due / due, nothing pending', `${m.idlePollMs.nothingDue} ms / ${m.idlePollMs.dueNothingPending} ms`],
    ['idle poll --loop --bus X (X not due, another bus due)', `${m.idleLoop.sourceTransactionsPerMinute} source transactions/min`, `${m.idleLoop.outputLines} output lines in ${m.idleLoop.seconds} s`],
  ]);
  out += '\nTime split of the rsetl run\n' + table(splitRows(m.split));
  out += '\nBaselines (same events, same machine, this run)\n';
  out += table([
    ['(b) read window pages', b.read ? `${int(b.read.eventsPerSecond)} events/s` : '—', b.read ? `${secs(b.read.ms)}, ${b.read.pages} pages; runs ${b.read.runsMs.join('/')} ms${foreign(b.read.foreignCpuCores)}` : ''],
    ['(c) transform+combine+NDJSON+gzip-1', b.prepare ? `${int(b.prepare.eventsPerSecond)} events/s` : '—', b.prepare ? `${secs(b.prepare.ms)} (CPU ${secs(b.prepare.cpuMs)}), ${int(b.prepare.rows)} rows${foreign(b.prepare.foreignCpuCores)}` : ''],
    ...(b.prepare
      ? ([
          ['      transform', secs(b.prepare.split.transformMs)],
          ['      combine', secs(b.prepare.split.combineMs)],
          ['      NDJSON encode', secs(b.prepare.split.encodeMs)],
          ['      gzip level 1', secs(b.prepare.split.gzipMs), `${mb(b.prepare.ndjsonBytes)} → ${mb(b.prepare.gzipBytes)}`],
        ] as Array<[string, string, string?]>)
      : []),
    ['(a) raw COPY FROM STDIN', b.rawCopy ? `${int(b.rawCopy.rowsPerSecond)} rows/s` : '—', b.rawCopy ? `${secs(b.rawCopy.ms)}, ${int(b.rawCopy.rows)} rows in ${b.rawCopy.tables} tables, ${mb(b.rawCopy.bytes)}, = ${int(b.rawCopy.eventsPerSecond)} events/s; runs ${b.rawCopy.runsMs.join('/')} ms${foreign(b.rawCopy.foreignCpuCores)}` : ''],
    ['(b)+(c) serially on one core', b.prepareSerialReadPlusPrepare ? `${int(b.prepareSerialReadPlusPrepare)} events/s` : '—'],
    ['(a) ÷ ((b)+(c)): ratioToRawCopy of one core with a free warehouse', fixed(b.ratioToRawCopyCeilingOneCore, 3)],
  ]);
  if (r.latency) {
    const l = r.latency;
    out += `\nLatency model (${l.statementMs} ms per statement, ${l.copyMs} ms per COPY)\n`;
    const rows: Array<[string, string, string?]> = [
      ['coalesced (rsetl default)', `${int(l.coalesced.eventsPerSecond)} events/s`, `${secs(l.coalesced.wallMs)}, ${l.coalesced.loads} loads, ${l.coalesced.copies} COPYs, ${l.coalesced.statements} statements`],
    ];
    if (l.dataApi) {
      const d = l.dataApi;
      rows.push([
        `coalesced through the Data API (+${d.callMs} ms per call)`,
        `${int(d.eventsPerSecond)} events/s`,
        `${secs(d.wallMs)} (${fixed(d.wallRatioToPostgres, 2)}× the postgres transport's), ${d.loads} loads, ${d.copies} COPYs, ${d.statements} statements`,
      ]);
    }
    if (l.windowed) {
      const w = l.windowed;
      rows.push([
        `windowed (${int(w.maxEventsPerLoad)} events per load)`,
        `${int(w.projectedEventsPerSecond)} events/s`,
        `${w.projected ? `measured ${secs(w.wallMs)} on ${int(w.events)} events, projected ${secs(w.projectedWallMs)} for ${int(w.projectedEvents)}` : secs(w.wallMs)}; ${w.loads} loads, ${w.copies} COPYs, ${w.statements} statements`,
      ]);
      rows.push(['speedupVsWindowed', fixed(l.speedupVsWindowed, 1)]);
    }
    out += table(rows);
    out += '\n  coalesced run, time split\n' + table(splitRows(l.coalesced.split));
    if (l.windowed) out += '\n  windowed run, time split (measured sample)\n' + table(splitRows(l.windowed.split));
  }
  if (r.manyBuses) out += renderManyBuses(r.manyBuses);
  out += renderIdleMany(r.idleManyBuses);
  if (r.concurrentRss) out += renderConcurrentRss(r.concurrentRss);
  if (r.freshness) out += renderFreshness(r.freshness);
  if (r.rsetlCpuThreads) {
    const threads = Object.entries(r.rsetlCpuThreads).sort((a, b) => b[1].userMs + b[1].systemMs - a[1].userMs - a[1].systemMs);
    const total = threads.reduce((a, [, v]) => a + v.userMs + v.systemMs, 0);
    out += `\nCPU of the main rsetl run by thread (${secs(total)} user + system; per 100k events ${fixed(r.cpuMsPer100k / 1000, 2)} s)\n`;
    out += table(threads.map(([name, v]) => [`${name}${v.threads > 1 ? ` ×${v.threads}` : ''}`, secs(v.userMs + v.systemMs), pct(v.userMs + v.systemMs, total)]));
    out += '  (a --cpu-prof profile sees the main thread only)\n';
  }
  if (r.cpuProfile) {
    const c = r.cpuProfile;
    out += `\nCPU profile of an extra rsetl run (main thread, ${secs(c.totalMs)} sampled; run took ${secs(c.wallMs)} with the profiler)\n`;
    out += table(c.byCategory.map((x) => [x.category, `${secs(x.ms)}`, `${x.pct}%`]));
    out += '  top functions by self time\n' + table(c.topFunctions.map((x) => [x.fn.slice(0, 90), secs(x.ms), `${x.pct}%`]));
    out += `  profile kept at ${c.profile} (open in Chrome DevTools)\n`;
  }
  out += `\nSetup: ${r.setup.terms} term(s) generated and inserted in ${secs(r.setup.insertMs)}, VACUUM ${secs(r.setup.vacuumMs)}, init-etl ${secs(r.setup.initEtlMs)}; whole bench ${secs(r.setup.benchMs)}, bench process peak RSS ${fixed(r.setup.benchPeakRssMb, 0)} MiB (it hosts S3 and the stand-in)\n`;
  for (const n of r.notes) out += `Note: ${n}\n`;
  return out;
}
