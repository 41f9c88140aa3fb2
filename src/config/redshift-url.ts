// Redshift connection strings in the forms operators already have: the JDBC URL of the old
// `de.databases.redshift.datasource.url` (`jdbc:redshift://host:5439/db`, properties after `;`
// or `?`), and libpq-style `postgres://` / `redshift://` URLs with credentials in the authority.

export type SslSetting = boolean | 'require' | 'verify-full';

export interface RedshiftUrlParts {
  host: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  /** Only when the URL says so (`sslmode=`, JDBC `ssl=`). */
  ssl?: SslSetting;
}

const SCHEMES = /^(?:jdbc:)?(?:redshift|postgres|postgresql):\/\//i;

export const REDSHIFT_URL_FORMS = 'jdbc:redshift://host:5439/db, redshift://user:password@host:5439/db or postgres://...';

function sslFrom(params: Map<string, string>): SslSetting | undefined {
  const mode = params.get('sslmode')?.toLowerCase();
  if (mode === 'disable') return false;
  if (mode === 'require') return 'require';
  if (mode === 'verify-ca' || mode === 'verify-full') return 'verify-full';
  const ssl = params.get('ssl')?.toLowerCase();
  if (ssl === 'true' || ssl === '1') return true;
  if (ssl === 'false' || ssl === '0') return false;
  return undefined;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The parts of a Redshift URL, or undefined when it is not one of the accepted forms. */
export function parseRedshiftUrl(url: string): RedshiftUrlParts | undefined {
  if (!SCHEMES.test(url)) return undefined;
  const rest = url.replace(SCHEMES, '');
  // JDBC properties follow the first `;` after the authority: `...:5439/db;ssl=true;UID=x`.
  const [main = '', ...props] = rest.split(';');
  let parsed: URL;
  try {
    parsed = new URL(`postgres://${main}`);
  } catch {
    return undefined;
  }
  if (parsed.hostname === '') return undefined;
  const params = new Map<string, string>();
  for (const [k, v] of parsed.searchParams) params.set(k.toLowerCase(), v);
  for (const p of props) {
    const eq = p.indexOf('=');
    if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1));
  }
  const user = parsed.username !== '' ? decode(parsed.username) : (params.get('user') ?? params.get('uid'));
  const password = parsed.password !== '' ? decode(parsed.password) : (params.get('password') ?? params.get('pwd'));
  const database = decode(parsed.pathname.replace(/^\//, ''));
  const ssl = sslFrom(params);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    ...(parsed.port !== '' && { port: Number(parsed.port) }),
    ...(database !== '' && { database }),
    ...(user !== undefined && { user }),
    ...(password !== undefined && { password }),
    ...(ssl !== undefined && { ssl }),
  };
}

export function isLocalHost(host: string | undefined): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '::1';
}
