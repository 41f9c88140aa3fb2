// What an IDE or psql needs to open the warehouse the configuration points at — never the password.
import { redshiftConnection } from '../config/load.js';
import type { RsetlConfig } from '../config/schema.js';

export interface ConnectionDetails {
  host: string;
  port: number;
  database: string;
  /** The main (owner) user: the one a person connects as. */
  user: string;
  /** The ETL writer loads use, when `redshift.busUser` is set. */
  etlUser?: string;
  /** libpq's spelling: disable, require or verify-full. */
  sslMode: 'disable' | 'require' | 'verify-full';
  jdbcUrl: string;
  /** A psql command line; psql asks for the password (or reads PGPASSWORD / ~/.pgpass). */
  psql: string;
}

/** A libpq conninfo value: quoted when it holds anything but plain characters. */
function conninfo(value: string): string {
  return /^[\w.@-]+$/.test(value) ? value : `'${value.replace(/['\\]/g, '\\$&')}'`;
}

export function connectionDetails(config: RsetlConfig): ConnectionDetails {
  const pg = redshiftConnection(config);
  const ssl = config.redshift.ssl;
  const sslMode = ssl === false ? 'disable' : ssl === 'require' ? 'require' : 'verify-full';
  const host = pg.host ?? (config.redshift.clusterIdentifier ? `(endpoint of cluster ${config.redshift.clusterIdentifier})` : config.redshift.workgroup ? `(endpoint of workgroup ${config.redshift.workgroup})` : '');
  const port = pg.port ?? 5439;
  const database = pg.database ?? '';
  // Temporary logins: the user GetClusterCredentials would name; the password comes from AWS each time.
  const r = config.redshift;
  const user = pg.user ?? (r.auth === 'iam' && r.dbUser ? `IAM:${r.dbUser}` : r.auth === 'password' ? '' : `(the ${r.auth} login)`);
  return {
    host,
    port,
    database,
    user,
    ...(config.redshift.busUser && { etlUser: config.redshift.busUser.dbUser ?? config.redshift.busUser.user ?? `(the ${config.redshift.busUser.auth ?? config.redshift.auth} login)` }),
    sslMode,
    jdbcUrl: `jdbc:redshift://${host.includes(':') ? `[${host}]` : host}:${port}/${database}`,
    psql: `psql "${[`host=${conninfo(host)}`, `port=${port}`, `dbname=${conninfo(database)}`, `user=${conninfo(user)}`, `sslmode=${sslMode}`].join(' ').replace(/["$`\\]/g, '\\$&')}"`,
  };
}
