// The cron case at scale: `rsetl poll` when the source has many buses and none is due. The bench
// adds `buses` buses to the main run's control schema (rows only: none is ever loaded, so they
// need no Redshift schema), makes every bus not due, runs `rsetl poll` (the child process, as cron
// would) `runs` times, and reports the wall times and the queries each run sent to the source and to
// Redshift (from the child's trace: every pg query, by port). Afterwards the added buses are
// deleted and every other bus gets its schedule back, so the figures measured after it are unchanged.
import { join } from 'node:path';
import pg from 'pg';
import { runRsetl } from './child.js';

export interface IdleManyFigures {
  buses: number;
  /** Wall time of each `rsetl poll`, spawn to exit, ms. */
  runsMs: number[];
  /** The fastest and the median run. */
  bestMs: number;
  medianMs: number;
  /** Queries the (last) run sent to the source database, and to Redshift. */
  sourceQueries: number;
  warehouseQueries: number;
  /** Their text, first 120 characters each (the trace's). */
  sourceSql: string[];
  exitCodes: Array<number | null>;
}

export async function idleManyBuses(opts: {
  configPath: string;
  sourceUrl: string;
  warehousePort: number;
  workDir: string;
  buses?: number;
  runs?: number;
  log: (msg: string) => void;
}): Promise<IdleManyFigures> {
  const buses = opts.buses ?? 40;
  const runs = opts.runs ?? 3;
  const c = new pg.Client({ connectionString: opts.sourceUrl });
  await c.connect();
  // Schedules to restore afterwards (the main run's buses).
  const before = (await c.query<{ id: number; scheduled: Date }>('select id, scheduled from rsetl.bus')).rows;
  const added: number[] = [];
  try {
    for (let i = 1; i <= buses; i++) {
      // Root ids no event has: even if one became due, it would find nothing to load.
      const r = await c.query<{ id: number }>(
        `insert into rsetl.bus (root_id, schema_name, state, max_events, window_time)
         values ($1, $2, 'Active', 10000, (now() at time zone 'UTC')::timestamp) returning id`,
        [900_000 + i, `bench_idle_${i}`],
      );
      added.push(r.rows[0]!.id);
    }
    await c.query(`update rsetl.bus set scheduled = now() + interval '1 hour'`);
    const runsMs: number[] = [];
    const exitCodes: Array<number | null> = [];
    let sourceSql: string[] = [];
    let warehouseQueries = 0;
    for (let i = 0; i < runs; i++) {
      const r = await runRsetl(['poll', '--config', opts.configPath], { tracePath: join(opts.workDir, `trace-idle-many-${i}.json`) });
      runsMs.push(Math.round(r.wallMs));
      exitCodes.push(r.exitCode);
      const queries = (r.trace?.events ?? []).filter((e) => e.kind === 'query');
      sourceSql = queries.filter((e) => e.port !== opts.warehousePort).map((e) => e.sql ?? '');
      warehouseQueries = queries.filter((e) => e.port === opts.warehousePort).length;
    }
    const sorted = [...runsMs].sort((a, b) => a - b);
    const out: IdleManyFigures = {
      buses: buses + before.length,
      runsMs,
      bestMs: sorted[0]!,
      medianMs: sorted[Math.floor(sorted.length / 2)]!,
      sourceQueries: sourceSql.length,
      warehouseQueries,
      sourceSql,
      exitCodes,
    };
    opts.log(`idle poll with ${out.buses} buses, none due: ${runsMs.join(' / ')} ms, ${out.sourceQueries} source queries, ${warehouseQueries} to Redshift`);
    return out;
  } finally {
    if (added.length) await c.query('delete from rsetl.bus where id = any($1::int[])', [added]);
    for (const b of before) await c.query('update rsetl.bus set scheduled = $2 where id = $1', [b.id, b.scheduled]);
    await c.end();
  }
}

export function renderIdleMany(f: IdleManyFigures): string {
  const sql = f.sourceSql.map((q, i) => `    ${i + 1}. ${q.replace(/\s+/g, ' ').slice(0, 110)}`).join('\n');
  return (
    `\nIdle rsetl poll, ${f.buses} buses, none due (goal < 1 s wall, ≤ 3 source queries)\n` +
    `  wall time, spawn to exit: ${f.runsMs.join(' / ')} ms (best ${f.bestMs}, median ${f.medianMs})\n` +
    `  queries: ${f.sourceQueries} to the source, ${f.warehouseQueries} to Redshift${f.exitCodes.some((c) => c !== 0) ? `; exit codes ${f.exitCodes.join(', ')}` : ''}\n` +
    (sql ? `${sql}\n` : '')
  );
}
