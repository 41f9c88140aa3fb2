// `rsetl doctor` as an operator runs it (the built binary): exit codes, one line per check, the
// connection details on success, --json as one object, and never a secret in either output.
import { execFile } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/localstack/free-port.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { bucketKeys, configVariant, stackSecrets, warehouseRelations } from './support.js';

let t: TestStack;
let relationsBefore: string[];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function doctor(args: string[]): Promise<Run> {
  return new Promise((resolve) =>
    execFile(process.execPath, ['bin/rsetl', 'doctor', ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    ),
  );
}

function expectNoSecret(run: Run): void {
  for (const secret of [...stackSecrets(t), 'cli-Secret-7']) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

beforeAll(async () => {
  t = await startTestStack();
  relationsBefore = await warehouseRelations(t);
});
afterAll(async () => {
  await t?.stop();
});

describe('rsetl doctor (CLI)', () => {
  it('prints one line per check and the connection details, and exits 0 when everything works', async () => {
    const run = await doctor(['--config', t.stack.configPath]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const checks = lines.filter((l) => /^(PASS|WARN|FAIL|SKIP) {2}\d /.test(l));
    expect(checks.map((l) => l.slice(0, 18).trim())).toEqual(['PASS  1 config', 'PASS  2 source', 'PASS  3 s3', 'PASS  4 redshift', 'PASS  5 round-trip', 'PASS  6 buses']);
    for (const l of checks) expect(l).toMatch(/ \d+ ms {2}/);
    expect(run.stdout).toContain('All 6 checks passed.');
    const rs = new URL(t.stack.redshiftUrl);
    expect(run.stdout).toContain(`  host      ${rs.hostname}`);
    expect(run.stdout).toContain(`  port      ${rs.port}`);
    expect(run.stdout).toContain(`  SSL mode  disable`);
    expect(run.stdout).toContain(`  JDBC URL  jdbc:redshift://${rs.hostname}:${rs.port}${rs.pathname}`);
    expectNoSecret(run);
    expect(await bucketKeys(t)).toEqual([]);
  });

  it('--json prints one object with every check and the connection details, no secret', async () => {
    const run = await doctor(['--config', t.stack.configPath, '--json']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c: { name: string; status: string }) => `${c.name}:${c.status}`)).toEqual([
      'config:pass', 'source:pass', 's3:pass', 'redshift:pass', 'round-trip:pass', 'buses:pass',
    ]);
    for (const c of report.checks) expect(typeof c.ms).toBe('number');
    expect(report.connection.jdbcUrl).toMatch(/^jdbc:redshift:\/\/127\.0\.0\.1:\d+\//);
    expectNoSecret(run);
  });

  it('fails at check 4 when Redshift is unreachable, skips the round trip, and exits 1', async () => {
    const port = await freePort();
    const path = await configVariant(t, (c) => {
      const url = new URL(String(c.redshift!.url));
      url.port = String(port);
      c.redshift!.url = url.toString();
    });
    const run = await doctor(['--config', path]);
    expect(run.code).toBe(1);
    const line = (n: number) => run.stdout.split('\n').find((l) => l.slice(6).startsWith(`${n} `)) ?? '';
    expect(line(3)).toMatch(/^PASS/);
    expect(line(4)).toMatch(new RegExp(`^FAIL  4 redshift .*cannot reach 127\\.0\\.0\\.1:${port}/`));
    expect(run.stdout).toMatch(/fix: {3}redshift\.url \(or redshift\.host \/ redshift\.port\)/);
    expect(line(5)).toBe('SKIP  5 round-trip           skipped: Redshift is not connected (check 4)');
    expect(run.stdout).toContain('1 check failed (redshift)');
    expect(run.stdout).not.toContain('JDBC URL');
    expectNoSecret(run);
  });

  it('reports a broken configuration at check 1, skips the rest, and exits 1 (also as --json)', async () => {
    const path = await configVariant(t, (c) => {
      c.redshift!.password = 'cli-Secret-7';
      c.redshift!.port = 'not-a-port';
    });
    const human = await doctor(['--config', path]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^FAIL {2}1 config .*redshift\.port: must be a whole number from 1 to 65535/m);
    expect(human.stdout.match(/^SKIP {2}\d /gm)).toHaveLength(5);
    expectNoSecret(human);
    const json = await doctor(['--config', path, '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.checks.map((c: { status: string }) => c.status)).toEqual(['fail', 'skip', 'skip', 'skip', 'skip', 'skip']);
    expect(report.connection).toBeNull();
    expectNoSecret(json);
  });

  it('warns, and still passes, when the config file holding secrets is readable by others', async () => {
    // The stack's file holds secrets already: the URL passwords and the S3 secret key.
    const path = await configVariant(t, () => undefined, 0o644);
    await chmod(path, 0o644);
    const run = await doctor(['--config', path]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^WARN {2}1 config .*readable by group or others/m);
    expect(run.stdout).toContain(`fix:   chmod 600 ${path}`);
    expect(run.stdout).toContain('All 6 checks passed (1 with a warning).');
    expectNoSecret(run);
  });

  it('leaves nothing behind in S3 or Redshift', async () => {
    expect(await bucketKeys(t)).toEqual([]);
    expect(await warehouseRelations(t)).toEqual(relationsBefore);
  });
});
