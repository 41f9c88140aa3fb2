// One throwaway PostgreSQL per test run (or the server named by RSETL_TEST_PG_URL). Each test file
// creates its own databases on it, so files stay isolated and can run in parallel.
//
// The run also records every statement rsetl sends to the Redshift stand-ins (statement snapshot,
// issue 15): RSETL_RECORD_STATEMENTS names a temporary directory, inherited by the test workers
// and every process they start, where each stand-in writes the shapes of the statements of rsetl's
// connections that it accepted and that succeeded (src/localstack/redshift-standin/statement-recorder.ts).
// Teardown merges them, sorted, into test/standin-statements.snapshot.sql, but only after a run of
// the whole suite (every spec file, no -t) in which no test failed: a partial run would drop lines.
// RSETL_STATEMENT_SNAPSHOT=update writes it after a whole run with failures too; =off records nothing.
// .ci/run fails when `npm test` changed the committed file: a new statement shape is a reviewed diff.
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalPostgres, type LocalPostgres } from '../../src/localstack/postgres.js';
import { RECORD_STATEMENTS_ENV } from '../../src/localstack/redshift-standin/statement-recorder.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export const STATEMENT_SNAPSHOT = 'test/standin-statements.snapshot.sql';

const SNAPSHOT_HEADER = `-- The shape of every statement rsetl sent to the Redshift stand-in during the whole test suite and saw succeed,
-- one per line, sorted: literals and parameters are $n, bus schemas "<schema>", users "<user>", random name parts <id>,
-- repeated value lists one item (src/localstack/redshift-standin/statement-recorder.ts). Written by \`npm test\`
-- (test/support/global-setup.ts) after a whole-suite run without failures; test/localstack/statement-snapshot.test.ts
-- checks each against the stand-in's Redshift rules. A diff here is a new or changed statement: review it, commit the file.
`;

let server: LocalPostgres | undefined;
let testProject: TestProject | undefined;
let recordDir: string | undefined;
/** The directory was given (RSETL_RECORD_STATEMENTS set before the run, to look at the raw records): kept. */
let keepRecordDir = false;

export async function setup(project: TestProject): Promise<void> {
  requireBuild(project.config.root);
  testProject = project;
  if (process.env.RSETL_STATEMENT_SNAPSHOT !== 'off') {
    keepRecordDir = Boolean(process.env[RECORD_STATEMENTS_ENV]);
    recordDir = process.env[RECORD_STATEMENTS_ENV] || (await mkdtemp(join(tmpdir(), 'rsetl-statements-')));
    process.env[RECORD_STATEMENTS_ENV] = recordDir;
  }
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

/**
 * Many tests run the real `rsetl` (bin/rsetl loads the compiled dist/cli/main.js): without dist/
 * each of them would fail on its own with exit 70, so the run stops here, once, saying why.
 * `npm test` builds first; a bare `npx vitest run` needs `npm run build` before it (and again
 * after a change in src/: the child processes run what dist/ holds).
 */
function requireBuild(root: string): void {
  const main = join(root, 'dist/cli/main.js');
  if (!existsSync(main)) {
    throw new Error(`${relative(process.cwd(), main) || main} is missing: run \`npm run build\` first (\`npm test\` builds, then runs vitest)`);
  }
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (!recordDir || !testProject) return;
  try {
    await writeStatementSnapshot(testProject, recordDir);
  } finally {
    if (!keepRecordDir) await rm(recordDir, { recursive: true, force: true });
  }
}

/** Why this run may not write the snapshot, or undefined when it may. */
async function notWholeRun(project: TestProject): Promise<string | undefined> {
  const vitest = project.vitest;
  if (vitest.config.testNamePattern) return `tests were filtered by name (${vitest.config.testNamePattern})`;
  const ran = new Set(vitest.state.getFiles().map((f) => f.filepath));
  const all = (await vitest.globTestSpecifications()).map((s) => s.moduleId);
  const missing = all.filter((f) => !ran.has(f));
  if (missing.length > 0) return `${missing.length} of ${all.length} spec files did not run`;
  const failed = vitest.state.getFiles().filter((f) => f.result?.state === 'fail' || hasFailedTask(f));
  if (failed.length > 0 && process.env.RSETL_STATEMENT_SNAPSHOT !== 'update') {
    return `${failed.length} spec file(s) failed (RSETL_STATEMENT_SNAPSHOT=update writes it anyway)`;
  }
  return undefined;
}

function hasFailedTask(task: { result?: { state?: string }; tasks?: unknown[] }): boolean {
  return task.result?.state === 'fail' || (task.tasks ?? []).some((t) => hasFailedTask(t as typeof task));
}

async function writeStatementSnapshot(project: TestProject, dir: string): Promise<void> {
  const shapes = new Set<string>();
  for (const name of await readdir(dir)) {
    for (const line of (await readFile(join(dir, name), 'utf8')).split('\n')) if (line.trim()) shapes.add(line);
  }
  const target = join(project.config.root, STATEMENT_SNAPSHOT);
  const why = await notWholeRun(project);
  if (why) {
    console.log(`statement snapshot: ${shapes.size} shapes recorded, ${relative(process.cwd(), target)} not written: ${why}`);
    return;
  }
  const sorted = [...shapes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  await writeFile(target, SNAPSHOT_HEADER + sorted.map((s) => `${s};\n`).join(''));
  console.log(`statement snapshot: ${sorted.length} shapes written to ${relative(process.cwd(), target)}`);
}
