// Scenarios 5 and 23 (docs/faults.md#scenario-5, #scenario-23): a staged file is deleted, or cut short, after rsetl
// wrote it and before Redshift's COPY reads it. The stand-in runs in this process, so the change is
// made exactly when the COPY of that table reaches it. The load must fail and roll back, never
// load less; the next attempt stages the window afresh and loads every event once.
import { gunzipSync, gzipSync } from 'node:zlib';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ClientSettings } from '../../src/config/load.js';
import { createS3Client } from '../../src/stage/object-store.js';
import { schemaPrefix } from '../../src/stage/retention.js';
import { busRow, expectNoSecrets, expectNothingLoaded, expectOracle, ledgerRows, startFaultEnv, type Bus, type FaultEnv } from './harness.js';

let env: FaultEnv;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  env = await startFaultEnv();
  s3 = createS3Client(s3ClientSettings(env.t.config));
  bucket = env.t.config.s3.bucket!;
});
afterAll(async () => {
  s3?.destroy();
  await env?.stop();
});

/** The staged data parts of `table` for the bus's load in progress (its only load so far). */
async function partsOf(bus: Bus, table: string): Promise<string[]> {
  const objects = await env.t.conn.objectStore().list(schemaPrefix(env.t.config.s3.prefix, bus.schema));
  return objects.map((o) => o.key).filter((k) => new RegExp(`/${table}\\.\\d{4}\\.json\\.gz$`).test(k));
}

async function bytesOf(key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

const replace = (key: string, body: Buffer) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

/** Polls the bus while `change` alters the pagenavevent parts at their COPY; returns the failed bus row. */
async function failingPoll(bus: Bus, change: (key: string) => Promise<void>): Promise<Record<string, any>> {
  const changed: string[] = [];
  env.t.stack.standin.injectFault({
    match: /^COPY "(?:rsetl_stage_b\d+_)?pagenavevent"/,
    before: async () => {
      for (const key of await partsOf(bus, 'pagenavevent')) {
        await change(key);
        changed.push(key);
      }
    },
  });
  const r = await env.cli(['poll', '--bus', bus.schema, '--json']);
  expect(changed).toHaveLength(1);
  expect(r.status, r.stderr + r.stdout).toBe(1);
  expect(JSON.parse(r.stdout).buses[0].status).toBe('failed');
  // Rolled back: neither the tables COPYed before pagenavevent nor the ledger kept anything.
  await expectNothingLoaded(env, bus);
  const b = await busRow(env, bus);
  expect(b.failure_count).toBe(1);
  expect(b.window_time).toEqual(new Date('2000-01-01T00:00:00Z'));
  return b;
}

/** The retry (pumped instead of waiting for the backoff) stages new files and loads every event once. */
async function recovers(bus: Bus): Promise<void> {
  await env.pump(bus);
  const again = await env.cli(['poll', '--bus', bus.schema]);
  expect(again.status, again.stderr).toBe(0);
  expect(await ledgerRows(env, bus)).toBe(1);
  await expectOracle(env, bus);
  expectNoSecrets(env);
}

describe('scenario 5: a staged file deleted before its COPY', () => {
  it('fails the COPY (its manifest entry is mandatory) as a transient failure; the retry stages it again', async () => {
    const bus = await env.newBus('staged_deleted');
    const b = await failingPoll(bus, async (key) => {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    });
    expect(b.last_error).toMatchObject({ kind: 'warehouse', failureClass: 'transient' });
    expect(b.last_error.message).toMatch(/mandatory file that is not found/);
    expect(b.last_error.hint).toMatch(/staged file was missing/);
    await recovers(bus);
  });
});

describe('scenario 23: a staged file cut short after it was written', () => {
  it('at a line boundary, still valid gzip: the COPY loads fewer rows than staged, and the load fails instead of keeping them', async () => {
    const bus = await env.newBus('staged_cut_lines');
    let kept = 0;
    let staged = 0;
    const b = await failingPoll(bus, async (key) => {
      const lines = gunzipSync(await bytesOf(key)).toString('utf8').split('\n').filter((l) => l !== '');
      staged = lines.length;
      kept = Math.floor(lines.length / 2);
      await replace(key, gzipSync(lines.slice(0, kept).join('\n') + '\n'));
    });
    expect(kept).toBeGreaterThan(0);
    expect(b.last_error).toMatchObject({ kind: 'warehouse', failureClass: 'transient' });
    expect(b.last_error.message).toContain(`loaded ${kept} rows; rsetl staged ${staged}`);
    await recovers(bus);
  });

  it('in the middle of the gzip stream: the COPY fails reading it', async () => {
    const bus = await env.newBus('staged_cut_bytes');
    const b = await failingPoll(bus, async (key) => {
      const bytes = await bytesOf(key);
      await replace(key, bytes.subarray(0, Math.floor(bytes.length / 2)));
    });
    expect(b.last_error).toMatchObject({ kind: 'warehouse' });
    expect(b.last_error.message).toMatch(/pagenavevent|unexpected end/i);
    await recovers(bus);
  });
});
