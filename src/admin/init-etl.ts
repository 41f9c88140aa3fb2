// `rsetl init-etl <schema> --domain <root_id>`: the Redshift schema (tables, ledger, views, bus-user
// grants, the migration history of a new schema) and the bus in the source's control schema. Safe
// to run twice: each part reports what it found already done (the old system created a
// duplicate bus on every call; rsetl does not: docs/dba.md#init-etl).
import type { RsetlConfig } from '../config/schema.js';
import type { Bus } from '../source/bus.js';
import type { Connections } from '../pipeline/connections.js';
import { assertBusSchemaName } from '../sql/quote.js';
import { redshiftAccess } from '../warehouse/login/access.js';
import { createWarehouseSchema, type SchemaReport } from '../warehouse/schema.js';
import { UsageError } from '../errors.js';
import { MIGRATION_TABLE, recordAsApplied, tableExists } from '../warehouse/migration-ledger.js';
import { BASELINE_MIGRATION, loadBuiltinMigrations } from '../warehouse/migrations.js';

export interface InitEtlInput {
  schema: string;
  rootId: string;
  paused?: boolean;
  /** Start the watermark here (UTC) instead of now: loads history since then. */
  since?: string;
  maxEvents?: number;
}

export interface InitEtlResult {
  warehouse: SchemaReport;
  /** rsetl's migrations recorded as applied in a schema created now (it is created current). */
  migrationsRecorded: string[];
  bus: Bus;
  busCreated: boolean;
}

export async function initEtl(conn: Connections, config: RsetlConfig, input: InitEtlInput): Promise<InitEtlResult> {
  let schema: string;
  try {
    schema = assertBusSchemaName(input.schema);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!/^\d+$/.test(input.rootId)) throw new UsageError(`--domain must be a numeric root_id, got ${JSON.stringify(input.rootId)}`);
  // Schema creation runs as the owner (main) user: the bus user owns nothing (docs/dba.md#users).
  const migrations = await loadBuiltinMigrations();
  let migrationsRecorded: string[] = [];
  // The ETL writer's database user. With a password it is the configured user; with any other
  // login only Redshift knows it (IAMR:<role>, or a user autoCreate makes at its first login), so
  // the writer logs in once and asks.
  let busUser: string | undefined;
  if (config.redshift.busUser) {
    const access = redshiftAccess(config, 'bus');
    if (access.transport === 'postgres' && access.login.mode === 'password') busUser = (await access.login.login()).user;
    else {
      const s = await conn.warehouse();
      try {
        busUser = (await s.query<{ u: string }>('SELECT current_user AS u')).rows[0]?.u;
      } finally {
        await s.close();
      }
    }
  }
  const owner = await conn.warehouse(undefined, { asOwner: true });
  let warehouse: SchemaReport;
  try {
    warehouse = await createWarehouseSchema(owner, schema, {
      ...(busUser !== undefined && { busUser }),
      onNewSchema: async (s) => {
        migrationsRecorded = await recordAsApplied(s, schema, migrations);
      },
      // A schema made before rsetl, adopted now: its history starts at the baseline (what
      // upgrade-schema would record for it), and later migrations are upgrade-schema's to apply
      // — rsetl poll refuses the schema until they are (warehouse/schema-current.ts).
      onExistingSchema: async (s) => {
        if (await tableExists(s, schema, MIGRATION_TABLE)) return;
        migrationsRecorded = await recordAsApplied(s, schema, migrations.filter((m) => m.name === BASELINE_MIGRATION));
      },
    });
  } finally {
    await owner.close();
  }
  const { buses } = await conn.control();
  const { bus, created } = await buses.createBus({
    rootId: input.rootId,
    schemaName: schema,
    state: input.paused ? 'Paused' : 'Active',
    maxEvents: input.maxEvents ?? config.poll.maxEvents,
    ...(input.since ? { since: input.since } : {}),
  });
  return { warehouse, migrationsRecorded, bus, busCreated: created };
}
