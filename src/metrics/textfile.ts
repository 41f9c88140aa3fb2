// Replacing a metrics file so that a reader (node_exporter's textfile collector, scraping at any
// moment) sees the old file or the new one, never a part: the text goes to a temporary file in the
// same folder (a rename is atomic only within one file system), is flushed to disk, then renamed
// over the target. The temporary name starts with a dot and ends in `.tmp`, so the collector,
// which reads `*.prom`, never picks it up.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The temporary file a write of `path` uses. */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `text` to `path` atomically, the file readable by all (`mode`, default 0644, whatever the umask). */
export async function writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  const tmp = temporaryPath(path);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(tmp, 'wx', mode);
    await handle.writeFile(text, 'utf8');
    await handle.chmod(mode);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
