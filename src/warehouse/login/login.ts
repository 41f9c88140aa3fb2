// A login to Redshift: who rsetl connects as, with what password, and until when it is good. With
// `redshift.auth` other than "password" the password is temporary (or fetched from a secret), so
// every new connection asks its LoginSource, which keeps one until five minutes before it
// expires; a connection refused because a cached one no longer works asks again, once.
import type { AuthMode } from '../../config/schema.js';

export interface DbLogin {
  user: string;
  password: string;
  /** Where to connect, when the login mode found it (DescribeClusters, GetWorkgroup, the secret). */
  host?: string;
  port?: number;
  database?: string;
  /** When the password stops working; undefined for a password that does not expire. */
  expiresAt?: Date;
  /** How it was obtained, for doctor: "GetClusterCredentials", "GetSecretValue <arn>", … */
  via: string;
}

export interface LoginSource {
  readonly mode: AuthMode;
  /** A login; `fresh` bypasses the cache (after a refused connection). */
  login(opts?: { fresh?: boolean }): Promise<DbLogin>;
}

/** Temporary credentials are renewed this long before they expire, so no connection races the expiry. */
export const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * Caches what `fetch` returns until RENEW_BEFORE_MS before its expiry (for ever when it has
 * none: a secret's password, fetched at start). Concurrent callers share one request.
 */
export function cachedLogin(mode: AuthMode, fetch: () => Promise<DbLogin>, now: () => number = Date.now): LoginSource {
  let current: DbLogin | undefined;
  let pending: Promise<DbLogin> | undefined;
  const usable = (l: DbLogin) => l.expiresAt === undefined || l.expiresAt.getTime() - RENEW_BEFORE_MS > now();
  return {
    mode,
    async login(opts = {}) {
      if (!opts.fresh && current && usable(current)) return current;
      pending ??= fetch().then(
        (l) => {
          current = l;
          pending = undefined;
          return l;
        },
        (e: unknown) => {
          pending = undefined;
          throw e;
        },
      );
      return pending;
    },
  };
}

/**
 * The database user a login acts as. GetClusterCredentials names the user it issued for with an
 * `IAM:` (or `IAMA:`) prefix that only marks the login (`IAM:rsetl_bus` is user rsetl_bus); the
 * users of GetClusterCredentialsWithIAM and Serverless are named with their prefix (`IAMR:etl`).
 */
export function dbUserOf(login: Pick<DbLogin, 'user' | 'via'>): string {
  return login.via === 'GetClusterCredentials' ? login.user.replace(/^IAMA?:/, '') : login.user;
}
