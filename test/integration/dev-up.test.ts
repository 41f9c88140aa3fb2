// `rsetl dev up` as a developer uses it: one JSON line with the stack's URLs, psql-compatible
// servers behind them, a ready config file, and a clean stop on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('rsetl dev up', () => {
  it('prints one JSON line, serves the source and Redshift URLs, and stops cleanly on SIGTERM', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rsetl-test-devup-'));
    const child = spawn(process.execPath, ['bin/rsetl', 'dev', 'up', '--json', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', () => reject(new Error('dev up exited before printing')));
      });
      const info = JSON.parse(first);
      expect(Object.keys(info).sort()).toEqual(['bucket', 'config', 'redshiftUrl', 's3Endpoint', 'sourceUrl']);
      expect((await stat(info.config)).mode & 0o777).toBe(0o600);
      // The passwords are in the config file only; the printed URLs mask them.
      const config = JSON.parse(await readFile(info.config, 'utf8'));
      for (const [printed, real] of [[info.sourceUrl, config.source.url], [info.redshiftUrl, config.redshift.url]]) {
        const password = new URL(real).password;
        expect(password.length).toBeGreaterThan(0);
        expect(printed).not.toContain(password);
        expect(printed).toBe(real.replace(`:${password}@`, ':***@'));
      }

      const source = new pg.Client({ connectionString: config.source.url });
      await source.connect();
      const outbox = await source.query(`select count(*)::int as n from information_schema.columns where table_name = 'analyticfinder'`);
      expect(outbox.rows[0].n).toBe(5);
      await source.end();

      const redshift = new pg.Client({ connectionString: config.redshift.url });
      await redshift.connect();
      await redshift.query('create table t (id int8 not null, e varchar(32) distkey) sortkey(id)');
      await expect(redshift.query('insert into t values (1, $1) on conflict do nothing', ['x'])).rejects.toThrow(/ON CONFLICT/i);
      await redshift.end();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toEqual({ code: 143, signal: null });
  });
});
