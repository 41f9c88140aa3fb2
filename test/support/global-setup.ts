// One throwaway PostgreSQL per test run (or the server named by RSETL_TEST_PG_URL). Each test file
// creates its own databases on it, so files stay isolated and can run in parallel.
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
  project.provide('pgAdminUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
