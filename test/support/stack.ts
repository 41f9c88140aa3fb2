// A complete local stack for one test file, on the run's PostgreSQL: its own source and backing
// databases, its own S3 server and Redshift stand-in, and a loaded rsetl config.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import type { RsetlConfig } from '../../src/config/schema.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../src/localstack/stack.js';
import { openConnections, type Connections } from '../../src/pipeline/connections.js';
import { newDatabase } from './databases.js';

export interface TestStack {
  stack: LocalStack;
  config: RsetlConfig;
  conn: Connections;
  source: pg.Client;
  /** A query on the backing database (what Redshift holds), bypassing the stand-in. */
  warehouse(sql: string, params?: unknown[]): Promise<Record<string, any>[]>;
  stop(): Promise<void>;
}

export async function startTestStack(
  overrides: (c: RsetlConfig) => void = () => undefined,
  stackOptions: Pick<LocalStackOptions, 'isolation' | 'flavour'> = {},
): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), 'rsetl-test-'));
  const sourceUrl = await newDatabase('src');
  const backingUrl = await newDatabase('rs');
  const stack = await startLocalStack({ dataDir: dir, sourceUrl, backingUrl, ...stackOptions });
  const { config } = await loadConfig({ path: stack.configPath, require: ['source', 'redshift', 's3'] });
  overrides(config);
  const conn = openConnections(config);
  const source = new pg.Client({ connectionString: sourceUrl });
  await source.connect();
  const backing = new pg.Client({ connectionString: backingUrl });
  await backing.connect();
  return {
    stack,
    config,
    conn,
    source,
    async warehouse(sql, params) {
      return (await backing.query(sql, params)).rows;
    },
    async stop() {
      await conn.close();
      await source.end();
      await backing.end();
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
