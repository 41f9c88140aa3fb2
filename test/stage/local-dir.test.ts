// The dry-run sink on the real file system: a folder it cannot use fails at once (Node's recursive
// mkdir spins forever on /proc/x), and a file that fails while lines are written ends drain and
// finish with a StageError instead of leaving them waiting for a 'close' that already passed.
import type { WriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StageError, UsageError } from '../../src/errors.js';
import { LocalDirSink, makeDirs } from '../../src/stage/local-dir.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'rsetl-localdir-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** `p`'s outcome within `ms`, or a failure naming the hang. */
async function within<T>(p: Promise<T>, ms = 3000): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
}

/**
 * Waits until every file of `sink` failed and closed: the tests below are about what comes after
 * that 'close'. The streams are the sink's own (private); nothing else shows that moment.
 */
async function failedAndClosed(sink: LocalDirSink): Promise<void> {
  const streams = [...(sink as unknown as { files: Map<string, { stream: WriteStream }> }).files.values()].map((f) => f.stream);
  expect(streams.length).toBeGreaterThan(0);
  await within(Promise.all(streams.map((s) => (s.closed ? undefined : new Promise<void>((r) => s.once('close', () => r()))))));
  for (const s of streams) expect(s.errored).toBeInstanceOf(Error);
}

describe('LocalDirSink', () => {
  it('writes one NDJSON file per table into a folder it creates with its parents', async () => {
    const dir = join(tmp, 'a', 'b');
    const sink = await new LocalDirSink(dir).open();
    sink.write('usr', '{"id":1}\n');
    sink.write('usr', '{"id":2}\n');
    sink.write('pagenavevent', '{"id":"x"}\n');
    await sink.drain();
    const staged = await sink.finish();
    expect(staged.get('usr')).toMatchObject({ rows: 2, bytes: 18 });
    expect((await readdir(dir)).sort()).toEqual(['pagenavevent.ndjson', 'usr.ndjson']);
    expect(await readFile(join(dir, 'usr.ndjson'), 'utf8')).toBe('{"id":1}\n{"id":2}\n');
  });

  it.each(['/proc/x', '/proc/x/y'])('refuses %s at once with a UsageError', async (dir) => {
    const e = await within(new LocalDirSink(dir).open()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toContain('/proc takes no new folders');
  });

  it('refuses a folder through a link to nothing at once', async () => {
    const link = join(tmp, 'dangling');
    await symlink(join(tmp, 'nowhere'), link);
    const e = await within(new LocalDirSink(join(link, 'out')).open()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
  });

  it('finish ends with a StageError when a file failed and closed before it was called', async () => {
    const sink = await new LocalDirSink('/proc/self').open(); // exists, but takes no new files
    sink.write('usr', '{"id":1}\n');
    await failedAndClosed(sink);
    const e = await within(sink.finish()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StageError);
    expect((e as Error).message).toContain('ENOENT');
  });

  it('drain ends with a StageError, also for a stream that failed with lines waiting to drain', async () => {
    const sink = await new LocalDirSink('/proc/self').open();
    sink.write('usr', `${'x'.repeat(100_000)}\n`); // over the stream's buffer: it needs a drain
    await failedAndClosed(sink);
    const e = await within(sink.drain()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StageError);
  });
});

describe('makeDirs', () => {
  it('returns the folders it created, outermost first, and none for an existing folder', async () => {
    expect(await makeDirs(join(tmp, 'm', 'n'))).toEqual([join(tmp, 'm'), join(tmp, 'm', 'n')]);
    expect(await makeDirs(join(tmp, 'm', 'n'))).toEqual([]);
  });
});
