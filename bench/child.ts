// Runs `node bin/rsetl poll --config <file>` as a child process, as cron would, and measures it
// from outside: wall time (spawn to exit), peak RSS (VmRSS/VmHWM sampled from /proc every 50 ms,
// plus the child's own getrusage maxRSS reported by the preloaded hook at exit — exact), and the
// timeline of its database round trips (child-hook.ts).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildTrace } from './child-hook.js';
import { onCleanup } from './cleanup.js';
import { startCpuMeter, type CpuReading } from './cpu-meter.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOOK = fileURLToPath(new URL('./child-hook.js', import.meta.url));

export interface ChildRun {
  args: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** ms, Date.now() clock. */
  spawnAt: number;
  exitAt: number;
  wallMs: number;
  stdout: string;
  stderr: string;
  rss: {
    /** Largest VmRSS seen by the 50 ms sampler, kB. */
    sampledMaxKb: number;
    /** Last VmHWM read by the sampler (the kernel's high-water mark up to that read), kB. */
    sampledHwmKb: number;
    samples: number;
  };
  /** CPU used while the child ran: by the bench's own process tree, and by other processes. */
  cpu: CpuReading | null;
  trace?: ChildTrace;
  cpuProfile?: string;
}

function readStatus(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0);
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

export async function runRsetl(
  args: string[],
  opts: { tracePath: string; cpuProfDir?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; nodeOptions?: string[] },
): Promise<ChildRun> {
  const nodeArgs = [
    ...(opts.nodeOptions ?? []),
    ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
    '--import',
    pathToFileURL(HOOK).href,
    join(REPO_ROOT, 'bin', 'rsetl'),
    ...args,
  ];
  const meter = startCpuMeter();
  const spawnAt = Date.now();
  const t0 = performance.now();
  const child = spawn(process.execPath, nodeArgs, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env, RSETL_BENCH_TRACE: opts.tracePath, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  const unregister = onCleanup(`rsetl child ${pid}`, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const rss = { sampledMaxKb: 0, sampledHwmKb: 0, samples: 0 };
  const sample = () => {
    const s = readStatus(pid);
    if (!s) return;
    rss.samples++;
    rss.sampledMaxKb = Math.max(rss.sampledMaxKb, s.rss);
    rss.sampledHwmKb = Math.max(rss.sampledHwmKb, s.hwm);
  };
  const timer = setInterval(sample, 50);
  const timeout = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, sig) => resolve([code, sig]));
  });
  const wallMs = performance.now() - t0;
  const cpu = meter();
  clearInterval(timer);
  if (timeout) clearTimeout(timeout);
  unregister();
  // 'exit' can come before the pipes are drained.
  await Promise.all([
    new Promise((r) => (child.stdout.readableEnded ? r(null) : child.stdout.once('end', r))),
    new Promise((r) => (child.stderr.readableEnded ? r(null) : child.stderr.once('end', r))),
  ]);
  const run: ChildRun = { args, exitCode, signal, spawnAt, exitAt: spawnAt + wallMs, wallMs, stdout, stderr, rss, cpu };
  if (existsSync(opts.tracePath)) run.trace = JSON.parse(await readFile(opts.tracePath, 'utf8')) as ChildTrace;
  if (opts.cpuProfDir) {
    const files = (await readdir(opts.cpuProfDir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
    if (files[0]) run.cpuProfile = join(opts.cpuProfDir, files[0]);
  }
  return run;
}
