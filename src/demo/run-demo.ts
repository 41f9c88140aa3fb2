// `rsetl demo`: the whole cycle on the embedded local stack, in a temp folder — generate a
// realistic LMS event stream into the outbox, init-etl, poll until caught up, count what landed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { initEtl } from '../admin/init-etl.js';
import { loadConfig } from '../config/load.js';
import { startLocalStack } from '../localstack/stack.js';
import { CREATION_ORDER } from '../model/tables.js';
import { openConnections } from '../pipeline/connections.js';
import { pollOnce, type PollSummary } from '../pipeline/poller.js';
import { formatPgTimestamp } from '../source/timestamps.js';
import { ident } from '../sql/quote.js';
import { generateDemoEvents } from './generator.js';
import { insertOutboxEvents } from './outbox.js';

export interface DemoResult {
  schema: string;
  events: number;
  loads: number;
  seconds: number;
  rowsPerTable: Record<string, number>;
  failed?: PollSummary['buses'];
}

export async function runDemo(
  opts: { users?: number; sections?: number; keep?: boolean; transport?: 'postgres' | 'data-api'; onProgress?: (msg: string) => void } = {},
): Promise<DemoResult> {
  const started = Date.now();
  const say = opts.onProgress ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'rsetl-demo-'));
  say('starting the local stack (PostgreSQL, S3, Redshift stand-in)');
  const stack = await startLocalStack({ dataDir: dir });
  const schema = 'demo';
  try {
    // Over the Data API the demo logs in as production would: the stack's IAM config, no password.
    const dataApi = opts.transport === 'data-api';
    if (dataApi) say('loading through the local Redshift Data API');
    const { config } = await loadConfig({
      path: dataApi ? stack.iamConfigPath : stack.configPath,
      require: ['source', 'redshift', 's3'],
      env: { ...process.env, ...(dataApi && { RSETL_REDSHIFT_TRANSPORT: 'data-api' }) },
    });
    const conn = openConnections(config);
    try {
      const end = new Date(Date.now() - 60_000);
      const start = new Date(end.getTime() - 6 * 3600_000);
      say(`init-etl ${schema}`);
      await initEtl(conn, config, { schema, rootId: '1', since: formatPgTimestamp((start.getTime() - 1000) * 1000) });
      say('generating LMS events into the outbox');
      const source = new pg.Client({ connectionString: stack.sourceUrl });
      await source.connect();
      let events: number;
      try {
        events = await insertOutboxEvents(
          source,
          generateDemoEvents({ start, end, rootId: '1', ...(opts.users ? { users: opts.users } : {}), ...(opts.sections ? { sections: opts.sections } : {}) }),
          {},
        );
      } finally {
        await source.end();
      }
      say(`polling ${events} events`);
      let loads = 0;
      for (let pass = 0; pass < 100; pass++) {
        const s = await pollOnce(conn, config, { buses: [schema], ignoreSchedule: true });
        loads += s.buses.reduce((a, b) => a + b.loads.filter((l) => l.outcome === 'loaded').length, 0);
        const failed = s.buses.filter((b) => b.status === 'failed');
        if (failed.length) return { schema, events, loads, seconds: (Date.now() - started) / 1000, rowsPerTable: {}, failed };
        if (s.buses.every((b) => b.status === 'caught-up')) break;
      }
      const w = await conn.warehouse(schema);
      const rowsPerTable: Record<string, number> = {};
      try {
        for (const t of CREATION_ORDER) {
          const r = await w.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(t)}`);
          rowsPerTable[t] = Number(r.rows[0]!.n);
        }
      } finally {
        await w.close();
      }
      return { schema, events, loads, seconds: (Date.now() - started) / 1000, rowsPerTable };
    } finally {
      await conn.close();
    }
  } finally {
    await stack.stop();
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
}
