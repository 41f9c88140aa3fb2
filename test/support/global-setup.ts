// One throwaway PostgreSQL per test run (or the server named by RSETL_TEST_PG_URL). Each test file
// creates its own databases on it, so files stay isolated and can run in parallel.
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalPostgres, type LocalPostgres } from '../../src/localstack/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

let server: LocalPostgres | undefined;

export async function setup(project: TestProject): Promise<void> {
  const given = process.env.RSETL_TEST_PG_URL;
  if (given) {
    project.provide('pgAdminUrl', given);
    return;
  }
  server = await startLocalPostgres();
  // .ci/run stops this server by its id if the run is killed before teardown.
  const pidFile = process.env.RSETL_TEST_PID_FILE;
  if (pidFile) {
    const pid = (await readFile(join(server.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]!.trim();
    await appendFile(pidFile, `${pid}\n`);
  }
  project.provide('pgAdminUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
