// CPU time of each thread of this process, by thread name, from /proc/self/task/<tid>/stat (Linux;
// empty elsewhere). A Node process's CPU (getrusage) is the sum over its threads: the main thread
// (JavaScript: transform, combine, NDJSON, the pg and S3 clients), V8's helper threads ("V8
// DefaultWorke": concurrent marking, parallel scavenges), and libuv's pool ("libuv-worker": zlib's
// deflate, file system calls). A CPU profile (`--cpu-prof`) sees only the main thread.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ = 100 on Linux

export type ThreadCpu = Record<string, { threads: number; userMs: number; systemMs: number }>;

/** Threads grouped by name: how many, and their user and system CPU so far. */
export function threadCpu(): ThreadCpu {
  const out: ThreadCpu = {};
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  let mainName = 'node';
  try {
    mainName = readFileSync('/proc/self/comm', 'utf8').trim();
  } catch {
    // keep the default
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const rawName = stat.slice(open + 1, close);
    // Node 20 leaves its worker threads with the executable's name ("node"), like the main thread;
    // threads that name themselves (numbered pools) share one entry per name.
    const name =
      tid === String(process.pid) ? 'main thread (JavaScript)' : rawName === mainName ? 'worker threads (V8 GC and compiler, libuv pool)' : rawName.replace(/\d+$/, '').trim() || rawName;
    const fields = stat.slice(close + 2).split(' ');
    const e = (out[name] ??= { threads: 0, userMs: 0, systemMs: 0 });
    e.threads++;
    e.userMs += Number(fields[11]) * TICK_MS;
    e.systemMs += Number(fields[12]) * TICK_MS;
  }
  return out;
}
