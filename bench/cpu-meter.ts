// Was anything else running? On a shared 2-core machine another process can halve a figure. A meter
// reads, at the start and end of a measurement, the machine's busy CPU time (/proc/stat) and the CPU
// time of the bench's own process tree (this process and every descendant, live ones from
// /proc/<pid>/stat utime+stime, exited ones through their parents' cutime+cstime: the rsetl
// children, the PostgreSQL server and its backends). The difference is CPU other processes used.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function machineJiffies(): { busy: number; total: number; cpus: number } | undefined {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    const f = lines[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.reduce((a, b) => a + b, 0);
    const cpus = lines.filter((l) => /^cpu\d+ /.test(l)).length || 1;
    return { busy: total - idle, total, cpus };
  } catch {
    return undefined;
  }
}

/** CPU jiffies of this process and all its descendants (including reaped children). */
function ownTreeJiffies(): number | undefined {
  try {
    const procs = new Map<number, { ppid: number; ticks: number }>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      // Fields after the command (which may hold spaces) in parentheses.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(rest[1]);
      const ticks = Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]); // utime stime cutime cstime
      procs.set(Number(name), { ppid, ticks });
    }
    const mine = (pid: number): boolean => {
      for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
        if (p === process.pid) return true;
        const info = procs.get(p);
        if (!info) return false;
        p = info.ppid;
      }
      return false;
    };
    let sum = 0;
    for (const [pid, info] of procs) if (mine(pid)) sum += info.ticks;
    return sum;
  } catch {
    return undefined;
  }
}

export interface CpuReading {
  seconds: number;
  /** Cores the bench's own process tree kept busy on average. */
  ownCores: number;
  /** Cores other processes on the machine kept busy on average (0 on a quiet machine). */
  foreignCores: number;
  cpus: number;
}

export function startCpuMeter(): () => CpuReading | null {
  const m0 = machineJiffies();
  const o0 = ownTreeJiffies();
  const t0 = Date.now();
  return () => {
    const m1 = machineJiffies();
    const o1 = ownTreeJiffies();
    const seconds = (Date.now() - t0) / 1000;
    if (!m0 || !m1 || o0 === undefined || o1 === undefined || seconds <= 0) return null;
    const busy = (m1.busy - m0.busy) / TICKS_PER_SECOND;
    const own = (o1 - o0) / TICKS_PER_SECOND;
    return { seconds, ownCores: own / seconds, foreignCores: Math.max(0, (busy - own) / seconds), cpus: m1.cpus };
  };
}
