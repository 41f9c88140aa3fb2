// The config file setup-user writes: the template (templates/rsetl.config.example.json, the old
// sample-user.conf) with the personal database's URL, user and password filled in. It holds a
// password, so it is created with mode 0600 and never replaces an existing file without --force.
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { SslSetting } from '../config/redshift-url.js';
import { UsageError, messageOf } from '../errors.js';

/** dist/admin/ and src/admin/ both sit two levels below the package root. */
export const CONFIG_TEMPLATE = fileURLToPath(new URL('../../templates/rsetl.config.example.json', import.meta.url));

/** The placeholder written when the password is not known (an existing user, not reset). */
export const PASSWORD_PLACEHOLDER = '${RSETL_REDSHIFT_PASSWORD}';

export interface PersonalConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  /** Undefined: the file gets PASSWORD_PLACEHOLDER, to be supplied from the environment. */
  password?: string;
  ssl: SslSetting;
  clusterIdentifier?: string;
  workgroup?: string;
  region?: string;
  iamRole?: string;
}

/** A JDBC URL, the form IDEs and the old `de.databases.redshift.datasource.url` use. */
export function jdbcUrl(host: string, port: number, database: string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `jdbc:redshift://${h}:${port}/${database}`;
}

/** rsetl substitutes `${NAME}` in config strings; a literal `${` is written `$${`. */
const escapeSubstitution = (s: string) => s.replace(/\$\{/g, () => '$${');

export async function personalConfigText(c: PersonalConfig, templatePath = CONFIG_TEMPLATE): Promise<string> {
  const template = JSON.parse(await readFile(templatePath, 'utf8')) as Record<string, any>;
  const { $comment: _oldComment, ...rest } = template;
  const redshift = (rest.redshift ?? {}) as Record<string, unknown>;
  const s3 = (rest.s3 ?? {}) as Record<string, unknown>;
  const out = {
    $comment: [
      `Written by rsetl setup-user for Redshift user ${c.user}, personal database ${c.database}.`,
      'Fill in source.url (the LMS database), s3.bucket and redshift.iamRole, then run `rsetl doctor`.',
      'This file holds a password: keep it mode 600 and out of version control.',
      ...(Array.isArray(template.$comment) ? template.$comment.slice(1) : []),
    ],
    ...rest,
    redshift: {
      ...redshift,
      url: jdbcUrl(c.host, c.port, c.database),
      host: null,
      port: null,
      database: null,
      user: c.user,
      password: c.password === undefined ? PASSWORD_PLACEHOLDER : escapeSubstitution(c.password),
      ssl: c.ssl,
      // A personal setup loads as its own user.
      busUser: null,
      iamRole: c.iamRole ?? redshift.iamRole ?? null,
      clusterIdentifier: c.clusterIdentifier ?? null,
      workgroup: c.workgroup ?? null,
      region: c.region ?? redshift.region ?? null,
    },
    // Each developer stages under their own prefix (`<user>/redshift-transfer`, as the old setup guide had it; docs/dba.md#setup-user).
    s3: { ...s3, prefix: `${c.user}/redshift-transfer` },
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes `text` with mode 0600; refuses to replace an existing file unless `force`. */
export async function writeSecretFile(path: string, text: string, opts: { force: boolean }): Promise<void> {
  try {
    await writeFile(path, text, { mode: 0o600, flag: opts.force ? 'w' : 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${path} already exists`, { hint: 'pass --force to replace it, or --config-out FILE' });
    throw new UsageError(`cannot write ${path}: ${code ?? messageOf(e)}`, { hint: 'choose another --config-out' });
  }
  // writeFile's mode applies only when it creates the file; a replaced file keeps its old mode.
  if (process.platform !== 'win32') await chmod(path, 0o600);
}
