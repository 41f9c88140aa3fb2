// Test machinery stays out of the product path (docs/design.md#layers, docs/design.md#crash-points):
// the built crash-point hook does nothing for RSETL_CRASH_AT alone, and only the test marker
// RSETL_TEST_HOOKS=1 arms it; the fault proxy is not part of src/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const run = (env: Record<string, string>) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', "const m = await import('./dist/crash-points.js'); m.crashPoint('after-stage'); console.log('alive');"], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('test hooks in the published build', () => {
  it('ignores RSETL_CRASH_AT without the test marker', () => {
    const r = run({ RSETL_CRASH_AT: 'after-stage' });
    expect(r.signal).toBeNull();
    expect(r.stdout.trim()).toBe('alive');
  });

  it('kills at the named point when the test harness sets RSETL_TEST_HOOKS=1', () => {
    const r = run({ RSETL_CRASH_AT: 'after-stage', RSETL_TEST_HOOKS: '1' });
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout).not.toContain('alive');
  });

  it('keeps the fault proxy under test/support, out of src/ and dist/', () => {
    expect(existsSync('src/localstack/fault-proxy.ts')).toBe(false);
    expect(existsSync('test/support/fault-proxy.ts')).toBe(true);
  });
});
