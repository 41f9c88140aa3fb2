// Prometheus text exposition format (version 0.0.4), as node_exporter's textfile collector reads
// it: `# HELP` and `# TYPE` once per family, then its samples, label values escaped, no
// timestamps (the collector refuses them). A small renderer rather than prom-client: prom-client
// keeps a process-wide registry for a long-lived process to be scraped, its counters can only be
// incremented (these are absolute totals read from the run log), and it writes no files.
import type { MetricsSnapshot } from './figures.js';

export type MetricType = 'gauge' | 'counter';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value inside its double quotes: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** HELP text: backslash and line feed escaped (a double quote stays as it is). */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

/** A sample value as Go's ParseFloat reads it: integers exactly, `NaN`, `+Inf`, `-Inf`. */
export function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

/** The families as one exposition text; a family without samples is left out. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`invalid metric name ${JSON.stringify(f.name)}`);
    if (seen.has(f.name)) throw new Error(`metric family ${f.name} given twice`);
    seen.add(f.name);
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels).map(([k, v]) => {
        if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(k)} on ${f.name}`);
        return `${k}="${escapeLabelValue(v)}"`;
      });
      lines.push(`${f.name}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

const seconds = (d: Date) => d.getTime() / 1000;

/**
 * A staged-rows key of the run log as (table, op): `usr` → (usr, load), `usr__delete` → (usr,
 * delete), `usr__obfuscate` → (usr, obfuscate).
 */
export function tableOp(key: string): { table: string; op: string } {
  const m = /^(.+)__(delete|obfuscate)$/.exec(key);
  return m ? { table: m[1]!, op: m[2]! } : { table: key, op: 'load' };
}

/** Every figure of the snapshot as metric families: the run's (label buses), then the buses' (labels bus, bus_id). */
export function prometheusFamilies(s: MetricsSnapshot): MetricFamily[] {
  // The run's own figures, labelled with the buses it covered (`all`, or its --bus refs).
  const mine = { buses: s.selection };
  const run: MetricFamily[] = [
    { name: 'rsetl_up', type: 'gauge', help: '1 when the last rsetl poll reached the source and went over its buses, 0 when it ended in an error first', samples: [{ labels: mine, value: s.up ? 1 : 0 }] },
    {
      name: 'rsetl_poll_last_run_timestamp_seconds',
      type: 'gauge',
      help: 'When rsetl poll last wrote these figures (after each run, and each --loop pass or wake-up), Unix time',
      samples: [{ labels: mine, value: seconds(s.at) }],
    },
    {
      name: 'rsetl_poll_duration_seconds',
      type: 'gauge',
      help: 'How long the last poll pass took',
      samples: s.pollSeconds === null ? [] : [{ labels: mine, value: s.pollSeconds }],
    },
  ];
  const family = (name: string, type: MetricType, help: string): MetricFamily => ({ name, type, help, samples: [] });
  const f = {
    lag: family('rsetl_lag_seconds', 'gauge', 'Age of the oldest event the next windows will load; 0 when caught up'),
    pending: family('rsetl_pending_events', 'gauge', 'Events the next windows will load (counted up to 10000)'),
    loaded: family('rsetl_events_loaded_total', 'counter', "Events delivered by the bus's loads, all time, from the run log"),
    rows: family('rsetl_table_rows_loaded_total', 'counter', "Rows loaded per table (op: load, delete or obfuscate), all time, from the run log"),
    attempts: family('rsetl_load_attempts_total', 'counter', 'Logged load attempts by outcome (loaded, already-loaded, nothing-to-load, failed), all time'),
    duration: family('rsetl_load_duration_seconds', 'gauge', 'How long the last delivered load took'),
    failures: family('rsetl_failures', 'gauge', 'Consecutive failures of the bus (0 when healthy)'),
    blocked: family('rsetl_blocked', 'gauge', '1 while a data error blocks the bus (it waits for rsetl unblock)'),
    active: family('rsetl_active', 'gauge', '1 when the bus is Active, 0 when Paused or Disabled'),
    dead: family('rsetl_dead_letter_events', 'gauge', "Events in the bus's dead letter, not replayed"),
    late: family('rsetl_late_events', 'gauge', 'Events committed after the window had passed their time: not loaded'),
    future: family('rsetl_future_events', 'gauge', "Events dated after the source's clock (counted up to 10000)"),
    success: family('rsetl_last_success_timestamp_seconds', 'gauge', "When the bus's last load (or empty window) succeeded, Unix time"),
    interval: family('rsetl_interval_seconds', 'gauge', "The bus's poll interval"),
  };
  for (const { status: b } of s.buses) {
    const labels = { bus: b.schema, bus_id: String(b.id) };
    const add = (fam: MetricFamily, value: number, extra: Record<string, string> = {}) => fam.samples.push({ labels: { ...labels, ...extra }, value });
    add(f.lag, b.lagSeconds);
    add(f.pending, b.pendingEvents);
    add(f.loaded, b.eventsLoadedTotal);
    for (const [key, n] of Object.entries(b.rowsLoadedByTable).sort(([a], [c]) => a.localeCompare(c))) add(f.rows, n, tableOp(key));
    for (const [outcome, n] of Object.entries(b.loadAttempts).sort(([a], [c]) => a.localeCompare(c))) add(f.attempts, n, { outcome });
    if (b.lastLoadDurationSeconds !== null) add(f.duration, b.lastLoadDurationSeconds);
    add(f.failures, b.failureCount);
    add(f.blocked, b.blocked ? 1 : 0);
    add(f.active, b.state === 'Active' ? 1 : 0);
    add(f.dead, b.deadLetterEvents);
    add(f.late, b.lateEvents);
    add(f.future, b.futureEvents);
    if (b.lastSuccessAt !== null) add(f.success, Date.parse(b.lastSuccessAt) / 1000);
    add(f.interval, b.intervalSeconds);
  }
  return [...run, ...Object.values(f)];
}

/** The snapshot as the text of a `.prom` file. */
export function renderPrometheus(s: MetricsSnapshot): string {
  return renderExposition(prometheusFamilies(s));
}
