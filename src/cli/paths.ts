// Checks of the paths a user gives on the command line, made before any connection is opened: a
// path that cannot work fails at once as a usage error naming the flag and the reason, instead of
// failing after the command changed something (a setup-user whose new password could not be
// written down), or never returning (a folder under /proc, a device or a FIFO read to its end).
import { constants } from 'node:fs';
import { access, open, opendir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { makeDirs, removeDirs } from '../stage/local-dir.js';

const REASONS: Record<string, string> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'exists and is not a folder',
  EISDIR: 'is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'a name in it is too long',
};

/**
 * The reason an fs call failed, in words. Node's own errors start with their code; one that says
 * something else (makeDirs) is kept as it is. When creating a file, ENOENT in an existing folder
 * means the file system takes no new files there (/proc).
 */
function reason(e: unknown, creating = false): string {
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? '';
  if (!err.message.startsWith(`${code}:`)) return code ? `${err.message} (${code})` : err.message;
  const words = creating && code === 'ENOENT' ? 'the file system there takes no new files' : (REASONS[code] ?? err.message);
  // Which part of the path it is about, when the call was about a part (a parent, a probe file).
  return `${words} (${code}${err.path ? `: ${err.path}` : ''})`;
}

/** The message says it all: no `cause`, which would print the fs error a second time. */
function refuse(flag: string, path: string, why: string, hint: string): never {
  throw new UsageError(`${flag} ${path}: ${why}`, { hint });
}

function nonEmpty(flag: string, path: string): string {
  if (path.trim() === '') refuse(flag, JSON.stringify(path), 'is empty', `give ${flag} a path`);
  return resolve(path);
}

/** Writes and removes an empty file in `dir`: the one way to know a file can be created there. */
async function probe(dir: string): Promise<void> {
  const file = join(dir, `.rsetl-probe-${process.pid}-${Date.now()}`);
  try {
    await (await open(file, 'wx')).close();
  } finally {
    await rm(file, { force: true }).catch(() => undefined);
  }
}

/**
 * A folder rsetl will write files into (`run-window --out`): created with its missing parents and
 * proven writable with a probe file; then the probe and the folders it created are removed again,
 * so a command that stops later (an unknown bus) leaves nothing behind. Returns the absolute path.
 */
export async function checkOutputFolder(flag: string, path: string): Promise<string> {
  const dir = nonEmpty(flag, path);
  let created: string[] = [];
  try {
    created = await makeDirs(dir);
  } catch (e) {
    refuse(flag, path, `cannot be created: ${reason(e, true)}`, 'choose a folder you can create and write to');
  }
  try {
    await probe(dir);
  } catch (e) {
    refuse(flag, path, `a file cannot be written there: ${reason(e, true)}`, 'choose a folder you can write to');
  } finally {
    await removeDirs(created);
  }
  return dir;
}

/**
 * A file rsetl will create, or replace when told to (`setup-user --config-out`): its folder exists
 * and takes a new file (probed, then removed), and the path is not a folder. An existing file is
 * opened for writing without changing it. With `replaceByRename` (`poll --metrics-file`, written to
 * a temporary file beside it and renamed over it) the folder must take a new file even when the
 * file exists. Returns the absolute path.
 */
export async function checkOutputFile(flag: string, path: string, opts: { replaceByRename?: boolean } = {}): Promise<string> {
  const file = nonEmpty(flag, path);
  const parent = dirname(file);
  const hint = 'choose a file in a folder that exists and that you can write to';
  const folder = await stat(parent).catch((e: unknown) => refuse(flag, path, `its folder ${parent} ${reason(e)}`, hint));
  if (!folder.isDirectory()) refuse(flag, path, `${parent} is a file, not a folder`, hint);
  const existing = await stat(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    return refuse(flag, path, reason(e), hint);
  });
  if (existing?.isDirectory()) refuse(flag, path, 'is a folder, not a file', `name a file, e.g. ${join(path, 'rsetl.config.json')}`);
  if (existing && !existing.isFile()) refuse(flag, path, 'is not a regular file', hint);
  const inPlace = existing !== undefined && !opts.replaceByRename;
  try {
    if (inPlace) await access(file, constants.W_OK);
    else await probe(parent);
  } catch (e) {
    refuse(flag, path, `${inPlace ? basename(file) : `a file in ${parent}`} cannot be written: ${reason(e, !inPlace)}`, hint);
  }
  return file;
}

/** A file rsetl will read (`upgrade-schema --file`): exists, is a regular file, opens for reading. */
export async function checkInputFile(flag: string, path: string): Promise<string> {
  const file = nonEmpty(flag, path);
  const hint = 'give the path of an existing, readable file';
  const st = await stat(file).catch((e: unknown) => refuse(flag, path, reason(e), hint));
  if (st.isDirectory()) refuse(flag, path, 'is a folder, not a file', hint);
  // A device or a FIFO would be read forever, or block until someone writes to it.
  if (!st.isFile()) refuse(flag, path, 'is not a regular file', hint);
  try {
    await (await open(file, 'r')).close();
  } catch (e) {
    refuse(flag, path, `cannot be read: ${reason(e)}`, hint);
  }
  return file;
}

/** A folder rsetl will read (`upgrade-schema --dir`): exists, is a folder, can be listed. */
export async function checkInputFolder(flag: string, path: string): Promise<string> {
  const dir = nonEmpty(flag, path);
  const hint = 'give the path of an existing, readable folder';
  const st = await stat(dir).catch((e: unknown) => refuse(flag, path, reason(e), hint));
  if (!st.isDirectory()) refuse(flag, path, 'is a file, not a folder', hint);
  try {
    await (await opendir(dir)).close();
  } catch (e) {
    refuse(flag, path, `cannot be read: ${reason(e)}`, hint);
  }
  return dir;
}
