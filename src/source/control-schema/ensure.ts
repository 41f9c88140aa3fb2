// Creates or upgrades the control schema on first use, so no person has to run a migration
// (docs/design.md#control-schema). Every command's control connection calls it; it costs one
// query when the schema is current.
import type pg from 'pg';
import { SourceError } from '../../errors.js';
import { ident } from '../../sql/quote.js';
import { CONTROL_MIGRATIONS } from './migrations.js';

/** Applies the migrations the schema lacks. Safe to run from many processes at once. */
export async function ensureControlSchema(client: pg.ClientBase, controlSchema: string): Promise<{ applied: number[] }> {
  const q = ident(controlSchema);
  const latest = CONTROL_MIGRATIONS[CONTROL_MIGRATIONS.length - 1]!.version;
  try {
    const current = await client.query(`select max(version) as v from ${q}.migration`);
    if (current.rows[0]?.v === latest) return { applied: [] };
  } catch {
    // The schema or its migration table does not exist yet: create it below.
  }
  const applied: number[] = [];
  await client.query('begin');
  try {
    // Serialises concurrent first runs (two cron jobs starting together).
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`rsetl.migrate:${controlSchema}`]);
    await client.query(`create schema if not exists ${q}`);
    await client.query(
      `create table if not exists ${q}.migration (version integer primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    const done = new Set((await client.query(`select version from ${q}.migration`)).rows.map((r) => r.version as number));
    for (const m of CONTROL_MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql.replaceAll('{{schema}}', q));
      await client.query(`insert into ${q}.migration (version, name) values ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('commit');
  } catch (e) {
    await client.query('rollback').catch(() => undefined);
    throw new SourceError(`could not create the control schema ${controlSchema}: ${(e as Error).message}`, {
      cause: e,
      hint: 'the source user needs CREATE on the database (or create the schema for it) and USAGE on it',
    });
  }
  return { applied };
}
