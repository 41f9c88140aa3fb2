// The metrics renderers and the atomic file write, without a database: Prometheus text that a
// strict reader of the format accepts (and the reader itself refusing malformed text), label
// values escaped, EMF documents of the specification's shape, and a file replaced so that no
// reader ever sees a part of it.
import { watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emfDocuments, renderEmf } from '../../src/metrics/emf.js';
import { downSnapshot, metricsSnapshot, passFigures, selectionOf } from '../../src/metrics/figures.js';
import { escapeHelp, escapeLabelValue, renderExposition, renderPrometheus, tableOp } from '../../src/metrics/prometheus.js';
import { temporaryPath, writeFileAtomic } from '../../src/metrics/textfile.js';
import type { PollSummary } from '../../src/pipeline/poller.js';
import type { BusStatus } from '../../src/pipeline/status.js';
import { parseExposition, sampleValue, validateEmfLine } from './formats.js';

function status(over: Partial<BusStatus> = {}): BusStatus {
  return {
    id: 1,
    schema: 'loan',
    rootId: '1001',
    state: 'Active',
    blocked: false,
    pendingEvents: 12,
    pendingCapped: false,
    oldestPendingAgeSeconds: 180,
    lagSeconds: 180,
    futureEvents: 0,
    futureCapped: false,
    latestFutureTime: null,
    deadLetterEvents: 0,
    lateEvents: 0,
    lastSuccessAt: '2026-11-25T13:40:02.114Z',
    eventsLoadedTotal: 4711,
    rowsLoadedByTable: { pagenavevent: 4000, usr: 20, usr__delete: 2, usr__obfuscate: 1 },
    loadAttempts: { loaded: 30, failed: 2 },
    lastLoadDurationSeconds: 2.5,
    lastLoadAt: '2026-11-25T13:40:02.000Z',
    failureCount: 0,
    nextRunAt: '2026-11-25T13:44:02.114Z',
    intervalSeconds: 240,
    lastError: null,
    lastLoadId: 'x',
    watermark: '2026-11-25 13:37:00.000000',
    action: null,
    ...over,
  };
}

const AT = new Date('2026-11-25T13:41:00.000Z');

describe('Prometheus text', () => {
  it('escapes label values and HELP text as the format says', () => {
    expect(escapeLabelValue('plain')).toBe('plain');
    expect(escapeLabelValue('a"b')).toBe('a\\"b');
    expect(escapeLabelValue('a\\b')).toBe('a\\\\b');
    expect(escapeLabelValue('a\nb')).toBe('a\\nb');
    expect(escapeLabelValue('\\"\n')).toBe('\\\\\\"\\n');
    expect(escapeHelp('a\\b\nc "q"')).toBe('a\\\\b\\nc "q"');
  });

  it('a label value with quotes, backslashes and line feeds reads back as it was', () => {
    const nasty = 'we"ird\\sch\nema\\n"';
    const text = renderExposition([{ name: 'x_total', type: 'counter', help: 'h\\elp\nline', samples: [{ labels: { bus: nasty, table: 'é漢' }, value: 3 }] }]);
    const f = parseExposition(text).get('x_total')!;
    expect(f.help).toBe('h\\elp\nline');
    expect(f.samples).toEqual([{ labels: { bus: nasty, table: 'é漢' }, value: 3 }]);
  });

  it('refuses names the format does not allow (a bug, never output)', () => {
    expect(() => renderExposition([{ name: 'bad-name', type: 'gauge', help: '', samples: [{ labels: {}, value: 1 }] }])).toThrow(/metric name/);
    expect(() => renderExposition([{ name: 'ok', type: 'gauge', help: '', samples: [{ labels: { 'a-b': 'x' }, value: 1 }] }])).toThrow(/label name/);
    expect(() => renderExposition([{ name: 'ok', type: 'gauge', help: '', samples: [{ labels: { __x: 'x' }, value: 1 }] }])).toThrow(/label name/);
  });

  it('the strict reader refuses malformed text (so the tests that use it can fail)', () => {
    const ok = '# HELP a x\n# TYPE a gauge\na{l="v"} 1\n';
    expect(() => parseExposition(ok)).not.toThrow();
    const bad = [
      ok.slice(0, -1), // no final line feed
      '# TYPE a gauge\na{l="v"v"} 1\n', // unescaped quote
      '# TYPE a gauge\na{l="v\\x"} 1\n', // unknown escape
      '# TYPE a gauge\na{l="v"} 1\na{l="v"} 2\n', // duplicate series
      '# TYPE a gauge\na 1 1700000000000\n', // timestamp
      'a 1\n', // no TYPE
      '# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x="1"} 1\n', // family split
      '# TYPE a gauge\na one\n', // not a number
      '# TYPE a gauge\na{l="v",l="w"} 1\n', // label twice
      '# TYPE a gauge\n\na 1\n', // empty line
      '# TYPE a gauge\na 1\n# HELP a late\n', // HELP after samples
      '# TYPE a gauge\n# TYPE a counter\na 1\n', // TYPE twice
      '# TYPE a meter\na 1\n', // unknown type
      '# TYPE a gauge\na{l="v" 1\n', // unterminated labels
      '# comment\n', // a comment rsetl never writes
    ];
    for (const text of bad) expect(() => parseExposition(text), JSON.stringify(text)).toThrow();
  });

  it('a snapshot renders every figure, typed, counters named _total, labels bus and bus_id', () => {
    const buses = [status(), status({ id: 2, schema: 'qa0', blocked: true, failureCount: 3, lagSeconds: 7560, lastSuccessAt: null, lastLoadDurationSeconds: null, loadAttempts: {}, rowsLoadedByTable: {}, state: 'Paused' })];
    const text = renderPrometheus(metricsSnapshot({ at: AT, pollSeconds: 1.25, statuses: buses }));
    const f = parseExposition(text);
    for (const fam of f.values()) {
      expect(fam.type, fam.name).toMatch(/^(gauge|counter)$/);
      expect(fam.help, fam.name).toBeTruthy();
      expect(fam.name.endsWith('_total'), fam.name).toBe(fam.type === 'counter');
    }
    expect(sampleValue(f, 'rsetl_up', { buses: 'all' })).toBe(1);
    expect(sampleValue(f, 'rsetl_poll_last_run_timestamp_seconds')).toBe(AT.getTime() / 1000);
    expect(sampleValue(f, 'rsetl_poll_duration_seconds')).toBe(1.25);
    const loan = { bus: 'loan', bus_id: '1' };
    const qa0 = { bus: 'qa0', bus_id: '2' };
    expect(sampleValue(f, 'rsetl_lag_seconds', loan)).toBe(180);
    expect(sampleValue(f, 'rsetl_pending_events', loan)).toBe(12);
    expect(sampleValue(f, 'rsetl_events_loaded_total', loan)).toBe(4711);
    expect(sampleValue(f, 'rsetl_load_duration_seconds', loan)).toBe(2.5);
    expect(sampleValue(f, 'rsetl_last_success_timestamp_seconds', loan)).toBe(Date.parse('2026-11-25T13:40:02.114Z') / 1000);
    expect(sampleValue(f, 'rsetl_table_rows_loaded_total', { ...loan, table: 'usr', op: 'load' })).toBe(20);
    expect(sampleValue(f, 'rsetl_table_rows_loaded_total', { ...loan, table: 'usr', op: 'delete' })).toBe(2);
    expect(sampleValue(f, 'rsetl_table_rows_loaded_total', { ...loan, table: 'usr', op: 'obfuscate' })).toBe(1);
    expect(sampleValue(f, 'rsetl_load_attempts_total', { ...loan, outcome: 'failed' })).toBe(2);
    expect(sampleValue(f, 'rsetl_interval_seconds', loan)).toBe(240);
    expect(sampleValue(f, 'rsetl_failures', qa0)).toBe(3);
    expect(sampleValue(f, 'rsetl_blocked', qa0)).toBe(1);
    expect(sampleValue(f, 'rsetl_active', qa0)).toBe(0);
    expect(sampleValue(f, 'rsetl_lag_seconds', qa0)).toBe(7560);
    // Never succeeded, never loaded: no sample rather than a misleading 0.
    expect(sampleValue(f, 'rsetl_last_success_timestamp_seconds', qa0)).toBeUndefined();
    expect(sampleValue(f, 'rsetl_load_duration_seconds', qa0)).toBeUndefined();
  });

  it('a run that failed says rsetl_up 0 and when, and nothing about buses', () => {
    const f = parseExposition(renderPrometheus(downSnapshot(AT, null, selectionOf(['qa0', 'loan', 'qa0']))));
    expect([...f.keys()]).toEqual(['rsetl_up', 'rsetl_poll_last_run_timestamp_seconds']);
    // The run's series carry the buses it covered: two cron entries for different buses never collide.
    expect(f.get('rsetl_up')!.samples).toEqual([{ labels: { buses: 'loan,qa0' }, value: 0 }]);
    expect(selectionOf(undefined)).toBe('all');
  });

  it('splits the run log keys into table and op', () => {
    expect(tableOp('pagenavevent')).toEqual({ table: 'pagenavevent', op: 'load' });
    expect(tableOp('usr__delete')).toEqual({ table: 'usr', op: 'delete' });
    expect(tableOp('usr__obfuscate')).toEqual({ table: 'usr', op: 'obfuscate' });
  });
});

describe('CloudWatch EMF', () => {
  const summary = (durations: number[]): PollSummary => ({
    buses: [
      {
        busId: 1,
        schema: 'loan',
        status: 'caught-up',
        loads: durations.map((d, i) => ({ busId: 1, loadId: `l${i}`, outcome: 'loaded', events: 10, durationMs: d * 1000 }) as never),
        after: {} as never,
      },
    ],
    failing: [],
  });

  it('one document for the run and one per bus, each of the specification\'s shape', () => {
    const s = metricsSnapshot({ at: AT, pollSeconds: 3, statuses: [status(), status({ id: 2, schema: 'qa0', lastSuccessAt: null })], summary: summary([1.5, 2]) });
    const lines = renderEmf(s).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    const docs = lines.map(validateEmfLine);
    expect(docs[0]).toMatchObject({ Up: 1, PollDurationSeconds: 3, BusesFailing: 0 });
    expect(docs[0]!._aws.CloudWatchMetrics[0].Dimensions).toEqual([[]]);
    const loan = docs[1]!;
    expect(loan._aws.Timestamp).toBe(AT.getTime());
    expect(loan._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'rsetl',
        Dimensions: [['Bus']],
        Metrics: [
          { Name: 'LagSeconds', Unit: 'Seconds' },
          { Name: 'PendingEvents', Unit: 'Count' },
          { Name: 'EventsLoaded', Unit: 'Count' },
          { Name: 'LoadDurationSeconds', Unit: 'Seconds' },
          { Name: 'Failures', Unit: 'Count' },
          { Name: 'DeadLetterEvents', Unit: 'Count' },
          { Name: 'SecondsSinceLastSuccess', Unit: 'Seconds' },
        ],
      },
    ]);
    expect(loan).toMatchObject({ Bus: 'loan', BusId: 1, LagSeconds: 180, EventsLoaded: 20, LoadDurationSeconds: [1.5, 2], SecondsSinceLastSuccess: 57.886 });
    // qa0 loaded nothing this pass and never succeeded: those metrics are left out, not zero-filled.
    const qa0 = docs[2]!;
    const names = qa0._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
    expect(names).not.toContain('LoadDurationSeconds');
    expect(names).not.toContain('SecondsSinceLastSuccess');
    expect(qa0.EventsLoaded).toBe(0);
  });

  it('keeps a metric array within the specification\'s 100 values', () => {
    const s = metricsSnapshot({ at: AT, pollSeconds: 3, statuses: [status()], summary: summary(Array.from({ length: 150 }, (_, i) => i)) });
    const bus = emfDocuments(s)[1]!;
    expect((bus.LoadDurationSeconds as number[]).length).toBe(100);
    validateEmfLine(JSON.stringify(bus));
    expect(passFigures(summary([1])).get(1)).toEqual({ eventsLoaded: 10, loadDurationsSeconds: [1] });
  });

  it('a failed run: the run document alone, Up 0', () => {
    const docs = renderEmf(downSnapshot(AT, null)).trim().split('\n').map(validateEmfLine);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ Up: 0 });
    expect(docs[0]!._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'Up', Unit: 'Count' }]);
  });

  it('the validator refuses what the specification forbids', () => {
    const good = JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'n', Dimensions: [['B']], Metrics: [{ Name: 'M', Unit: 'Count' }] }] }, B: 'x', M: 1 });
    expect(() => validateEmfLine(good)).not.toThrow();
    const variants: Array<(d: any) => void> = [
      (d) => delete d._aws.Timestamp,
      (d) => (d._aws.Timestamp = 1.5),
      (d) => (d.B = 1), // dimension value not a string
      (d) => delete d.M, // metric member missing
      (d) => (d.M = 'one'),
      (d) => (d._aws.CloudWatchMetrics[0].Metrics[0].Unit = 'Events'),
      (d) => (d._aws.CloudWatchMetrics[0].Dimensions = []),
      (d) => delete d._aws.CloudWatchMetrics[0].Namespace,
      (d) => (d._aws.CloudWatchMetrics[0].Extra = 1),
      (d) => (d.M = Array.from({ length: 101 }, () => 1)),
    ];
    for (const change of variants) {
      const d = JSON.parse(good);
      change(d);
      expect(() => validateEmfLine(JSON.stringify(d)), String(change)).toThrow();
    }
    expect(() => validateEmfLine(`${good} trailing`)).toThrow();
  });
});

describe('the metrics file is replaced atomically', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rsetl-metrics-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the temporary file is in the same folder, hidden from the textfile collector (*.prom)', () => {
    const p = join(dir, 'rsetl.prom');
    const tmp = temporaryPath(p);
    expect(dirname(tmp)).toBe(dir);
    expect(tmp.endsWith('.prom')).toBe(false);
  });

  it('a reader never sees a part of the file: always one whole version', async () => {
    const p = join(dir, 'race.prom');
    // Large enough that a plain write would be seen half done: many write calls, many reads.
    const version = (n: number) => `${`# HELP v${n} x\n`.repeat(40_000)}end ${n}\n`;
    await writeFileAtomic(p, version(0));
    const names = new Set<string>();
    const watcher = watch(dir, (_e, name) => name && names.add(String(name)));
    let writing = true;
    const seen = new Set<number>();
    const reader = (async () => {
      let reads = 0;
      while (writing || reads < 5) {
        const text = await readFile(p, 'utf8');
        const n = Number(/end (\d+)\n$/.exec(text)?.[1] ?? NaN);
        expect(Number.isInteger(n), 'a whole version').toBe(true);
        expect(text).toBe(version(n));
        seen.add(n);
        reads++;
      }
      return reads;
    })();
    for (let i = 1; i <= 20; i++) await writeFileAtomic(p, version(i));
    writing = false;
    expect(await reader).toBeGreaterThan(0);
    watcher.close();
    expect(await readFile(p, 'utf8')).toBe(version(20));
    // What appeared in the folder: the file itself and its hidden temporaries, nothing elsewhere.
    for (const name of names) expect(name === 'race.prom' || /^\.race\.prom\.\d+\.[0-9a-f]{8}\.tmp$/.test(name), name).toBe(true);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('is readable by all (0644) whatever the umask', async () => {
    const p = join(dir, 'mode.prom');
    const old = process.umask(0o077);
    try {
      await writeFileAtomic(p, 'x\n');
    } finally {
      process.umask(old);
    }
    expect((await stat(p)).mode & 0o777).toBe(0o644);
  });

  it('a write that fails leaves the previous file as it was and no temporary file', async () => {
    const p = join(dir, 'blocked.prom');
    await mkdir(p); // a folder where the file should be: the rename fails
    await writeFile(join(p, 'keep'), 'old');
    await expect(writeFileAtomic(p, 'new\n')).rejects.toThrow();
    expect(await readFile(join(p, 'keep'), 'utf8')).toBe('old');
    expect((await readdir(dir)).filter((n) => n.startsWith('.blocked.prom'))).toEqual([]);
  });
});
