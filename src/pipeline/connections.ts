// The connections a command needs, built lazily from the configuration and closed together.
import pg from 'pg';
import { s3ClientSettings } from '../config/load.js';
import { redshiftAccess, type RedshiftAccess } from '../warehouse/login/access.js';
import type { RsetlConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { BusStore } from '../source/bus-store.js';
import { textTypes } from '../sql/pg-types.js';
import { unreachable } from '../warehouse/errors.js';
import { isConnectionError } from '../warehouse/errors.js';
import { createS3Client, ObjectStore } from '../stage/object-store.js';
import { WarehouseSession, type SessionOptions } from '../warehouse/session.js';
import type { LoadSettings } from './load-window.js';

export interface Connections {
  /** The control connection to the source, with the control schema created/upgraded. */
  control(): Promise<{ client: pg.Client; buses: BusStore }>;
  objectStore(): ObjectStore;
  /** A new Redshift session as the ETL (bus) user, search_path on `schema`. */
  warehouse(schema?: string, opts?: { asOwner?: boolean }): Promise<WarehouseSession>;
  close(): Promise<void>;
}

export async function connectSource(url: string, applicationName = 'rsetl'): Promise<pg.Client> {
  // A host that silently drops packets must not hang a cron run for the OS's TCP timeout.
  const client = new pg.Client({ connectionString: url, types: textTypes, application_name: applicationName, connectionTimeoutMillis: 30_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    if (isConnectionError(e)) throw unreachable('the source PostgreSQL', e);
    throw e;
  }
  return client;
}

export function openConnections(config: RsetlConfig, options: SessionOptions = {}): Connections {
  let control: Promise<{ client: pg.Client; buses: BusStore }> | undefined;
  let store: ObjectStore | undefined;
  const accesses = new Map<'owner' | 'bus', RedshiftAccess>();
  return {
    control() {
      control ??= (async () => {
        const client = await connectSource(config.source.url);
        const buses = new BusStore(client, config.source.controlSchema);
        await buses.ensureSchema();
        return { client, buses };
      })();
      return control;
    },
    objectStore() {
      if (!config.s3?.bucket) throw new ConfigError('s3.bucket: required to stage loads');
      store ??= new ObjectStore(createS3Client(s3ClientSettings(config)), config.s3.bucket);
      return store;
    },
    warehouse(schema, opts = {}) {
      const role = opts.asOwner ? 'owner' : 'bus';
      // One access per role for the whole command: its temporary login is reused until it nears expiry.
      let access = accesses.get(role);
      if (!access) accesses.set(role, (access = redshiftAccess(config, role)));
      return WarehouseSession.open(access, schema, options);
    },
    async close() {
      if (control) await (await control.catch(() => undefined))?.client.end().catch(() => undefined);
      store?.client.destroy();
    },
  };
}

/** Load settings from the configuration; a dry run needs no IAM role (it never COPYs). */
export function settingsFrom(config: RsetlConfig, limit: number, opts: { dryRun?: boolean } = {}): LoadSettings {
  if (!config.redshift.iamRole && !opts.dryRun) throw new ConfigError('redshift.iamRole: required to COPY from S3');
  return {
    sourceTable: config.source.table,
    controlSchema: config.source.controlSchema,
    invalidEvents: config.poll.invalidEvents,
    limit,
    lookbackSeconds: config.poll.lookbackSeconds,
    lookbackIds: config.poll.lookbackIds,
    intervalSeconds: config.poll.intervalSeconds,
    s3Prefix: config.s3.prefix,
    iamRole: config.redshift.iamRole ?? '',
    ...(config.s3.region && config.redshift.region && config.s3.region !== config.redshift.region ? { s3Region: config.s3.region } : {}),
    partSizeBytes: config.s3.partSizeMb * 1024 * 1024,
    uploadConcurrency: config.s3.uploadConcurrency,
    copyConcurrency: config.poll.copyConcurrency,
  };
}
