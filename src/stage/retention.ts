// The retention sweep (docs/design.md#after-load): a load that did not commit leaves its staged files in S3 for
// diagnosis (the error lists their prefix); once older than `s3.retentionHours` they are deleted.
// Only folders named like a load id (stage/load-id.ts) directly under the bus's
// schema prefix are ever touched, and only when their NEWEST object is past the retention, so an
// unrelated object under the prefix, or a load still being staged, is never removed.
import { isLoadId } from './load-id.js';
import type { ObjectStore } from './object-store.js';

export interface SweepResult {
  /** Load folders deleted (full prefixes). */
  deleted: string[];
  objects: number;
}

export async function sweepStaged(store: ObjectStore, schemaPrefix: string, retentionHours: number, now = new Date()): Promise<SweepResult> {
  if (!schemaPrefix.endsWith('/')) throw new Error(`not a folder prefix: ${schemaPrefix}`);
  const cutoff = now.getTime() - retentionHours * 3_600_000;
  const newest = new Map<string, number>();
  for (const o of await store.list(schemaPrefix)) {
    const folder = o.key.slice(schemaPrefix.length).split('/')[0]!;
    if (!isLoadId(folder) || !o.key.startsWith(`${schemaPrefix}${folder}/`)) continue;
    // An object without a date is treated as new: never delete what cannot be dated.
    const t = o.lastModified?.getTime() ?? Number.POSITIVE_INFINITY;
    newest.set(folder, Math.max(newest.get(folder) ?? Number.NEGATIVE_INFINITY, t));
  }
  const result: SweepResult = { deleted: [], objects: 0 };
  for (const [folder, t] of newest) {
    if (t >= cutoff) continue;
    result.objects += await store.deletePrefix(`${schemaPrefix}${folder}/`);
    result.deleted.push(`${schemaPrefix}${folder}/`);
  }
  return result;
}

/** `<s3.prefix>/<schema>/`: where a bus's loads stage their files. */
export function schemaPrefix(s3Prefix: string, schema: string): string {
  return `${s3Prefix.replace(/\/+$/, '')}/${schema}/`;
}
