// `npm run bench`: rsetl's throughput end to end against the local stack, and the baselines it is
// compared with, all measured in the same run on this machine. See report.ts for what each figure
// means and docs/benchmark.md#running for how to run it.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { withClient } from './pg-client.js';
import { loadConfig } from '../src/config/load.js';
import { insertOutboxEvents } from '../src/demo/outbox.js';
import { createOutboxTable } from '../src/source/outbox-table.js';
import { startLocalPostgres, type LocalPostgres } from '../src/localstack/postgres.js';
import { startLocalStack, type LocalStack } from '../src/localstack/stack.js';
import { formatPgTimestamp } from '../src/source/timestamps.js';
import { roundSplit } from './analysis.js';
import { parseBenchArgs, USAGE, type BenchArgs } from './args.js';
import { prepareBaseline, rawCopyBaseline, readBaseline, type CopyFile, type PrepareBaseline, type RawCopyBaseline, type ReadBaseline } from './baselines.js';
import { startCpuMeter } from './cpu-meter.js';
import type { ThreadCpu } from './thread-cpu.js';
import { cleanup, installSignalCleanup, onCleanup } from './cleanup.js';
import { summariseCpuProfile, type CpuSummary } from './cpu-profile.js';
import { benchEvents, planStream, sinceOf, type StreamPlan, type TermInfo } from './events.js';
import { renderReport, type BenchResult, type Measured, type RunFigures } from './report.js';
import { createBus, idleLoopQueries, idlePoll, pollUntilCaughtUp, writeChildConfig, type RsetlRun } from './rsetl-run.js';
import { manyBusesScenario } from './many-buses.js';
import { concurrentRss } from './concurrent-rss.js';
import { freshness } from './freshness.js';
import { idleManyBuses } from './idle-many.js';

// The AWS SDK's Node 20 deprecation warning, once per S3 client (bin/rsetl silences it the same way).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT_ID = '1';
const started = performance.now();
const log = (msg: string) =>
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s ${String(Math.round(process.memoryUsage().rss / 2 ** 20)).padStart(4)} MiB] ${msg}\n`);

/** Runs a measurement `n` times and keeps the fastest, with the CPU other processes used meanwhile. */
async function fastest<T extends { ms: number }>(n: number, f: () => Promise<T>): Promise<Measured<T>> {
  let best: Measured<T> | undefined;
  const runsMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const meter = startCpuMeter();
    const r = await f();
    const cpu = meter();
    runsMs.push(Math.round(r.ms));
    if (!best || r.ms < best.ms) best = { ...r, runsMs, ownCpuCores: cpu?.ownCores ?? null, foreignCpuCores: cpu?.foreignCores ?? null };
  }
  return best!;
}

/** A source database holding the first `limit` events of the stream, vacuumed and analysed. */
async function fillSource(server: LocalPostgres, name: string, plan: StreamPlan, limit: number): Promise<{ url: string; events: number; insertMs: number; vacuumMs: number; terms: TermInfo[] }> {
  const url = await server.createDatabase(name);
  const terms: TermInfo[] = [];
  return withClient(url, async (c) => {
    await createOutboxTable(c);
    const t0 = performance.now();
    const events = await insertOutboxEvents(c, benchEvents(plan, limit, (t) => terms.push(t)), { firstId: 1_000_000 });
    const insertMs = performance.now() - t0;
    // A real outbox has been vacuumed long before it is read; freshly COPYed rows would make the
    // first reader pay for setting their hint bits.
    const v0 = performance.now();
    await c.query('VACUUM (ANALYZE) analyticfinder');
    return { url, events, insertMs, vacuumMs: performance.now() - v0, terms };
  });
}

function figures(run: RsetlRun): RunFigures {
  const per100k = (n: number) => (n / run.events) * 100_000;
  return {
    events: run.events,
    wallMs: Math.round(run.wallMs),
    eventsPerSecond: run.events / (run.wallMs / 1000),
    polls: run.children,
    loads: run.loads,
    statements: run.statements,
    roundTrips: run.roundTrips,
    copies: run.copies,
    statementsPer100k: per100k(run.statements),
    ...perTouchedTable(run.rows),
    copiesPer100k: per100k(run.copies),
    maxCopiesPerLoad: run.maxCopiesPerLoad,
    maxTablesTouchedPerLoad: run.maxTablesTouchedPerLoad,
    bytesStaged: run.bytesStaged,
    rowsStaged: run.rowsStaged,
    keyRowsStaged: run.keyRowsStaged,
    sideLinesStaged: run.sideLinesStaged,
    rowsStagedByTable: run.rowsStagedByTable,
    memoryMaxMb: run.memory,
    peakRssMb: run.peakRssKb / 1024,
    rssSampledMaxMb: run.rssSampledMaxKb / 1024,
    cpuUserMs: Math.round(run.cpuUserMs),
    cpuSystemMs: Math.round(run.cpuSystemMs),
    eventLoopUtilization: run.eventLoopUtilization,
    ownCpuCores: run.ownCpuCores,
    foreignCpuCores: run.foreignCpuCores,
    prepareEventsPerSecond: run.events / (run.split.prepareMs / 1000),
    split: roundSplit(run.split),
    loadsDetail: run.rows.map((r) => ({ events: r.events, durationMs: r.durationMs, statements: r.statements, roundTrips: r.roundTrips, copies: r.copies, bytesStaged: r.bytesStaged, outcome: r.outcome })),
  };
}

/** Statements and round trips of the committed loads per table they touched (a COPY each). */
function perTouchedTable(rows: RsetlRun['rows']): { statementsPerTouchedTable: number; roundTripsPerTouchedTable: number } {
  const loaded = rows.filter((r) => r.outcome === 'loaded');
  const touched = loaded.reduce((a, r) => a + r.copies, 0) || 1;
  return {
    statementsPerTouchedTable: loaded.reduce((a, r) => a + r.statements, 0) / touched,
    roundTripsPerTouchedTable: loaded.reduce((a, r) => a + r.roundTrips, 0) / touched,
  };
}

async function bench(args: BenchArgs): Promise<BenchResult> {
  const notes: string[] = [];
  const loadAverageAtStart = os.loadavg();
  const work = await mkdtemp(join(os.tmpdir(), 'rsetl-bench-'));
  if (args.keep) log(`--keep: ${work} (child configs, round-trip traces) stays after the run`);
  else onCleanup(`remove ${work}`, () => rm(work, { recursive: true, force: true }));

  log('starting PostgreSQL (embedded)');
  const server = await startLocalPostgres();
  postmaster = { pid: findPostmaster(server.dataDir), dataDir: server.dataDir };
  onCleanup('stop PostgreSQL', () => server.stop());
  const pgVersion = await withClient(server.url, async (c) => (await c.query<{ server_version: string }>('show server_version')).rows[0]!.server_version);

  const plan = planStream(args.events, ROOT_ID, undefined, args.eventTypes);
  const since = sinceOf(plan);
  log(`generating ${args.events} events into the source (${args.eventTypes ? `of the types ${args.eventTypes.join(', ')}, from whole terms` : `${plan.terms - 1} term(s)`} of the demo world)`);
  const source = await fillSource(server, 'bench_source', plan, args.events);
  log(`inserted ${source.events} events in ${(source.insertMs / 1000).toFixed(1)} s; VACUUM ANALYZE ${(source.vacuumMs / 1000).toFixed(1)} s`);
  const latencyWanted = !args.skipLatency;
  const windowedWanted = latencyWanted && !args.skipWindowed;
  let latencySourceUrl: string | undefined;
  if (latencyWanted) {
    // Autovacuum may still be connected to the new database for a moment, which CREATE ... TEMPLATE refuses.
    for (let attempt = 0; ; attempt++) {
      try {
        await withClient(server.url, (c) => c.query('CREATE DATABASE bench_source_latency TEMPLATE bench_source'));
        break;
      } catch (e) {
        if (attempt >= 50 || !/being accessed by other users/.test((e as Error).message)) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    latencySourceUrl = server.urlFor('bench_source_latency');
  }
  const windowedEvents = Math.min(args.windowedSample, args.events);
  let windowedSource: Awaited<ReturnType<typeof fillSource>> | undefined;
  if (windowedWanted) {
    log(`generating the windowed sample: the first ${windowedEvents} events of the same stream`);
    windowedSource = await fillSource(server, 'bench_source_windowed', plan, windowedEvents);
  }

  // ---- rsetl end to end, local stand-in without latency ----
  log('starting the local stack (fauxqs S3, Redshift stand-in, no latency)');
  const backingUrl = await server.createDatabase('bench_redshift');
  let stack: LocalStack | undefined = await startLocalStack({ dataDir: join(work, 'stack'), sourceUrl: source.url, backingUrl });
  const stopStack = onCleanup('stop the local stack', () => stack?.stop());
  const mainConfig = await writeChildConfig(stack.config, source.url, { intervalSeconds: 240 }, join(work, 'stack', 'main.config.json'));
  const { config: loaded } = await loadConfig({ path: mainConfig, require: ['source', 'redshift', 's3'] });
  const maxEventsPerLoad = loaded.poll.maxEventsPerLoad;
  const i0 = performance.now();
  const busId = await createBus(mainConfig, source.url, 'bench', ROOT_ID, since, join(work, 'main'));
  const initEtlMs = performance.now() - i0;
  log(`rsetl poll (child process) over ${source.events} events, maxEventsPerLoad ${maxEventsPerLoad}`);
  const main = await pollUntilCaughtUp({
    label: 'rsetl', configPath: mainConfig, sourceUrl: source.url, busId, schema: 'bench', expectedEvents: source.events,
    warehousePort: stack.standin.port, workDir: join(work, 'main'), nodeOptions: args.childNodeOptions, log,
  });
  const idleNotDue = await idlePoll(mainConfig, join(work, 'main'));
  await withClient(source.url, (c) => c.query('update rsetl.bus set scheduled = now() where id = $1', [busId]));
  const idleDueEmpty = await idlePoll(mainConfig, join(work, 'main'));
  log(`idle poll: ${Math.round(idleNotDue.wallMs)} ms with nothing due, ${Math.round(idleDueEmpty.wallMs)} ms with the bus due and nothing pending`);
  // The same with 40 buses in the control schema, none due (idle-many.ts; they are removed again).
  const idleMany = await idleManyBuses({ configPath: mainConfig, sourceUrl: source.url, warehousePort: stack.standin.port, workDir: join(work, 'main'), log });
  // poll --loop --bus bench while bench is not due and another bus is due all along.
  const otherBus = await createBus(mainConfig, source.url, 'bench_other', String(Number(ROOT_ID) + 1), since, join(work, 'main'));
  await withClient(source.url, (c) => c.query('update rsetl.bus set scheduled = now() where id = $1', [otherBus]));
  const idleLoop = await idleLoopQueries(mainConfig, source.url, { schema: 'bench', id: busId }, args.idleLoopSeconds, join(work, 'main'));
  log(`idle poll --loop --bus: ${idleLoop.transactions} source transactions in ${args.idleLoopSeconds} s (${idleLoop.perMinute.toFixed(1)}/min), ${idleLoop.outputLines} output lines`);
  if (idleLoop.exitCode !== 0) notes.push(`idle poll --loop exited with ${idleLoop.exitCode}`);
  for (const [what, r] of [['nothing due', idleNotDue], ['due, nothing pending', idleDueEmpty]] as const) {
    if (r.exitCode !== 0) notes.push(`idle poll (${what}) exited with ${r.exitCode}`);
  }

  // ---- baselines, same events, same machine ----
  let read: Measured<ReadBaseline> | undefined;
  let prepare: Measured<PrepareBaseline> | undefined;
  let raw: Measured<RawCopyBaseline> | undefined;
  if (!args.skipBaselines) {
    const w = {
      sourceUrl: source.url, rootId: ROOT_ID, since: formatPgTimestamp(since.getTime() * 1000), events: source.events,
      deadLetter: { controlSchema: loaded.source.controlSchema, busId },
    };
    log(`baseline (b): reading the window pages (fastest of ${args.repeats})`);
    read = await fastest(args.repeats, () => readBaseline(w));
    log('baseline (c): transform + combine + NDJSON + gzip level 1 (and COPY text for (a))');
    const copyDir = join(work, 'copy');
    await mkdir(copyDir, { recursive: true });
    let files: CopyFile[] = [];
    prepare = await fastest(1, async () => {
      const p = await prepareBaseline(w, { loadSize: maxEventsPerLoad, dir: copyDir });
      files = p.files;
      return p.prepare;
    });
    log(`baseline (a): raw COPY FROM STDIN of ${prepare.rows} rows (fastest of ${args.repeats})`);
    raw = await fastest(args.repeats, () => rawCopyBaseline(backingUrl, 'bench', files));
    await rm(copyDir, { recursive: true, force: true });
    if (main.rowsStaged !== raw.rows) notes.push(`rows differ: rsetl staged ${main.rowsStaged} data rows, the baselines produced ${raw.rows}`);
  }

  // ---- optional: a CPU profile of a second, unmeasured rsetl run ----
  let cpu: (CpuSummary & { profile: string; wallMs: number }) | undefined;
  if (args.cpuProf) {
    log('profiling a second rsetl run of the same events (node --cpu-prof; its wall time is not a measured figure)');
    const profBus = await createBus(mainConfig, source.url, 'bench_prof', ROOT_ID, since, join(work, 'prof'));
    const profDir = join(work, 'prof');
    const profRun = await pollUntilCaughtUp({
      label: 'rsetl --cpu-prof', configPath: mainConfig, sourceUrl: source.url, busId: profBus, schema: 'bench_prof',
      expectedEvents: source.events, warehousePort: stack.standin.port, workDir: profDir, cpuProfDir: profDir, log,
    });
    const profile = profRun.childRuns.at(-1)?.cpuProfile;
    if (profile) {
      const kept = join(os.tmpdir(), `rsetl-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
      await copyFile(profile, kept);
      cpu = { ...(await summariseCpuProfile(profile)), profile: kept, wallMs: Math.round(profRun.wallMs) };
    } else notes.push('--cpu-prof: the child wrote no profile');
  }
  await stack.stop();
  stack = undefined;
  stopStack();

  // ---- the latency model: coalesced vs the old system's windowed shape ----
  let latency: BenchResult['latency'] = null;
  if (latencyWanted) {
    const lat = { statementMs: args.latencyStatementMs, copyMs: args.latencyCopyMs };
    log(`starting a second stack with the stand-in's latency model (${lat.statementMs} ms per statement, ${lat.copyMs} ms per COPY)`);
    const latBacking = await server.createDatabase('bench_redshift_latency');
    let stack2: LocalStack | undefined = await startLocalStack({ dataDir: join(work, 'stack-latency'), sourceUrl: latencySourceUrl!, backingUrl: latBacking, latency: lat });
    const stopStack2 = onCleanup('stop the latency stack', () => stack2?.stop());
    const cConfig = await writeChildConfig(stack2.config, latencySourceUrl!, { intervalSeconds: 240 }, join(work, 'stack-latency', 'coalesced.config.json'));
    const cBus = await createBus(cConfig, latencySourceUrl!, 'bench', ROOT_ID, since, join(work, 'coalesced'));
    log(`latency model, coalesced (maxEventsPerLoad ${maxEventsPerLoad}): ${source.events} events`);
    const coalesced = await pollUntilCaughtUp({
      label: 'coalesced+latency', configPath: cConfig, sourceUrl: latencySourceUrl!, busId: cBus, schema: 'bench',
      expectedEvents: source.events, warehousePort: stack2.standin.port, workDir: join(work, 'coalesced'), nodeOptions: args.childNodeOptions, log,
    });
    let windowed: NonNullable<BenchResult['latency']>['windowed'] = null;
    if (windowedWanted && windowedSource) {
      const size = args.windowedMaxEventsPerLoad;
      const wConfig = await writeChildConfig(
        stack2.config, windowedSource.url, { intervalSeconds: 240, maxEvents: size, maxEventsPerLoad: size },
        join(work, 'stack-latency', 'windowed.config.json'),
      );
      const wBus = await createBus(wConfig, windowedSource.url, 'bench_windowed', ROOT_ID, since, join(work, 'windowed'));
      log(`latency model, windowed (maxEventsPerLoad = maxEvents = ${size}): ${windowedSource.events} events`);
      const run = await pollUntilCaughtUp({
        label: 'windowed+latency', configPath: wConfig, sourceUrl: windowedSource.url, busId: wBus, schema: 'bench_windowed',
        expectedEvents: windowedSource.events, warehousePort: stack2.standin.port, workDir: join(work, 'windowed'), nodeOptions: args.childNodeOptions, log,
      });
      const projected = run.events < source.events;
      // Start-up and the tail (final empty read, after-load work, exit) happen once per poll; the
      // loads and what lies between them scale with the number of windows.
      const fixedMs = run.split.startupMs + run.split.tailMs;
      const projectedWallMs = fixedMs + (run.wallMs - fixedMs) * (source.events / run.events);
      if (projected) {
        notes.push(
          `windowed run measured on the first ${run.events} events and projected linearly to ${source.events} ` +
            `(start-up and tail, ${Math.round(fixedMs)} ms, counted once; the rest × ${(source.events / run.events).toFixed(2)})`,
        );
      }
      windowed = { ...figures(run), maxEventsPerLoad: size, projected, projectedEvents: source.events, projectedWallMs: Math.round(projectedWallMs), projectedEventsPerSecond: source.events / (projectedWallMs / 1000) };
    }
    // The same events and latency model through the Redshift Data API (every statement an HTTPS
    // call, awaited with DescribeStatement), with the API's own cost per call on top.
    let dataApi: NonNullable<BenchResult['latency']>['dataApi'] = null;
    if (!args.skipDataApi) {
      stack2.aws.dataApi.setLatency({ submitMs: args.latencyDataApiMs });
      const iam = JSON.parse(await readFile(stack2.iamConfigPath, 'utf8')) as Record<string, any>;
      const aConfig = await writeChildConfig(
        { ...iam, redshift: { ...iam.redshift, transport: 'data-api' } }, latencySourceUrl!, { intervalSeconds: 240 },
        join(work, 'stack-latency', 'data-api.config.json'),
      );
      const aBus = await createBus(aConfig, latencySourceUrl!, 'bench_api', ROOT_ID, since, join(work, 'data-api'));
      log(`latency model, coalesced, through the Data API (${args.latencyDataApiMs} ms per call before a statement starts): ${source.events} events`);
      const run = await pollUntilCaughtUp({
        label: 'data-api+latency', configPath: aConfig, sourceUrl: latencySourceUrl!, busId: aBus, schema: 'bench_api',
        expectedEvents: source.events, warehousePort: stack2.standin.port, workDir: join(work, 'data-api'), nodeOptions: args.childNodeOptions, log,
      });
      dataApi = { ...figures(run), callMs: args.latencyDataApiMs, wallRatioToPostgres: run.wallMs / coalesced.wallMs };
    }
    await stack2.stop();
    stack2 = undefined;
    stopStack2();
    latency = {
      ...lat,
      coalesced: figures(coalesced),
      dataApi,
      windowed,
      speedupVsWindowed: windowed ? windowed.projectedWallMs / coalesced.wallMs : null,
    };
  }

  // ---- many buses: concurrency 1 vs N under the latency model with commit queue and WLM slots ----
  let manyBuses: BenchResult['manyBuses'] = null;
  if (latencyWanted && !args.skipManyBuses) {
    manyBuses = await manyBusesScenario(server, work, {
      buses: args.buses,
      eventsPerBus: args.eventsPerBus,
      concurrency: args.manyBusesConcurrency,
      copyConcurrency: args.manyBusesCopyConcurrency,
      latency: { statementMs: args.latencyStatementMs, copyMs: args.latencyCopyMs, commitMs: args.latencyCommitMs, maxConcurrentStatements: args.wlmSlots },
      childNodeOptions: args.childNodeOptions,
    }, log);
  }

  // ---- one poll loading several buses at once: peak RSS (concurrent-rss.ts) ----
  const concurrentRssFigures = args.skipConcurrentRss
    ? null
    : await concurrentRss(server, { concurrency: args.rssConcurrency, eventsPerLoad: args.rssEventsPerLoad, workDir: join(work, 'rss'), childNodeOptions: args.childNodeOptions, log });

  // ---- freshness under poll --loop with a steady stream, latency model (freshness.ts) ----
  const freshnessFigures =
    latencyWanted && !args.skipFreshness
      ? await freshness(server, {
          seconds: args.freshnessSeconds, rate: args.freshnessRate, intervalSeconds: 10, drainSeconds: 180,
          latency: { statementMs: args.latencyStatementMs, copyMs: args.latencyCopyMs }, workDir: join(work, 'freshness'), childNodeOptions: args.childNodeOptions, log,
        })
      : null;

  const m = figures(main);
  if (args.childNodeOptions.length) notes.push(`rsetl children ran with node ${args.childNodeOptions.join(' ')}`);
  const busy = (what: string, cores: number | null | undefined) => {
    if (cores !== null && cores !== undefined && cores > 0.15) notes.push(`other processes kept ${cores.toFixed(2)} of ${os.cpus().length} cores busy during ${what}: its figures are slowed by them`);
  };
  busy('the rsetl run', main.foreignCpuCores);
  busy('baseline (b)', read?.foreignCpuCores);
  busy('baseline (c)', prepare?.foreignCpuCores);
  busy('baseline (a)', raw?.foreignCpuCores);
  busy('the coalesced latency run', latency?.coalesced.foreignCpuCores);
  busy('the windowed latency run', latency?.windowed?.foreignCpuCores);
  busy('the Data API latency run', latency?.dataApi?.foreignCpuCores);
  busy('the many-buses run at concurrency 1', manyBuses?.serial.foreignCpuCores);
  busy('the many-buses concurrent run', manyBuses?.concurrent.foreignCpuCores);
  busy('the concurrent-RSS run', concurrentRssFigures?.foreignCpuCores);
  const result: BenchResult = {
    events: source.events,
    eventsPerSecond: m.eventsPerSecond,
    rawCopyRowsPerSecond: raw?.rowsPerSecond ?? null,
    ratioToRawCopy: raw ? raw.ms / main.wallMs : null,
    ratioToPrepareBaseline: prepare ? m.prepareEventsPerSecond / prepare.eventsPerSecond : null,
    speedupVsWindowed: latency?.speedupVsWindowed ?? null,
    peakRssMb: m.peakRssMb,
    copiesPer100k: m.copiesPer100k,
    statementsPer100k: m.statementsPer100k,
    bytesStaged: m.bytesStaged,
    cpuMsPer100k: ((m.cpuUserMs + m.cpuSystemMs) / main.events) * 100_000,
    rsetlCpuThreads: sumThreads(main.childRuns.map((c) => c.trace?.threads)),
    idleManyBuses: idleMany,
    concurrentRss: concurrentRssFigures,
    freshness: freshnessFigures,
    rsetl: {
      ...m,
      maxEventsPerLoad,
      idlePollMs: { nothingDue: Math.round(idleNotDue.wallMs), dueNothingPending: Math.round(idleDueEmpty.wallMs) },
      idleLoop: { seconds: args.idleLoopSeconds, sourceTransactionsPerMinute: Math.round(idleLoop.perMinute * 10) / 10, outputLines: idleLoop.outputLines },
      rssMethod: 'getrusage ru_maxrss of the child, written by the preloaded hook at exit (exact); cross-checked by sampling /proc/<pid>/status VmRSS/VmHWM every 50 ms',
    },
    baselines: {
      read: read ? { ...read, ms: Math.round(read.ms) } : null,
      prepare: prepare ?? null,
      rawCopy: raw ? { ...raw, ms: Math.round(raw.ms), eventsPerSecond: source.events / (raw.ms / 1000) } : null,
      prepareSerialReadPlusPrepare: read && prepare ? source.events / ((read.ms + prepare.ms) / 1000) : null,
      ratioToRawCopyCeilingOneCore: read && prepare && raw ? raw.ms / (read.ms + prepare.ms) : null,
    },
    latency,
    manyBuses,
    cpuProfile: cpu ?? null,
    setup: {
      terms: source.terms.length,
      insertMs: Math.round(source.insertMs),
      vacuumMs: Math.round(source.vacuumMs),
      initEtlMs: Math.round(initEtlMs),
      benchMs: 0,
      benchPeakRssMb: 0,
    },
    eventTypes: args.eventTypes ?? null,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? '',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: pgVersion,
      loadAverageAtStart,
    },
    notes,
  };
  return result;
}

/** CPU by thread over the children of a run (thread-cpu.ts), or null without traces. */
function sumThreads(all: Array<ThreadCpu | undefined>): ThreadCpu | null {
  if (all.length === 0 || all.some((t) => t === undefined)) return null;
  const out: ThreadCpu = {};
  for (const t of all) {
    for (const [name, v] of Object.entries(t!)) {
      const e = (out[name] ??= { threads: 0, userMs: 0, systemMs: 0 });
      e.threads = Math.max(e.threads, v.threads);
      e.userMs += v.userMs;
      e.systemMs += v.systemMs;
    }
  }
  return out;
}

/** The bench's PostgreSQL server process, to tell a failure caused by its disappearance. */
let postmaster: { pid: number | undefined; dataDir: string } | undefined;

function findPostmaster(dataDir: string): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const d = args.indexOf('-D');
      if (d >= 0 && args[d + 1] === dataDir) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

async function mainEntry(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    return 64;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  installSignalCleanup();
  try {
    const result = await bench(args);
    await cleanup();
    result.setup.benchMs = Math.round(performance.now() - started);
    result.setup.benchPeakRssMb = process.resourceUsage().maxRSS / 1024;
    if (args.out) await writeFile(args.out, JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(args.json ? JSON.stringify(result) + '\n' : renderReport(result));
    return 0;
  } catch (e) {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    if (postmaster?.pid && findPostmaster(postmaster.dataDir) === undefined) {
      process.stderr.write(`bench: the embedded PostgreSQL (pid ${postmaster.pid}, ${postmaster.dataDir}) is gone: something outside the bench stopped it\n`);
    }
    await cleanup();
    return 1;
  }
}

process.exitCode = await mainEntry();
