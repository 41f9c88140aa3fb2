// Preloaded into the measured `rsetl poll` child (`node --import <this> bin/rsetl poll ...`) when
// RSETL_BENCH_TRACE names a file. It changes nothing rsetl does: it wraps pg.Client's query() and
// connect() to note when each database round trip started and ended (and on which port, so the
// bench can tell the source from the Redshift stand-in), and at exit writes that timeline together
// with the process's own getrusage figures (peak RSS, CPU) and event-loop utilisation. The cost is
// two clock reads and one small object per query (a load issues a few dozen).
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { threadCpu, type ThreadCpu } from './thread-cpu.js';

export interface TraceEvent {
  kind: 'query' | 'connect';
  port: number;
  /** Start and end, in ms on the Date.now() clock (sub-millisecond resolution). */
  t0: number;
  t1: number;
  /** First 120 characters of the SQL. */
  sql?: string;
  rows?: number | null;
  error?: string;
}

export interface ChildTrace {
  hookLoadedAt: number;
  exitAt: number;
  maxRssKb: number;
  userCpuMs: number;
  systemCpuMs: number;
  /** Fraction of the main thread's time spent running JS/native code rather than waiting. */
  eventLoopUtilization: number;
  /** CPU by thread (main, V8 helpers, libuv pool) at exit (thread-cpu.ts); absent off Linux. */
  threads?: ThreadCpu;
  /** Maxima of process.memoryUsage() sampled every 100 ms, MiB: where the resident memory is. */
  memory: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  events: TraceEvent[];
}

const out = process.env.RSETL_BENCH_TRACE;
if (out) {
  // performance.now() is monotonic and fine-grained; shift it onto the Date.now() clock that the run
  // table's started_at/finished_at use.
  const offset = Date.now() - (performance.timeOrigin + performance.now());
  const now = () => performance.timeOrigin + performance.now() + offset;
  const hookLoadedAt = now();
  const events: TraceEvent[] = [];
  type AnyFn = (this: unknown, ...args: unknown[]) => unknown;
  const proto = pg.Client.prototype as unknown as { query: AnyFn; connect: AnyFn };
  const portOf = (c: unknown) => {
    const client = c as { port?: number; connectionParameters?: { port?: number } };
    return Number(client.port ?? client.connectionParameters?.port ?? 0);
  };

  const wrap = (name: 'query' | 'connect') => {
    const original = proto[name];
    proto[name] = function (this: unknown, ...args: unknown[]) {
      const t0 = now();
      const result = original.apply(this, args);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        const first = args[0];
        const sql = name === 'query' ? (typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '')) : undefined;
        const ev: TraceEvent = { kind: name, port: portOf(this), t0, t1: t0 };
        if (sql !== undefined) ev.sql = sql.trimStart().slice(0, 120);
        events.push(ev);
        (result as Promise<unknown>).then(
          (r) => {
            ev.t1 = now();
            if (name === 'query') ev.rows = (r as { rowCount?: number | null } | undefined)?.rowCount ?? null;
          },
          (e: unknown) => {
            ev.t1 = now();
            ev.error = e instanceof Error ? e.message.slice(0, 200) : String(e);
          },
        );
      }
      return result;
    };
  };
  wrap('query');
  wrap('connect');

  const memory = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sampleMemory = () => {
    const m = process.memoryUsage();
    for (const k of Object.keys(memory) as (keyof typeof memory)[]) memory[k] = Math.max(memory[k], m[k] / 2 ** 20);
  };
  setInterval(sampleMemory, 100).unref();
  const elu0 = performance.eventLoopUtilization();
  process.on('exit', () => {
    sampleMemory();
    const ru = process.resourceUsage();
    const trace: ChildTrace = {
      hookLoadedAt,
      exitAt: now(),
      maxRssKb: ru.maxRSS,
      userCpuMs: ru.userCPUTime / 1000,
      systemCpuMs: ru.systemCPUTime / 1000,
      eventLoopUtilization: performance.eventLoopUtilization(elu0).utilization,
      threads: threadCpu(),
      memory,
      events,
    };
    writeFileSync(out, JSON.stringify(trace));
  });
}
