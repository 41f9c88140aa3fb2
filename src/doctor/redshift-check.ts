// Check 4: Redshift as the ETL user (`redshift.busUser` when set, as loads connect): who, with
// static or temporary credentials, which server version, TEMP on the database (loads stage into
// temp tables), and for every bus schema the grants loads need and the ledger table.
import { redshiftConnection } from '../config/load.js';
import type { RsetlConfig } from '../config/schema.js';
import { PermissionError, RsetlError, UnreachableError, WarehouseError } from '../errors.js';
import { redshiftAccess } from '../warehouse/login/access.js';
import { isConnectionError } from '../warehouse/errors.js';
import { WarehouseSession } from '../warehouse/session.js';
import { ident } from '../sql/quote.js';
import { CheckFailure, fail, guarded, pass, warn, type CheckOutcome, type DoctorContext } from './check.js';
import { schemaProblems, type SchemaProblems } from './schema-grants.js';

/** The key that supplied the ETL user's credentials, for fixes. */
function credentialKeys(config: RsetlConfig): { user: string; password: string } {
  const b = config.redshift.busUser;
  if (b && (b.auth ?? (b.password !== undefined ? 'password' : config.redshift.auth)) !== 'password') {
    return { user: 'redshift.busUser (dbUser, secretArn or profile)', password: 'the AWS permission of that login (redshift.busUser.auth)' };
  }
  if (b) return { user: 'redshift.busUser.user', password: 'redshift.busUser.password (or RSETL_REDSHIFT_BUSUSER_PASSWORD)' };
  return config.redshift.url !== undefined
    ? { user: 'redshift.user or the user in redshift.url', password: 'redshift.password or the password in redshift.url (or RSETL_REDSHIFT_PASSWORD)' }
    : { user: 'redshift.user', password: 'redshift.password (or RSETL_REDSHIFT_PASSWORD)' };
}

/**
 * Doctor's statements are quick (catalog reads, a one-row COPY), so a cluster that stops answering
 * fails the check after this long, not after a load's redshift.statementTimeoutSeconds (an hour).
 */
const DOCTOR_STATEMENT_TIMEOUT_SECONDS = 120;

async function connect(config: RsetlConfig): Promise<{ session: WarehouseSession; where: string }> {
  const access = redshiftAccess(config, 'bus');
  if (access.transport === 'postgres') {
    access.base = { ...access.base, query_timeout: Math.min(config.redshift.statementTimeoutSeconds, DOCTOR_STATEMENT_TIMEOUT_SECONDS) * 1000 };
  }
  const pg = access.transport === 'postgres' ? access.base : { database: config.redshift.database };
  const mode = config.redshift.busUser?.auth ?? (config.redshift.busUser?.password !== undefined ? 'password' : config.redshift.auth);
  const host = 'host' in pg ? pg.host : undefined;
  let where =
    access.transport === 'data-api'
      ? `the Redshift Data API (${access.describe})`
      : host === undefined
        ? `the endpoint redshift.auth "${mode}" finds`
        : `${host}:${'port' in pg ? pg.port : ''}/${pg.database}`;
  let user = '(no user)';
  const keys = credentialKeys(config);
  try {
    const session = await WarehouseSession.open(access, undefined);
    if (access.transport === 'postgres' && host === undefined) where = `(endpoint from AWS)/${pg.database ?? ''}`;
    return { session, where };
  } catch (e) {
    const message = (e as Error).message;
    if (e instanceof PermissionError && typeof e.context.action === 'string') {
      // The login itself was refused by IAM: the one permission to grant, on the one resource.
      const grant = `${e.context.action}${typeof e.context.resourceArn === 'string' ? ` on ${e.context.resourceArn}` : ''}`;
      throw new CheckFailure(`redshift.auth "${mode}": AWS refused ${e.context.action}`, `the AWS identity rsetl runs as may not call ${e.context.action}`, `grant ${grant}`);
    }
    if (e instanceof RsetlError && !(e instanceof WarehouseError) && !(e instanceof UnreachableError)) {
      throw new CheckFailure(`redshift.auth "${mode}": ${message}`, 'the login could not be obtained', e.hint ?? 'check the redshift section of the configuration');
    }
    user = mode === 'password' ? String(redshiftConnection(config, { asBusUser: true }).user ?? user) : `the ${mode} login`;
    if (e instanceof UnreachableError) {
      throw new CheckFailure(
        `cannot reach ${where}: ${message.replace(/^Redshift is unreachable: /, '')}`,
        'nothing answers at that host and port: wrong endpoint, the cluster is paused, or a security group / network ACL drops this host',
        `redshift.url (or redshift.host / redshift.port): the cluster endpoint; allow this host's IP inbound on port ${pg.port} in the cluster's VPC security group (and make the cluster publicly accessible or connect through the VPN)`,
      );
    }
    const code = e instanceof WarehouseError ? e.server?.code : undefined;
    if (code === '28P01' || code === '28000' || /password authentication failed|authentication/i.test(message)) {
      throw new CheckFailure(`${where} refused ${user}: ${message}`, `wrong user name or password for ${user}`, `${keys.user} / ${keys.password}`);
    }
    if (code === '3D000') {
      throw new CheckFailure(`${where}: ${message}`, 'the database does not exist on this cluster', 'redshift.database (or the path of redshift.url)');
    }
    if (/ssl|tls|certificate/i.test(message)) {
      throw new CheckFailure(`${where}: ${message}`, 'the TLS settings do not match the server', 'redshift.ssl: true (verify), "require" (encrypt without verifying) or false');
    }
    throw new CheckFailure(`${where}: ${message}`, 'Redshift refused the connection', 'check redshift.url and the credentials');
  }
}

/** `Redshift 1.0.77467` out of Redshift's long version(), `PostgreSQL 17.10` out of PostgreSQL's. */
function shortVersion(version: string): string {
  return /Redshift \d+(?:\.\d+)*/.exec(version)?.[0] ?? /^PostgreSQL \S+/.exec(version)?.[0] ?? version.slice(0, 60);
}

/** One line per schema with problems, and the grants that fix them. */
function describeProblems(problems: SchemaProblems[], user: string): { detail: string; fix: string } {
  const lines = problems.map((p) => `schema ${p.schema}: ${p.issues.join('; ')}`);
  const fixes = problems.flatMap((p) => p.fixes);
  return { detail: lines.join(' | '), fix: [...new Set(fixes)].join('; ') || `grant ${user} what is missing` };
}

export function checkRedshift(ctx: DoctorContext): Promise<CheckOutcome> {
  return guarded(async () => {
    const config = ctx.config!;
    const { session, where } = await connect(config);
    ctx.warehouse = session;
    try {
      return await checkSession(ctx, session, where);
    } catch (e) {
      if (!isConnectionError(e) && !(e instanceof WarehouseError && isConnectionError(e.cause))) throw e;
      // The session is gone (dropped after no answer, or reset): the round trip has nothing to use.
      ctx.warehouse = undefined;
      await session.close();
      throw new CheckFailure(
        `${where}: the connection was lost mid-check: ${(e as Error).message}`,
        'Redshift stopped answering or dropped the connection (cluster paused or resizing, or a firewall cutting idle or long connections)',
        'check the cluster status in the AWS console and the network path; redshift.statementTimeoutSeconds bounds how long a statement may wait (doctor waits at most 120 s)',
      );
    }
  });
}

/** Check 4 on a connected session: who the ETL user is, TEMP, and every bus schema's tables and grants. */
async function checkSession(ctx: DoctorContext, session: WarehouseSession, where: string): Promise<CheckOutcome> {
  const config = ctx.config!;
  const facts = (
    await session.query<{ etl_user: string; server_version: string; can_temp: boolean; db: string }>(
      `SELECT current_user AS etl_user, version() AS server_version, has_database_privilege(current_database(), 'TEMP') AS can_temp, current_database() AS db`,
    )
  ).rows[0]!;
  const user = facts.etl_user;
  // GetClusterCredentials issues temporary users named IAM:<name> / IAMR:<role>; a password from
  // the configuration is static.
  const login = session.login;
  const temporary = login?.expiresAt !== undefined || /^iam[ra]?:/i.test(user);
  const minutes = login?.expiresAt ? Math.max(0, Math.round((login.expiresAt.getTime() - Date.now()) / 60_000)) : undefined;
  const fromAws = login !== undefined && login.via !== 'the configured password';
  const identity = fromAws ? `${login.user} via ${login.via}${minutes !== undefined ? `, expires in ${minutes} min` : ''}` : user;
  const data = {
    endpoint: where,
    user,
    login: login?.user ?? user,
    via: login?.via ?? 'the configured password',
    ...(login?.expiresAt && { expiresAt: login.expiresAt.toISOString() }),
    role: config.redshift.busUser ? 'busUser' : 'main user',
    credentials: temporary ? 'temporary' : 'static',
    version: facts.server_version,
  };
  const who = `${where} as ${identity} (${config.redshift.busUser ? 'redshift.busUser' : 'main user'}, ${temporary ? 'temporary' : 'static'} credentials), ${shortVersion(facts.server_version)}`;
  if (!facts.can_temp) {
    return fail(
      `${who}; ${user} lacks TEMP on the database`,
      'loads stage rows in temporary tables',
      `GRANT TEMP ON DATABASE ${ident(facts.db)} TO ${ident(user)}`,
      data,
    );
  }
  if (ctx.busSchemas === undefined) {
    return warn(`${who}; bus schemas not checked`, 'the buses are listed in the source database, which the source check could not read', 'fix the source check, then run doctor again', data);
  }
  const schemas = [...new Set(ctx.busSchemas.map((b) => b.schema))];
  const problems: SchemaProblems[] = [];
  for (const schema of schemas) {
    const p = await schemaProblems(session, config, schema, user, ctx.busSchemas.find((b) => b.schema === schema)!.rootId);
    if (p.issues.length > 0) problems.push(p);
  }
  const checked = schemas.length === 0 ? 'no bus schemas yet' : `${schemas.length} bus schema${schemas.length === 1 ? '' : 's'} (${schemas.join(', ')}) with the grants and ledger loads need`;
  if (problems.length > 0) {
    const d = describeProblems(problems, user);
    return fail(`${who}; ${d.detail}`, `${user} cannot load every bus schema`, d.fix, { ...data, schemas: problems });
  }
  return pass(`${who}; ${checked}`, { ...data, schemas });
}
