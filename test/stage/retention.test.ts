// The retention sweep against the local S3 server: only load-id folders of the bus's schema
// prefix whose newest object is past the retention are deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../src/localstack/s3.js';
import { createS3Client, ObjectStore } from '../../src/stage/object-store.js';
import { schemaPrefix, sweepStaged } from '../../src/stage/retention.js';

let s3: LocalS3;
let store: ObjectStore;

beforeAll(async () => {
  s3 = await startLocalS3({ buckets: ['sweep-test'] });
  store = new ObjectStore(createS3Client({ region: s3.region, endpoint: s3.endpoint, credentials: s3.credentials }), 'sweep-test');
});
afterAll(async () => {
  store.client.destroy();
  await s3.stop();
});

const keys = async (prefix: string) => (await store.list(prefix)).map((o) => o.key).sort();

describe('sweepStaged', () => {
  const prefix = schemaPrefix('redshift-transfer/', 'cbllocal');
  const failed = `${prefix}20261101T101500Z-b1-a1b2c3/`;

  beforeAll(async () => {
    await store.put(`${failed}grade.0001.json.gz`, 'x');
    await store.put(`${failed}grade.manifest`, '{}');
    await store.put(`${prefix}notes/readme.txt`, 'kept: not a load folder');
    await store.put(`${prefix}20261101T101500Z-b1-a1b2c3.json`, 'kept: not inside a load folder');
    await store.put('redshift-transfer/other/20261101T101500Z-b2-ffffff/usr.manifest', 'kept: another schema');
  });

  it('keeps everything younger than the retention', async () => {
    expect(await sweepStaged(store, prefix, 168)).toEqual({ deleted: [], objects: 0 });
    expect(await keys(failed)).toHaveLength(2);
  });

  it('deletes load folders past the retention and nothing else', async () => {
    const later = new Date(Date.now() + 169 * 3_600_000);
    expect(await sweepStaged(store, prefix, 168, later)).toEqual({ deleted: [failed], objects: 2 });
    expect(await keys('redshift-transfer/')).toEqual([
      'redshift-transfer/cbllocal/20261101T101500Z-b1-a1b2c3.json',
      'redshift-transfer/cbllocal/notes/readme.txt',
      'redshift-transfer/other/20261101T101500Z-b2-ffffff/usr.manifest',
    ]);
  });

  it('refuses a prefix that is not a folder', async () => {
    await expect(sweepStaged(store, 'redshift-transfer/cbl', 1)).rejects.toThrow(/not a folder/);
  });
});
