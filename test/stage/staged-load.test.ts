import { gunzipSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../src/localstack/s3.js';
import { tableByName } from '../../src/model/tables.js';
import { createS3Client, ObjectStore } from '../../src/stage/object-store.js';
import { rowEncoder, truncateUtf8 } from '../../src/stage/row-encoder.js';
import { StagedLoad } from '../../src/stage/staged-load.js';

let s3: LocalS3;
let store: ObjectStore;

beforeAll(async () => {
  s3 = await startLocalS3({ buckets: ['stage-test'] });
  store = new ObjectStore(createS3Client({ region: s3.region, endpoint: s3.endpoint, credentials: s3.credentials }), 'stage-test');
});
afterAll(async () => {
  store.client.destroy();
  await s3.stop();
});

async function gunzipObject(key: string): Promise<string> {
  const r = await store.client.send(new GetObjectCommand({ Bucket: 'stage-test', Key: key }));
  return gunzipSync(Buffer.from(await r.Body!.transformToByteArray())).toString('utf8');
}

describe('row encoding', () => {
  it('cuts a string to its byte length without splitting a character', () => {
    expect(truncateUtf8('ab€', 4)).toBe('ab'); // € is 3 bytes: 'ab€' is 5
    expect(truncateUtf8('ab€', 5)).toBe('ab€');
    expect(truncateUtf8('😀😀', 6)).toBe('😀');
    expect(Buffer.byteLength(truncateUtf8('é'.repeat(600), 1024))).toBe(1024);
  });

  it('writes one JSON object per row with every column, lone surrogates replaced', () => {
    const enc = rowEncoder(tableByName('sectionentry').columns);
    const line = enc({ userid: 1, sectionid: 2, time: '2026-01-01 00:00:00.000', sessionid: null, role: 'student\ud800', originsectionid: undefined });
    expect(line.endsWith('}\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({ userid: 1, sectionid: 2, time: '2026-01-01 00:00:00.000', sessionid: null, role: 'student\ufffd', originsectionid: null });
  });

  it('refuses a number that is not finite rather than staging garbage', () => {
    const enc = rowEncoder(tableByName('sectionentry').columns);
    expect(() => enc({ userid: Number.NaN, time: '2026-01-01 00:00:00' })).toThrow(/userid/);
  });
});

describe('staging a load', () => {
  it('splits a large table into several gzip parts listed in one manifest with mandatory entries', async () => {
    const load = new StagedLoad(store, { keyPrefix: 'p/schema/load-1/', upload: { partSizeBytes: 5 * 1024 * 1024, queueSize: 2 }, partBytes: 200_000 });
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const line = `{"i":${i},"text":"row number ${i} with some padding to make it longer"}\n`;
      lines.push(line);
      load.write('pagenavevent', line);
      if (i % 1000 === 0) await load.drain();
    }
    load.write('usr', '{"id":1}\n');
    const staged = await load.finish();
    const t = staged.get('pagenavevent')!;
    expect(t.rows).toBe(20_000);
    expect(t.parts.length).toBeGreaterThan(3);
    expect(t.bytes).toBe(lines.join('').length);
    const manifest = JSON.parse(await store.getText(t.manifestKey));
    expect(manifest.entries).toEqual(t.parts.map((k) => ({ url: `s3://stage-test/${k}`, mandatory: true })));
    let all = '';
    for (const k of t.parts) all += await gunzipObject(k);
    expect(all).toBe(lines.join(''));
    expect((await store.list('p/schema/load-1/')).length).toBe(t.parts.length + 1 + 2);
    expect(await store.deletePrefix('p/schema/load-1/')).toBe(t.parts.length + 3);
    expect(await store.list('p/schema/load-1/')).toEqual([]);
  });

  it('stages multi-byte lines and lines longer than a buffer exactly, counting UTF-8 bytes', async () => {
    const load = new StagedLoad(store, { keyPrefix: 'p/schema/load-2/', upload: { partSizeBytes: 5 * 1024 * 1024, queueSize: 2 } });
    const lines: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      // Mixed 1-, 2-, 3- and 4-byte characters, and now and then a line of ~120 KB.
      const text = i % 997 === 0 ? 'é€😀x'.repeat(12_000) : `row ${i} é€😀 ${'a'.repeat(i % 300)}`;
      const line = `{"i":${i},"text":${JSON.stringify(text)}}\n`;
      lines.push(line);
      load.write('pagenavevent', line);
      load.write('pagenavevent__events', `${1000 + i}\n`);
      if (i % 500 === 0) await load.drain();
    }
    const staged = await load.finish();
    const t = staged.get('pagenavevent')!;
    expect(t.rows).toBe(5_000);
    expect(t.bytes).toBe(Buffer.byteLength(lines.join(''), 'utf8'));
    let all = '';
    for (const k of t.parts) all += await gunzipObject(k);
    expect(all).toBe(lines.join(''));
    const shadow = staged.get('pagenavevent__events')!;
    expect(shadow.manifestKey).toBe('');
    expect(await gunzipObject(shadow.parts[0]!)).toBe(lines.map((_, i) => `${1000 + i}\n`).join(''));
    await store.deletePrefix('p/schema/load-2/');
  });
});
