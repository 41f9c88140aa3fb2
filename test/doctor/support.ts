// Shared by the doctor tests: config variants written next to the stack's own, and the proof that
// a doctor run left nothing behind in S3 or Redshift.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TestStack } from '../support/stack.js';

type RawConfig = Record<string, Record<string, unknown>>;

/** A copy of the stack's config file with `change` applied, written with mode 0600 (or `mode`). */
export async function configVariant(t: TestStack, change: (c: RawConfig) => void, mode = 0o600): Promise<string> {
  const raw = structuredClone(t.stack.config) as RawConfig;
  change(raw);
  const path = join(dirname(t.stack.configPath), `variant-${randomBytes(4).toString('hex')}.json`);
  await writeFile(path, JSON.stringify(raw, null, 2), { mode });
  return path;
}

/** Every object in the stack's bucket. */
export async function bucketKeys(t: TestStack): Promise<string[]> {
  return (await t.conn.objectStore().list('')).map((o) => o.key);
}

/**
 * Every relation of the backing database outside the system schemas, temp tables included. The
 * stand-in's `rsetl_standin` schema (its emulation of Redshift's STL load log, which records every
 * COPY as a real cluster's system tables do) is not rsetl's to clean up.
 */
export async function warehouseRelations(t: TestStack): Promise<string[]> {
  const rows = await t.warehouse(
    `select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname not in ('pg_catalog', 'information_schema', 'rsetl_standin') and n.nspname not like 'pg_toast%' order by 1`,
  );
  return rows.map((r) => String(r.name));
}

/** The secrets of the stack's configuration: database passwords and the S3 secret key. */
export function stackSecrets(t: TestStack): string[] {
  const raw = t.stack.config as RawConfig;
  return [
    new URL(t.stack.sourceUrl).password,
    new URL(t.stack.redshiftUrl).password,
    String(raw.s3!.secretAccessKey),
  ].filter((s) => s.length >= 3);
}
