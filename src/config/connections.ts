// Client settings derived from the validated configuration: pg for Redshift, the AWS SDK for S3.
import type pg from 'pg';
import { ConfigError } from '../errors.js';
import { parseRedshiftUrl, type SslSetting } from './redshift-url.js';
import type { RsetlConfig } from './schema.js';
import { redshiftRootCerts } from './tls.js';

/**
 * Without a connect timeout, a security group that drops packets leaves `rsetl poll` hanging for
 * the operating system's TCP timeout (minutes) under cron; fail fast and report it unreachable.
 */
const CONNECT_TIMEOUT_MS = 30_000;

export function pgSsl(r: { ssl: SslSetting; sslRootCert?: string | undefined }): pg.ClientConfig['ssl'] {
  // A CA file with a setting that checks no certificate would be silently ignored: say so instead.
  if (r.sslRootCert !== undefined && (r.ssl === false || r.ssl === 'require')) {
    throw new ConfigError(`redshift.sslRootCert is set, but redshift.ssl is ${JSON.stringify(r.ssl)}, which checks no certificate`, {
      hint: 'set redshift.ssl to "verify-full" (or true) to verify the server against sslRootCert, or remove redshift.sslRootCert',
    });
  }
  if (r.ssl === false) return false;
  // 'require' is libpq's meaning: encrypted, certificate not checked.
  if (r.ssl === 'require') return { rejectUnauthorized: false };
  // true and 'verify-full': the chain must lead to one of these CAs only (Amazon's roots unless
  // sslRootCert replaces them), and Node checks the host name against the certificate.
  return { rejectUnauthorized: true, ca: redshiftRootCerts(r.sslRootCert) };
}

/**
 * pg settings for Redshift from `redshift.url` or host/port/database/user/password. Explicit
 * fields win over the URL's parts (so RSETL_REDSHIFT_PASSWORD completes a URL without one); the
 * URL's port wins over the default 5439. `asBusUser` connects as `redshift.busUser` when set.
 */
export function redshiftConnection(config: RsetlConfig, opts: { asBusUser?: boolean } = {}): pg.ClientConfig {
  const r = config.redshift;
  const fromUrl = r.url === undefined ? undefined : parseRedshiftUrl(r.url);
  const host = fromUrl?.host ?? r.host;
  // With redshift.auth iam/serverless/secret the endpoint may come from AWS (warehouse/login/).
  if (host === undefined && r.auth === 'password') {
    throw new ConfigError('redshift: give either url or host+database+user', {
      hint: 'set redshift.url or redshift.host in the config file, or RSETL_REDSHIFT_URL',
    });
  }
  const bus = opts.asBusUser ? r.busUser : undefined;
  return {
    ...(host !== undefined && { host }),
    port: fromUrl?.port ?? r.port,
    database: r.database ?? fromUrl?.database,
    user: bus?.user ?? r.user ?? fromUrl?.user,
    password: bus?.password ?? r.password ?? fromUrl?.password,
    ssl: pgSsl(r),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: r.statementTimeoutSeconds * 1000,
  };
}

export interface S3ClientSettings {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Static keys when configured; undefined lets the AWS default credential chain apply. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** A shared-config profile: the caller passes `fromIni({ profile })` as credentials. */
  profile?: string;
}

export function s3ClientSettings(config: RsetlConfig): S3ClientSettings {
  const s = config.s3;
  return {
    region: s.region,
    ...(s.endpoint !== undefined && { endpoint: s.endpoint }),
    ...(s.forcePathStyle !== undefined && { forcePathStyle: s.forcePathStyle }),
    ...(s.accessKeyId !== undefined &&
      s.secretAccessKey !== undefined && { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } }),
    ...(s.profile !== undefined && { profile: s.profile }),
  };
}

/** The secret values in a configuration, for verbatim redaction (passwords, keys, URL passwords). */
export function configSecrets(config: RsetlConfig): string[] {
  const urlPassword = (url: string | undefined) => {
    if (url === undefined || url === '') return undefined;
    const parsed = parseRedshiftUrl(url);
    return parsed?.password;
  };
  return [
    urlPassword(config.source.url),
    urlPassword(config.redshift.url),
    config.redshift.password,
    config.redshift.busUser?.password,
    config.redshift.secretAccessKey,
    config.s3.secretAccessKey,
  ].filter((s): s is string => s !== undefined && s !== '');
}
