// Before a poll writes into a bus schema: has the schema had every migration this version of rsetl
// ships (templates/migrations/)? A schema that is behind — its `upgrade-schema` failed
// (docs/faults.md#scenario-19, docs/dba.md#schema-current) or was never run after an upgrade of
// rsetl — may lack a column rsetl now stages, and COPY … FORMAT AS JSON 'auto' drops a JSON key
// that has no column without a word. So the bus fails with the fix named, instead of loading less.
import { WarehouseError } from '../errors.js';
import type { WarehouseSession } from './session.js';
import { appliedMigrations } from './migration-ledger.js';
import { loadBuiltinMigrations } from './migrations.js';

let builtin: Promise<string[]> | undefined;

/**
 * rsetl's own migrations the schema has not recorded, in order; null when the user may not read
 * the history table (it is the owner's: a load is not refused for what the check cannot see).
 */
export async function missingMigrations(s: WarehouseSession, schema: string): Promise<string[] | null> {
  builtin ??= loadBuiltinMigrations().then((ms) => ms.map((m) => m.name));
  let applied: Map<string, unknown>;
  try {
    applied = await appliedMigrations(s, schema);
  } catch (e) {
    if (e instanceof WarehouseError && e.server?.code === '42501') return null;
    throw e;
  }
  return (await builtin).filter((name) => !applied.has(name));
}

export const upgradeCommand = (schema: string) => `rsetl upgrade-schema --schema ${schema}`;

/** Throws an environment WarehouseError naming the missing migrations; a schema that is current passes. */
export async function assertSchemaCurrent(s: WarehouseSession, schema: string): Promise<void> {
  const missing = await missingMigrations(s, schema);
  if (!missing || missing.length === 0) return;
  throw new WarehouseError(`schema ${schema} lacks rsetl migration(s) ${missing.join(', ')}`, 'environment', {
    hint: `run \`${upgradeCommand(schema)}\` (or --all) as the schema owner, then the bus retries`,
    context: { schema, missingMigrations: missing },
  });
}
