// A load shows how far it has got on a terminal (events read, rows staged, COPYs done, elapsed)
// and prints nothing of the kind under cron. `script` gives the child process a real terminal.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseStream, startFaultEnv, type FaultEnv } from './harness.js';

let env: FaultEnv;
beforeAll(async () => {
  env = await startFaultEnv({ stream: baseStream(31, 6) });
});
afterAll(async () => {
  await env?.stop();
});

/** Runs `rsetl <args>` with its output on a pseudo-terminal; resolves with everything it wrote. */
function onTerminal(args: string[]): Promise<{ status: number | null; output: string }> {
  const command = [process.execPath, 'bin/rsetl', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    execFile('script', ['-qfec', command, '/dev/null'], { timeout: 60_000, env: { ...process.env, NO_COLOR: '1', COLUMNS: '200' } }, (e, stdout) =>
      resolve({ status: e ? ((e as { code?: number }).code ?? null) : 0, output: stdout }),
    );
  });
}

describe('progress during a load', () => {
  it('on a terminal: events read, rows staged, COPY n/total per table, elapsed; erased at the end', async () => {
    const bus = await env.newBus('progress_tty');
    const r = await onTerminal(['poll', '--bus', bus.schema, '--config', env.configPath]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/\rbus \d+: reading, [\d,]+ events read, [\d,]+ rows staged, \d+\.\d s/);
    expect(r.output).toMatch(/\rbus \d+: loading, [\d,]+ events read, [\d,]+ rows staged, COPY \d+\/\d+ \(\w+\), \d+\.\d s/);
    // The line is erased before the summary is printed.
    expect(r.output).toMatch(/\r\x1b\[K[^\r]*caught-up/);
  });

  it('under cron (no terminal): no progress at all', async () => {
    const bus = await env.newBus('progress_cron');
    const r = await env.cli(['poll', '--bus', bus.schema]);
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/events read|\r/);
  });
});
