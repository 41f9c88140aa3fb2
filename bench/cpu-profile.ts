// Summarises a V8 .cpuprofile of the rsetl child (main thread only: gzip's deflate runs on libuv's
// thread pool and shows up as idle time here) by the stage of the data flow each sample's own
// function belongs to.
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface CpuSummary {
  totalMs: number;
  byCategory: Array<{ category: string; ms: number; pct: number }>;
  topFunctions: Array<{ fn: string; ms: number; pct: number }>;
}

/** The stage a function belongs to, by its script; native built-ins inherit their JS caller's stage. */
function categoryOf(url: string, fn: string): string | undefined {
  if (fn === '(idle)') return 'idle (waiting: I/O, thread pool, other processes)';
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(program)') return 'V8/native (program)';
  if (url === '') return undefined;
  // combine.ts and the files it is split into (keyed tables, packed rows, keys, special merges).
  if (/\/dist\/events\/(combine|keyed-tables|row-layout|row-key|special-merges)\./.test(url)) return 'combine';
  if (url.includes('/dist/events/') || url.includes('/node_modules/zod/')) return 'transform (events/, zod)';
  if (url.includes('/dist/stage/row-encoder')) return 'NDJSON encode (row-encoder)';
  if (url.includes('/dist/stage/')) return 'stage (parts, gzip streams)';
  if (url.includes('node:zlib') || url.includes('node:internal/streams') || url.includes('node:stream')) return 'node streams/zlib glue';
  if (url.includes('/node_modules/pg') || url.includes('/node_modules/pg-protocol') || url.includes('/node_modules/pg-types') || url.includes('/node_modules/postgres-')) return 'pg driver (protocol, row parsing)';
  if (url.includes('/node_modules/@aws-sdk/') || url.includes('/node_modules/@smithy/')) return 'AWS SDK (S3 uploads)';
  if (url.includes('/dist/source/')) return 'source (window, watermark)';
  if (url.includes('/dist/warehouse/')) return 'warehouse (SQL)';
  if (url.includes('/dist/pipeline/')) return 'pipeline';
  if (url.includes('/node_modules/')) return 'other npm modules';
  if (url.startsWith('node:')) return 'node internals';
  return 'other rsetl code';
}

export async function summariseCpuProfile(path: string): Promise<CpuSummary> {
  const p = JSON.parse(await readFile(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const catCache = new Map<number, string>();
  const category = (id: number): string => {
    const cached = catCache.get(id);
    if (cached) return cached;
    let cur: number | undefined = id;
    let cat: string | undefined;
    while (cur !== undefined && cat === undefined) {
      const n = byId.get(cur)!;
      cat = categoryOf(n.callFrame.url, n.callFrame.functionName);
      cur = parent.get(cur);
    }
    const out = cat ?? 'native (no JS caller)';
    catCache.set(id, out);
    return out;
  };
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const cats = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of selfUs) {
    cats.set(category(id), (cats.get(category(id)) ?? 0) + us);
    const n = byId.get(id)!;
    const url = n.callFrame.url.replace(/^.*\/(dist|node_modules)\//, '$1/');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : `[${category(id)}]`}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us: number) => Math.round((1000 * us) / totalUs) / 10;
  return {
    totalMs: Math.round(totalUs / 1000),
    byCategory: [...cats].sort((a, b) => b[1] - a[1]).map(([category, us]) => ({ category, ms: Math.round(us / 1000), pct: pct(us) })),
    topFunctions: [...fns].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), pct: pct(us) })),
  };
}
