// A Redshift session from explicit parts (setup-user has no config file yet), with login failures
// reported as what they are: wrong or expired credentials (exit 77), not a failed load.
import type pg from 'pg';
import { pgSsl } from '../config/connections.js';
import type { SslSetting } from '../config/redshift-url.js';
import { PermissionError, UnreachableError, WarehouseError } from '../errors.js';
import { WarehouseSession } from '../warehouse/session.js';

export interface LoginParts {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  ssl: SslSetting;
  /** Default 30 s, as for every Redshift connection of rsetl. */
  connectTimeoutMs?: number;
}

const CONNECT_TIMEOUT_MS = 30_000;
const AUTH_FAILED = new Set(['28000', '28P01']);

export function clientConfig(p: LoginParts): pg.ClientConfig {
  return {
    host: p.host,
    port: p.port,
    database: p.database,
    user: p.user,
    ...(p.password !== undefined && { password: p.password }),
    // The config's reading of redshift.ssl: verify-full checks against Redshift's CA bundle.
    ssl: pgSsl({ ssl: p.ssl }),
    connectionTimeoutMillis: p.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
  };
}

export function isAuthFailure(e: unknown): boolean {
  return e instanceof WarehouseError && AUTH_FAILED.has(e.server?.code ?? '');
}

/** pg's connectionTimeoutMillis error: packets dropped on the way, typically by a security group. */
const CONNECT_TIMEOUT = /timeout expired|connection timeout/i;

/** Connects; a refused login becomes a PermissionError carrying `hint`, a timeout an UnreachableError. */
export async function login(p: LoginParts, hint: string): Promise<WarehouseSession> {
  try {
    return await WarehouseSession.connect(clientConfig(p));
  } catch (e) {
    if (isAuthFailure(e)) {
      throw new PermissionError(`Redshift refused the login of ${p.user} to database ${p.database} on ${p.host}:${p.port}`, { cause: e, hint });
    }
    // WarehouseSession.connect reports a connect timeout as unreachable; here the likely cause is
    // known (a security group dropping the caller's address), so say so.
    if ((e instanceof WarehouseError || e instanceof UnreachableError) && CONNECT_TIMEOUT.test(e.message)) {
      throw new UnreachableError(`Redshift at ${p.host}:${p.port} did not answer within ${(p.connectTimeoutMs ?? CONNECT_TIMEOUT_MS) / 1000}s`, {
        cause: e,
        hint: "the cluster's security group probably drops your address: rerun with --authorize-my-ip, or use the VPN",
      });
    }
    throw e;
  }
}
