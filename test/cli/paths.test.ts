// The checks of user-given paths, on the real file system: every bad path is a UsageError naming
// the flag and the reason, fast (Node's recursive mkdir never returns for /proc/x), and nothing is
// left behind, neither by a refused path nor by an accepted one.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInputFile, checkInputFolder, checkOutputFile, checkOutputFolder } from '../../src/cli/paths.js';
import { UsageError } from '../../src/errors.js';

let tmp: string;
let file: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'rsetl-paths-'));
  file = join(tmp, 'a-file.txt');
  await writeFile(file, 'hello\n');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** The UsageError `check` throws, within `ms` (a hang fails the test instead of blocking it). */
async function refused(check: Promise<unknown>, ms = 3000): Promise<UsageError> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref());
  try {
    await Promise.race([check, timeout]);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

const listing = async () => (await readdir(tmp, { recursive: true })).sort();

describe('checkOutputFolder', () => {
  it('accepts a folder that can be created, and leaves nothing behind (the command creates it)', async () => {
    const before = await listing();
    const dir = join(tmp, 'new', 'nested');
    expect(await checkOutputFolder('--out', dir)).toBe(dir);
    expect(await listing()).toEqual(before);
  });

  it('accepts an existing folder and leaves its content as it was', async () => {
    const dir = join(tmp, 'existing');
    await mkdir(dir);
    await writeFile(join(dir, 'keep.ndjson'), 'x\n');
    expect(await checkOutputFolder('--out', dir)).toBe(dir);
    expect(await readdir(dir)).toEqual(['keep.ndjson']);
  });

  it.each([
    ['/proc/x', /cannot be created: \/proc takes no new folders/],
    ['/proc/x/y/z', /cannot be created: \/proc takes no new folders/],
    ['/proc/self', /a file cannot be written there: the file system there takes no new files/],
  ])('refuses %s at once', async (path, why) => {
    const e = await refused(checkOutputFolder('--out', path));
    expect(e.message).toContain(`--out ${path}: `);
    expect(e.message).toMatch(why);
  });

  it('refuses a path under a regular file, and a regular file, saying so', async () => {
    const before = await listing();
    expect((await refused(checkOutputFolder('--out', join(file, 'sub', 'dir')))).message).toMatch(/^--out .*a-file\.txt\/sub\/dir: cannot be created: .*a-file\.txt is not a folder \(ENOTDIR\)/);
    expect((await refused(checkOutputFolder('--out', file))).message).toMatch(/a-file\.txt is not a folder \(EEXIST\)/);
    expect(await listing()).toEqual(before);
  });

  it('refuses a path through a link to nothing, at once', async () => {
    const link = join(tmp, 'dangling');
    await symlink(join(tmp, 'nowhere'), link);
    try {
      const e = await refused(checkOutputFolder('--out', join(link, 'out')));
      expect(e.message).toContain('--out ');
      expect(e.message).toContain('exists and is not a folder (EEXIST');
    } finally {
      await rm(link);
    }
  });

  it('removes the folders it created when a deeper one cannot be made', async () => {
    const before = await listing();
    const e = await refused(checkOutputFolder('--out', join(tmp, 'made', 'x'.repeat(300))));
    expect(e.message).toContain('(ENAMETOOLONG');
    expect(await listing()).toEqual(before);
  });

  it('refuses an empty path', async () => {
    expect((await refused(checkOutputFolder('--out', ''))).message).toBe('--out "": is empty');
  });
});

describe('checkOutputFile', () => {
  it('accepts a new file in an existing folder, creating nothing', async () => {
    const before = await listing();
    expect(await checkOutputFile('--config-out', join(tmp, 'jdoe.json'))).toBe(join(tmp, 'jdoe.json'));
    expect(await listing()).toEqual(before);
  });

  it('accepts an existing file without changing it', async () => {
    expect(await checkOutputFile('--config-out', file)).toBe(file);
    expect(await readFile(file, 'utf8')).toBe('hello\n');
  });

  it.each([
    ['/proc/x/rsetl.json', /its folder \/proc\/x does not exist \(ENOENT/],
    ['/proc/rsetl.json', /a file in \/proc cannot be written: the file system there takes no new files \(ENOENT/],
  ])('refuses %s', async (path, why) => {
    const e = await refused(checkOutputFile('--config-out', path));
    expect(e.message).toContain(`--config-out ${path}: `);
    expect(e.message).toMatch(why);
  });

  it('refuses a path under a regular file, a folder, a device, and a missing folder', async () => {
    expect((await refused(checkOutputFile('--config-out', join(file, 'c.json')))).message).toMatch(/a-file\.txt is a file, not a folder/);
    expect((await refused(checkOutputFile('--config-out', tmp))).message).toMatch(/is a folder, not a file/);
    expect((await refused(checkOutputFile('--config-out', '/dev/null'))).message).toMatch(/is not a regular file/);
    expect((await refused(checkOutputFile('--config-out', join(tmp, 'missing', 'c.json')))).message).toMatch(/missing does not exist \(ENOENT/);
  });
});

describe('checkInputFile', () => {
  it('accepts a readable regular file', async () => {
    expect(await checkInputFile('--file', file)).toBe(file);
  });

  it('refuses a missing file, a folder, a path under a file, /proc/x, a device and a FIFO, at once', async () => {
    const fifo = join(tmp, 'fifo.sql');
    execFileSync('mkfifo', [fifo]);
    try {
      const cases: Array<[string, RegExp]> = [
        [join(tmp, 'missing.sql'), /does not exist \(ENOENT/],
        [tmp, /is a folder, not a file/],
        [join(file, 'x.sql'), /a part of the path is a file, not a folder \(ENOTDIR/],
        ['/proc/x', /does not exist \(ENOENT/],
        ['/dev/zero', /is not a regular file/],
        [fifo, /is not a regular file/],
      ];
      for (const [path, why] of cases) {
        const e = await refused(checkInputFile('--file', path));
        expect(e.message, path).toContain(`--file ${path}: `);
        expect(e.message, path).toMatch(why);
      }
    } finally {
      await rm(fifo);
    }
  });
});

describe('checkInputFolder', () => {
  it('accepts a readable folder', async () => {
    expect(await checkInputFolder('--dir', tmp)).toBe(tmp);
  });

  it('refuses a missing folder, a file, a path under a file and /proc/x', async () => {
    const cases: Array<[string, RegExp]> = [
      [join(tmp, 'missing'), /does not exist \(ENOENT/],
      [file, /is a file, not a folder/],
      [join(file, 'migrations'), /a part of the path is a file, not a folder \(ENOTDIR/],
      ['/proc/x', /does not exist \(ENOENT/],
    ];
    for (const [path, why] of cases) {
      const e = await refused(checkInputFolder('--dir', path));
      expect(e.message, path).toContain(`--dir ${path}: `);
      expect(e.message, path).toMatch(why);
    }
  });
});
