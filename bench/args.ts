// Command line of `npm run bench -- [options]`.
import { HANDLERS_BY_TYPE } from '../src/events/registry.js';
import { parseArgs } from 'node:util';

export interface BenchArgs {
  events: number;
  /** Only events of these types in the main run's stream (`--event-types A,B`); default every type. */
  eventTypes?: string[];
  json: boolean;
  latencyStatementMs: number;
  latencyCopyMs: number;
  /** Events per load of the old system's shape (one window per transaction). */
  windowedMaxEventsPerLoad: number;
  /** Events the windowed run loads (projected linearly to `events` when smaller). */
  windowedSample: number;
  skipWindowed: boolean;
  skipLatency: boolean;
  skipBaselines: boolean;
  /** No latency run through the Data API. */
  skipDataApi: boolean;
  /** The Data API's own cost per call (ms a statement waits before it starts). */
  latencyDataApiMs: number;
  /** How long `poll --loop --bus X` runs idle to measure its cost on the source. */
  idleLoopSeconds: number;
  /** Runs of baselines (a) and (b), the fastest reported. */
  repeats: number;
  /** Profile a second, unmeasured rsetl run of the same events with `node --cpu-prof`. */
  cpuProf: boolean;
  /** Keep the temp folder (configs, traces); servers are stopped anyway. */
  keep: boolean;
  /** The many-buses scenario (many-buses.ts): buses × events each, concurrency 1 vs `manyBusesConcurrency`. */
  skipManyBuses: boolean;
  buses: number;
  eventsPerBus: number;
  manyBusesConcurrency: number;
  /** poll.copyConcurrency of both many-buses runs. */
  manyBusesCopyConcurrency: number;
  /** Its latency model on top of statement/COPY: each commit's turn in the commit queue, WLM slots (0 = unlimited). */
  latencyCommitMs: number;
  wlmSlots: number;
  /** Freshness under `poll --loop` (freshness.ts): a stream of `freshnessRate` events/s for `freshnessSeconds`. */
  skipFreshness: boolean;
  freshnessSeconds: number;
  freshnessRate: number;
  /** Peak RSS of one `poll --concurrency` process over that many buses of `rssEventsPerLoad` each (concurrent-rss.ts). */
  skipConcurrentRss: boolean;
  rssConcurrency: number;
  rssEventsPerLoad: number;
  /** Extra node flags for the rsetl children (e.g. --max-old-space-size=200). */
  childNodeOptions: string[];
  /** Also write the JSON object to this file. */
  out: string | undefined;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]

  --events N                  events generated into the source (default 200000)
  --event-types A,B,...       the main run's stream has only events of these types (e.g. the four most
                              frequent: PageNavEvent,TimeSpentEvent2,SessionEvent,ProgressPutEvent2);
                              they must make up at least a quarter of the demo world's events
  --json                      print one JSON object instead of the readable report
  --latency-statement MS      simulated Redshift latency per statement (default 100)
  --latency-copy MS           simulated Redshift latency per COPY (default 1500)
  --max-events-per-load N     events per load of the old system's shape, the windowed run (default 5000)
  --windowed-sample N         events the windowed run loads; projected linearly to --events (default 20000)
  --skip-windowed             no windowed run (speedupVsWindowed is null)
  --skip-latency              no latency-model runs at all (coalesced, windowed, Data API, many buses)
  --skip-baselines            no baselines (a), (b), (c)
  --skip-data-api             no latency run through the Redshift Data API
  --latency-data-api MS       the Data API's own cost per statement on top of the latency model (default 50)
  --skip-many-buses           no many-buses runs (concurrency 1 vs 4)
  --buses N                   many buses: how many buses (default 40)
  --events-per-bus N          many buses: events in each bus's backlog (default 5000)
  --many-buses-concurrency N  many buses: the concurrent run's rsetl poll --concurrency, at most 64 (default 4)
  --many-buses-copy-concurrency N  many buses: poll.copyConcurrency of both runs, at most 16 (default 1: the figure is about buses side by side)
  --latency-commit MS         many buses: each commit's turn in the cluster-wide commit queue (default 500)
  --wlm-slots N               many buses: statements running at once across sessions, 0 = unlimited (default 5)
  --skip-freshness            no freshness run (poll --loop under a steady stream, latency model; also left out by --skip-latency)
  --freshness-seconds N       freshness: how long events are inserted (default 120)
  --freshness-rate N          freshness: events inserted per second (default 50)
  --skip-concurrent-rss       no peak-RSS run of one poll loading several buses at once
  --rss-concurrency N         that run's --concurrency and number of buses (default 4)
  --rss-events-per-load N     that run's events per bus, one load each (default 250000, poll.maxEventsPerLoad)
  --idle-loop-seconds N       how long poll --loop --bus X idles for its source-queries figure (default 30)
  --repeats N                 runs of baselines (a) and (b); the fastest is reported (default 3)
  --cpu-prof                  also profile an extra rsetl run of the same events (node --cpu-prof), summarised
  --child-node-options=STR    extra node flags for the rsetl children, e.g. --child-node-options=--max-old-space-size=200
  --out FILE                  also write the JSON object to FILE
  --keep                      keep the temp folder (child configs, round-trip traces) for inspection
  -h, --help                  this text
`;

function positiveInt(name: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

function eventTypes(v: string | undefined): { eventTypes?: string[] } {
  if (v === undefined) return {};
  const types = v.split(',').map((t) => t.trim()).filter(Boolean);
  const unknown = types.filter((t) => !HANDLERS_BY_TYPE.has(t));
  if (types.length === 0 || unknown.length > 0) throw new Error(`--event-types: expected event types rsetl handles, got ${JSON.stringify(unknown.length ? unknown : v)}`);
  return { eventTypes: types };
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      events: { type: 'string' },
      'event-types': { type: 'string' },
      json: { type: 'boolean' },
      'latency-statement': { type: 'string' },
      'latency-copy': { type: 'string' },
      'max-events-per-load': { type: 'string' },
      'windowed-sample': { type: 'string' },
      'skip-windowed': { type: 'boolean' },
      'skip-latency': { type: 'boolean' },
      'skip-baselines': { type: 'boolean' },
      'skip-many-buses': { type: 'boolean' },
      buses: { type: 'string' },
      'events-per-bus': { type: 'string' },
      'many-buses-concurrency': { type: 'string' },
      'many-buses-copy-concurrency': { type: 'string' },
      'latency-commit': { type: 'string' },
      'wlm-slots': { type: 'string' },
      'idle-loop-seconds': { type: 'string' },
      'skip-freshness': { type: 'boolean' },
      'freshness-seconds': { type: 'string' },
      'freshness-rate': { type: 'string' },
      'skip-concurrent-rss': { type: 'boolean' },
      'rss-concurrency': { type: 'string' },
      'rss-events-per-load': { type: 'string' },
      'skip-data-api': { type: 'boolean' },
      'latency-data-api': { type: 'string' },
      repeats: { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      keep: { type: 'boolean' },
      out: { type: 'string' },
      'child-node-options': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return {
    events: positiveInt('events', values.events, 200_000),
    ...eventTypes(values['event-types']),
    json: values.json ?? false,
    latencyStatementMs: positiveInt('latency-statement', values['latency-statement'], 100, 0),
    latencyCopyMs: positiveInt('latency-copy', values['latency-copy'], 1500, 0),
    windowedMaxEventsPerLoad: positiveInt('max-events-per-load', values['max-events-per-load'], 5000),
    windowedSample: positiveInt('windowed-sample', values['windowed-sample'], 20_000),
    skipWindowed: values['skip-windowed'] ?? false,
    skipLatency: values['skip-latency'] ?? false,
    skipBaselines: values['skip-baselines'] ?? false,
    skipManyBuses: values['skip-many-buses'] ?? false,
    buses: positiveInt('buses', values.buses, 40),
    eventsPerBus: positiveInt('events-per-bus', values['events-per-bus'], 5000),
    manyBusesConcurrency: Math.min(64, positiveInt('many-buses-concurrency', values['many-buses-concurrency'], 4)),
    manyBusesCopyConcurrency: Math.min(16, positiveInt('many-buses-copy-concurrency', values['many-buses-copy-concurrency'], 1)),
    latencyCommitMs: positiveInt('latency-commit', values['latency-commit'], 500, 0),
    wlmSlots: positiveInt('wlm-slots', values['wlm-slots'], 5, 0),
    idleLoopSeconds: positiveInt('idle-loop-seconds', values['idle-loop-seconds'], 30),
    skipFreshness: values['skip-freshness'] ?? false,
    freshnessSeconds: positiveInt('freshness-seconds', values['freshness-seconds'], 120),
    freshnessRate: positiveInt('freshness-rate', values['freshness-rate'], 50),
    skipConcurrentRss: values['skip-concurrent-rss'] ?? false,
    rssConcurrency: Math.min(64, positiveInt('rss-concurrency', values['rss-concurrency'], 4)),
    rssEventsPerLoad: positiveInt('rss-events-per-load', values['rss-events-per-load'], 250_000),
    skipDataApi: values['skip-data-api'] ?? false,
    latencyDataApiMs: positiveInt('latency-data-api', values['latency-data-api'], 50, 0),
    repeats: positiveInt('repeats', values.repeats, 3),
    cpuProf: values['cpu-prof'] ?? false,
    keep: values.keep ?? false,
    out: values.out,
    childNodeOptions: (values['child-node-options'] ?? '').split(/\s+/).filter(Boolean),
    help: values.help ?? false,
  };
}
