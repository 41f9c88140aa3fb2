// The folder a local stack keeps its data and config file in, made and tried before anything
// starts: a path that cannot hold one (under a regular file, in /proc, on a read-only file system)
// is the operator's to fix, so it fails at once with the reason rather than deep inside initdb.
// Node 20's mkdir({ recursive: true }) never returns for a path like /proc/x (the kernel answers
// ENOENT with the parent present), so the folders are made one level at a time (makeDirs).
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { makeDirs } from '../stage/local-dir.js';

const REASONS: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'it exists and is not a folder',
  ENOENT: 'the file system there does not hold new files or folders',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
};

/** Creates `dir` (and missing parents) and proves a file can be written in it. */
export async function makeDataDir(dir: string): Promise<string> {
  const path = resolve(dir);
  try {
    await makeDirs(path);
    const probe = join(path, `.rsetl-probe-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new UsageError(`data folder ${path} cannot be used: ${REASONS[code] ?? (e as Error).message}${code ? ` (${code})` : ''}`, {
      hint: 'choose a data folder you can create and write to (rsetl dev up --data-dir DIR)',
      cause: e,
    });
  }
  return path;
}
