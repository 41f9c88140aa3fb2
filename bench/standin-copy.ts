// The Redshift stand-in's COPY FROM S3 against the physical limit: a raw COPY FROM STDIN (text
// format, pg-copy-streams) of the same rows straight into PostgreSQL, in the same run.
//   large: ROWS rows of progressovertime and of activity (NDJSON parts of 25,000 rows, gzip level 1,
//          one manifest per table), each loaded by one COPY through the stand-in inside BEGIN/COMMIT,
//          as rsetl's loads do, once per MODES copy path (auto: fast path; exact: buffer table and
//          jsonb_to_record; before: the stand-in built from BEFORE_MODULE); then the same rows as COPY
//          text straight into another copy of the tables.
//   small: SMALL COPYs of 5 rows into a temp stage table inside a transaction (rsetl's many small
//          COPYs per load): median milliseconds per COPY.
// The loaded tables are compared with the raw-copied ones (EXCEPT ALL both ways).
// Run: npx tsc -p tsconfig.bench.json && node dist-bench/bench/standin-copy.js   (env ROWS, REPEATS, SMALL, MODES, BEFORE_MODULE)
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlib, gzipSync } from 'node:zlib';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createRandom } from '../src/demo/random.js';
import { startLocalPostgres } from '../src/localstack/postgres.js';
import type { RedshiftStandin } from '../src/localstack/redshift-standin/index.js';
import { startLocalS3 } from '../src/localstack/s3.js';
import type { ColumnDef } from '../src/model/columns.js';
import { createTableSql } from '../src/model/ddl.js';
import { tableByName, type TableDef } from '../src/model/tables.js';
import { rowEncoder, truncateUtf8 } from '../src/stage/row-encoder.js';
import { copySql } from '../src/warehouse/copy.js';
import { copyValue } from './baselines.js';

const ROWS = Number(process.env.ROWS ?? 200_000);
const REPEATS = Number(process.env.REPEATS ?? 3);
const SMALL = Number(process.env.SMALL ?? 200);
const PART_ROWS = 25_000;
const BUCKET = 'bench';
const ROLE = 'arn:aws:iam::000000000000:role/bench';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function valueFor(name: string, c: ColumnDef, rnd: () => number, i: number): unknown {
  switch (c.kind) {
    case 'int8':
      return name === 'sectionid' ? 1_000_000 + Math.floor(rnd() * 5000) : 10_000_000 + Math.floor(rnd() * 9e8);
    case 'int4':
      return Math.floor(rnd() * 200);
    case 'decimal':
      return Math.round(rnd() * 10000) / 100;
    case 'boolean':
      return rnd() < 0.5;
    case 'date':
      return `2025-${pad(1 + (i % 12))}-${pad(1 + (i % 28))}`;
    case 'timestamp': {
      const t = new Date(Date.UTC(2025, 0, 1) + Math.floor(rnd() * 3e10));
      return t.toISOString().replace('T', ' ').replace('Z', '');
    }
    case 'varchar': {
      if (name === 'id') return crypto.randomUUID();
      if (name === 'edgepath') return `c${Math.floor(rnd() * 30)}.u${Math.floor(rnd() * 12)}.l${Math.floor(rnd() * 40)}.${'x'.repeat(Math.floor(rnd() * 8))}`;
      return truncateUtf8(`name ${i} ünïcødé "q" \\ ${'y'.repeat(Math.floor(rnd() * 30))}`, c.length ?? 256);
    }
  }
}

interface Dataset {
  table: TableDef;
  manifest: string;
  copyText: Buffer;
  rows: number;
  gzBytes: number;
}

async function makeDataset(s3: S3Client, t: TableDef, rows: number, prefix: string, seed: number): Promise<Dataset> {
  const rnd = createRandom(seed).next;
  const encode = rowEncoder(t.columns);
  const cols = Object.entries(t.columns);
  const fmt = cols.map(([n, c]) => [n, copyValue(c)] as const);
  const text: string[] = [];
  const entries: { url: string; mandatory: boolean }[] = [];
  let gzBytes = 0;
  for (let from = 0, part = 0; from < rows; from += PART_ROWS, part++) {
    const lines: string[] = [];
    for (let i = from; i < Math.min(rows, from + PART_ROWS); i++) {
      const row = Object.fromEntries(cols.map(([n, c]) => [n, valueFor(n, c, rnd, i)]));
      lines.push(encode(row));
      text.push(fmt.map(([n, f]) => f(row[n])).join('\t') + '\n');
    }
    const body = gzipSync(Buffer.from(lines.join('')), { level: zlib.Z_BEST_SPEED });
    gzBytes += body.length;
    const key = `${prefix}/${t.name}.${part}.json.gz`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    entries.push({ url: `s3://${BUCKET}/${key}`, mandatory: true });
  }
  const manifestKey = `${prefix}/${t.name}.manifest`;
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: manifestKey, Body: JSON.stringify({ entries }) }));
  return { table: t, manifest: `s3://${BUCKET}/${manifestKey}`, copyText: Buffer.from(text.join('')), rows, gzBytes };
}

/** rsetl's own COPY statement (warehouse/copy.ts); each stand-in session's search_path picks the schema. */
const copyInto = (table: string, manifest: string) => copySql({ table, manifestUrl: manifest, iamRole: ROLE });

/** CPU time (user + system) of a local process so far, from /proc (Linux); NaN elsewhere. */
function backendCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Wall time of `work` and the CPU it cost this process and `session`'s backend. A CHECKPOINT first,
 * so the flush of earlier loads is not billed to this one.
 */
async function measured(direct: pg.Client, session: pg.Client, work: () => Promise<void>): Promise<{ ms: number; cpu: string }> {
  await direct.query('CHECKPOINT');
  const pid = (await session.query('SELECT pg_backend_pid() AS p')).rows[0].p as number;
  const b0 = backendCpuMs(pid);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpu: `node ${Math.round((c.user + c.system) / 1000)} ms, backend ${Math.round(backendCpuMs(pid) - b0)} ms` };
}

async function main(): Promise<void> {
  type StandinModule = typeof import('../src/localstack/redshift-standin/index.js');
  const current = (await import('../src/localstack/redshift-standin/index.js')) as StandinModule;
  // BEFORE_MODULE: another build of the stand-in's index.js (e.g. the code before a change), run as mode `before`.
  const before = process.env.BEFORE_MODULE ? ((await import(process.env.BEFORE_MODULE)) as StandinModule) : undefined;
  const modes = (process.env.MODES ?? (before ? 'before,auto,exact' : 'auto,exact')).split(',');
  const server = await startLocalPostgres();
  const s3server = await startLocalS3({ buckets: [BUCKET] });
  const backendUrl = await server.createDatabase('standin_copy_bench');
  const s3 = new S3Client({ endpoint: s3server.endpoint, region: s3server.region, credentials: s3server.credentials, forcePathStyle: true });
  const direct = new pg.Client({ connectionString: backendUrl });
  await direct.connect();
  const standins: { mode: string; standin: RedshiftStandin; client: pg.Client }[] = [];
  try {
    for (const mode of modes) {
      if (mode === 'before' && !before) throw new Error('mode before needs BEFORE_MODULE');
      const start = mode === 'before' ? before!.startRedshiftStandin : current.startRedshiftStandin;
      const standin = await start({ backendUrl, s3: s3server, acceptedIamRoles: [ROLE], ...(mode === 'before' ? {} : { copyPath: mode as 'auto' | 'exact' }) });
      const client = new pg.Client({ connectionString: standin.url });
      await client.connect();
      standins.push({ mode, standin, client });
      await client.query(`SET search_path TO ${mode}`);
    }
    // No primary key (rsetl's COPYs mostly fill index-less stage tables): the fastest ingest, the
    // hardest baseline. Every copy of the tables comes from the same DDL: only the way in differs.
    const tables: TableDef[] = [tableByName('progressovertime'), tableByName('activity')].map((t) => ({ ...t, primaryKey: undefined }));
    for (const schema of [...modes, 'raw']) {
      await direct.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
      for (const t of tables) await direct.query(createTableSql(t).replace(/ SORTKEY \(.*\)$/, ''));
    }
    const g0 = performance.now();
    const data: Dataset[] = [];
    for (const [i, t] of tables.entries()) data.push(await makeDataset(s3, t, ROWS, 'large', 42 + i));
    const totalRows = data.reduce((a, d) => a + d.rows, 0);
    console.log(`data: ${totalRows} rows, ${(data.reduce((a, d) => a + d.gzBytes, 0) / 1e6).toFixed(1)} MB gzip, ` +
      `${(data.reduce((a, d) => a + d.copyText.length, 0) / 1e6).toFixed(1)} MB COPY text (generated in ${Math.round(performance.now() - g0)} ms)`);

    const times = new Map<string, number[]>([...modes, 'raw'].map((m) => [m, []]));
    for (let r = 0; r < REPEATS; r++) {
      await direct.query([...modes, 'raw'].flatMap((m) => tables.map((t) => `TRUNCATE ${m}.${t.name}`)).join('; '));
      const per: string[] = [];
      const cpu: string[] = [];
      for (const { mode, client } of standins) {
        const m = await measured(direct, client, async () => {
          for (const d of data) {
            await client.query('BEGIN');
            const res = await client.query(copyInto(d.table.name, d.manifest));
            await client.query('COMMIT');
            if (res.rowCount !== d.rows) throw new Error(`stand-in COPY loaded ${res.rowCount} rows, expected ${d.rows}`);
          }
        });
        times.get(mode)!.push(m.ms);
        cpu.push(`${mode}: ${m.cpu}`);
      }
      const raw = await measured(direct, direct, async () => {
        for (const d of data) {
          const cols = Object.keys(d.table.columns).map((c) => `"${c}"`).join(', ');
          await pipeline(Readable.from([d.copyText]), direct.query(copyFrom(`COPY raw.${d.table.name} (${cols}) FROM STDIN`)));
        }
      });
      times.get('raw')!.push(raw.ms);
      cpu.push(`raw: ${raw.cpu}`);
      for (const [m, ms] of times) per.push(`${m === 'raw' ? 'raw COPY' : `stand-in ${m}`} ${Math.round(ms[r]!)} ms`);
      console.log(`repeat ${r + 1}: ${per.join(', ')}; CPU ${cpu.join('; ')}`);
    }
    for (const mode of modes) {
      for (const t of tables) {
        const diff = await direct.query(`SELECT (SELECT count(*) FROM (TABLE ${mode}.${t.name} EXCEPT ALL TABLE raw.${t.name}) a)::int AS a,
          (SELECT count(*) FROM (TABLE raw.${t.name} EXCEPT ALL TABLE ${mode}.${t.name}) b)::int AS b`);
        if (diff.rows[0].a !== 0 || diff.rows[0].b !== 0) throw new Error(`${mode}.${t.name}: stand-in and raw COPY rows differ ${JSON.stringify(diff.rows[0])}`);
      }
    }
    const raw = median(times.get('raw')!);
    for (const [m, ms] of times) {
      const x = median(ms);
      console.log(`large ${m === 'raw' ? 'raw COPY' : `stand-in ${m}`}: ${Math.round(x)} ms = ${Math.round(totalRows / (x / 1000)).toLocaleString('en')} rows/s` +
        (m === 'raw' ? '' : `, ${(x / raw).toFixed(2)}× raw COPY`) + ` (median of ${REPEATS}; rows identical to raw COPY's)`);
    }

    // Small COPYs: 5 rows into a temp stage table, inside a transaction.
    const small = await makeDataset(s3, tables[1]!, 5, 'small', 7);
    for (const { mode, client } of standins) {
      const smallMs: number[] = [];
      await client.query('BEGIN');
      await client.query(`CREATE TEMP TABLE stage (LIKE ${mode}.activity)`);
      for (let i = 0; i < SMALL; i++) {
        const t0 = performance.now();
        await client.query(copyInto('stage', small.manifest));
        smallMs.push(performance.now() - t0);
      }
      await client.query('ROLLBACK');
      console.log(`small stand-in ${mode}: ${SMALL} COPYs of 5 rows into a temp table in a transaction: median ${median(smallMs).toFixed(2)} ms, ` +
        `mean ${(smallMs.reduce((a, b) => a + b, 0) / SMALL).toFixed(2)} ms per COPY`);
    }
  } finally {
    for (const s of standins) {
      await s.client.end().catch(() => undefined);
      await s.standin.close();
    }
    await direct.end().catch(() => undefined);
    s3.destroy();
    await s3server.stop();
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
