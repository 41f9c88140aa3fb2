// One measured rsetl run: a config file for the child, a bus made with init-etl, then
// `rsetl poll` children until every event is loaded, and the figures of that run.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { formatPgTimestamp } from '../src/source/timestamps.js';
import { addSplits, splitOfRun, type RunRow, type StageSplit } from './analysis.js';
import type { ChildTrace } from './child-hook.js';
import { runRsetl, type ChildRun } from './child.js';

export async function writeChildConfig(base: Record<string, unknown>, sourceUrl: string, poll: Record<string, unknown>, path: string): Promise<string> {
  const config = {
    ...base,
    $comment: 'Written by the rsetl bench.',
    source: { ...(base.source as object), url: sourceUrl },
    poll: { ...(base.poll as object), ...poll },
  };
  await writeFile(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

/**
 * `rsetl init-etl` (untimed) as a child process: the Redshift schema and the bus, watermark at
 * `since`. The CLI rather than an in-process initEtl() because the bench's compiled copy of src/
 * (dist-bench/src) would look for templates/ relative to itself.
 */
export async function createBus(configPath: string, sourceUrl: string, schema: string, rootId: string, since: Date, workDir: string): Promise<number> {
  await mkdir(workDir, { recursive: true });
  const r = await runRsetl(
    ['init-etl', schema, '--domain', rootId, '--since', formatPgTimestamp(since.getTime() * 1000), '--config', configPath, '--json'],
    { tracePath: join(workDir, `trace-init-etl-${schema}.json`) },
  );
  if (r.exitCode !== 0) throw new Error(`rsetl init-etl ${schema} exited with ${r.exitCode ?? r.signal}
${r.stderr.slice(-4000)}
${r.stdout.slice(-2000)}`);
  const c = new pg.Client({ connectionString: sourceUrl });
  await c.connect();
  try {
    const b = await c.query<{ id: number }>('select id from rsetl.bus where schema_name = $1 and root_id = $2', [schema, rootId]);
    if (!b.rows[0]) throw new Error(`rsetl init-etl ${schema}: no bus in the source`);
    return b.rows[0].id;
  } finally {
    await c.end();
  }
}

async function runRows(sourceUrl: string, busId: number, afterId: number): Promise<RunRow[]> {
  const c = new pg.Client({ connectionString: sourceUrl });
  await c.connect();
  try {
    const r = await c.query<{
      id: string; load_id: string | null; started_at: Date; finished_at: Date; events: number; tables: Record<string, number>;
      bytes_staged: string; statements: number; round_trips: number | null; copies: number; duration_ms: number; outcome: string;
    }>(
      `select id, load_id, started_at, finished_at, events, tables, bytes_staged, statements, round_trips, copies, duration_ms, outcome
         from rsetl.run where bus_id = $1 and id > $2 order by id`,
      [busId, afterId],
    );
    return r.rows.map((x) => ({
      id: Number(x.id),
      loadId: x.load_id,
      startedAt: x.started_at.getTime(),
      finishedAt: x.finished_at.getTime(),
      events: x.events,
      tables: x.tables,
      bytesStaged: Number(x.bytes_staged),
      statements: x.statements,
      roundTrips: x.round_trips ?? x.statements,
      copies: x.copies,
      durationMs: x.duration_ms,
      outcome: x.outcome,
    }));
  } finally {
    await c.end();
  }
}

export interface RsetlRun {
  label: string;
  events: number;
  wallMs: number;
  children: number;
  loads: number;
  statements: number;
  /** Requests to Redshift (a batch of statements is one), over all loads. */
  roundTrips: number;
  copies: number;
  bytesStaged: number;
  /** Data rows staged (the tables' own stages). */
  rowsStaged: number;
  /** Key rows of the `<table>__delete` / `__obfuscate` stages. */
  keyRowsStaged: number;
  /** Lines of other side stages (e.g. `<table>__events`, the event id of each staged row). */
  sideLinesStaged: number;
  /** Every stage name (as the run table's `tables`) → lines, summed over loads. */
  rowsStagedByTable: Record<string, number>;
  /** Maxima of the child's process.memoryUsage(), MiB. */
  memory: ChildTrace['memory'] | null;
  /** Max over loads of the distinct tables a load touched (delete/obfuscate stages folded into their table). */
  maxTablesTouchedPerLoad: number;
  maxCopiesPerLoad: number;
  peakRssKb: number;
  rssSampledMaxKb: number;
  rssSamples: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  eventLoopUtilization: number | null;
  /** Average cores used during the run by the bench's process tree / by other processes. */
  ownCpuCores: number | null;
  foreignCpuCores: number | null;
  split: StageSplit;
  rows: RunRow[];
  childRuns: ChildRun[];
}

export async function pollUntilCaughtUp(opts: {
  label: string;
  configPath: string;
  sourceUrl: string;
  busId: number;
  schema: string;
  expectedEvents: number;
  warehousePort: number;
  workDir: string;
  cpuProfDir?: string;
  nodeOptions?: string[];
  log: (msg: string) => void;
}): Promise<RsetlRun> {
  await mkdir(opts.workDir, { recursive: true });
  const children: ChildRun[] = [];
  const rows: RunRow[] = [];
  let split: StageSplit | undefined;
  let loaded = 0;
  for (let i = 0; loaded < opts.expectedEvents; i++) {
    if (i >= 20) throw new Error(`${opts.label}: still ${opts.expectedEvents - loaded} events pending after 20 polls`);
    const child = await runRsetl(['poll', '--config', opts.configPath, '--bus', opts.schema, '--json'], {
      tracePath: join(opts.workDir, `trace-${i}.json`),
      ...(opts.cpuProfDir ? { cpuProfDir: opts.cpuProfDir } : {}),
      ...(opts.nodeOptions ? { nodeOptions: opts.nodeOptions } : {}),
    });
    children.push(child);
    if (child.exitCode !== 0) {
      throw new Error(
        `${opts.label}: rsetl poll exited with ${child.exitCode ?? child.signal}\n--- stderr ---\n${child.stderr.slice(-4000)}\n--- stdout ---\n${child.stdout.slice(-4000)}`,
      );
    }
    const mine = await runRows(opts.sourceUrl, opts.busId, rows.at(-1)?.id ?? 0);
    rows.push(...mine);
    const progress = mine.reduce((a, r) => a + (r.outcome === 'failed' ? 0 : r.events), 0);
    loaded += progress;
    const s = splitOfRun(child, mine, { warehouse: opts.warehousePort });
    split = split ? addSplits(split, s) : s;
    opts.log(`${opts.label}: poll #${i + 1} loaded ${progress} events in ${mine.length} load(s), ${(child.wallMs / 1000).toFixed(1)} s`);
    if (progress === 0) throw new Error(`${opts.label}: rsetl poll made no progress (${loaded}/${opts.expectedEvents})\n${child.stdout.slice(-4000)}`);
  }
  if (loaded !== opts.expectedEvents) throw new Error(`${opts.label}: loaded ${loaded} events, expected ${opts.expectedEvents}`);
  const loads = rows.filter((r) => r.outcome === 'loaded');
  const byTable: Record<string, number> = {};
  for (const r of loads) for (const [t, n] of Object.entries(r.tables)) byTable[t] = (byTable[t] ?? 0) + n;
  const traces = children.map((c) => c.trace);
  return {
    label: opts.label,
    events: loaded,
    wallMs: children.reduce((a, c) => a + c.wallMs, 0),
    children: children.length,
    loads: loads.length,
    statements: rows.reduce((a, r) => a + r.statements, 0),
    roundTrips: rows.reduce((a, r) => a + r.roundTrips, 0),
    copies: rows.reduce((a, r) => a + r.copies, 0),
    bytesStaged: rows.reduce((a, r) => a + r.bytesStaged, 0),
    rowsStaged: Object.entries(byTable).filter(([t]) => !t.includes('__')).reduce((a, [, n]) => a + n, 0),
    keyRowsStaged: Object.entries(byTable).filter(([t]) => /__(delete|obfuscate)$/.test(t)).reduce((a, [, n]) => a + n, 0),
    sideLinesStaged: Object.entries(byTable).filter(([t]) => t.includes('__') && !/__(delete|obfuscate)$/.test(t)).reduce((a, [, n]) => a + n, 0),
    rowsStagedByTable: byTable,
    maxTablesTouchedPerLoad: Math.max(0, ...loads.map((r) => new Set(Object.keys(r.tables).map((t) => t.split('__')[0])).size)),
    maxCopiesPerLoad: Math.max(0, ...loads.map((r) => r.copies)),
    peakRssKb: Math.max(...children.map((c) => Math.max(c.trace?.maxRssKb ?? 0, c.rss.sampledHwmKb))),
    rssSampledMaxKb: Math.max(...children.map((c) => c.rss.sampledMaxKb)),
    rssSamples: children.reduce((a, c) => a + c.rss.samples, 0),
    memory: traces.every((t) => t?.memory)
      ? (Object.fromEntries(Object.keys(traces[0]!.memory).map((k) => [k, Math.max(...traces.map((t) => t!.memory[k as keyof ChildTrace['memory']]))])) as ChildTrace['memory'])
      : null,
    cpuUserMs: traces.reduce((a, t) => a + (t?.userCpuMs ?? 0), 0),
    cpuSystemMs: traces.reduce((a, t) => a + (t?.systemCpuMs ?? 0), 0),
    eventLoopUtilization: traces.every((t) => t) ? traces.reduce((a, t) => a + t!.eventLoopUtilization, 0) / traces.length : null,
    ownCpuCores: children.every((c) => c.cpu) ? children.reduce((a, c) => a + c.cpu!.ownCores * c.wallMs, 0) / children.reduce((a, c) => a + c.wallMs, 0) : null,
    foreignCpuCores: children.every((c) => c.cpu)
      ? children.reduce((a, c) => a + c.cpu!.foreignCores * c.wallMs, 0) / children.reduce((a, c) => a + c.wallMs, 0)
      : null,
    split: split!,
    rows,
    childRuns: children,
  };
}

/**
 * What `rsetl poll --loop --bus <bus>` costs the source while its bus is not due and another bus
 * is due all along (the case that once spun): transactions on the source database per minute,
 * from pg_stat_database around the run (each autocommit statement is one transaction; a backend
 * publishes its counts when it ends, so the child has exited when the second figure is read).
 */
export async function idleLoopQueries(
  configPath: string,
  sourceUrl: string,
  bus: { schema: string; id: number },
  seconds: number,
  workDir: string,
): Promise<{ perMinute: number; transactions: number; exitCode: number | null; outputLines: number }> {
  const c = new pg.Client({ connectionString: sourceUrl });
  await c.connect();
  try {
    const count = async () => {
      await c.query('select pg_stat_clear_snapshot()');
      return Number((await c.query<{ n: string }>('select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()')).rows[0]!.n);
    };
    await c.query(`update rsetl.bus set scheduled = now() + interval '1 day' where id = $1`, [bus.id]);
    const before = await count();
    const r = await runRsetl(['poll', '--loop', '--bus', bus.schema, '--max-seconds', String(seconds), '--config', configPath], {
      tracePath: join(workDir, 'trace-idle-loop.json'),
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Less this function's own two statements between the readings.
    const transactions = (await count()) - before - 2;
    return { perMinute: (transactions * 60) / seconds, transactions, exitCode: r.exitCode, outputLines: r.stdout.split('\n').filter(Boolean).length };
  } finally {
    await c.end();
  }
}

/** `rsetl poll` when no bus is due: the cron case that must return in under a second. */
export async function idlePoll(configPath: string, workDir: string): Promise<{ wallMs: number; exitCode: number | null }> {
  const r = await runRsetl(['poll', '--config', configPath], { tracePath: join(workDir, 'trace-idle.json') });
  return { wallMs: r.wallMs, exitCode: r.exitCode };
}
