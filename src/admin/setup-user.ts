// `rsetl setup-user`: the old setup guide's "Local Setup" (docs/dba.md#setup-user) as one idempotent command. Finds
// the endpoint and a temporary admin password through the AWS API (or takes --admin-url), lets
// the caller's IP through the security group if asked, creates the user (CREATEDB) and its
// personal database unless they exist, checks the login and writes a 0600 config file. Each step
// reports done / already-done (planned under --dry-run); an existing user's password changes only
// with --reset-password; a generated password is returned once, for the caller to show once.
import { resolve } from 'node:path';
import { addKnownSecrets } from '../config/redact.js';
import { isLocalHost, parseRedshiftUrl, REDSHIFT_URL_FORMS, type SslSetting } from '../config/redshift-url.js';
import { UsageError } from '../errors.js';
import type { WarehouseSession } from '../warehouse/session.js';
import { assertSimpleName, ident, literal } from '../sql/quote.js';
import { login, type LoginParts } from './admin-connection.js';
import { generatePassword, passwordProblem } from './password.js';
import { fileExists, jdbcUrl, personalConfigText, writeSecretFile } from './personal-config.js';
import type { AwsAccess } from '../aws/clients.js';
import { resolveRedshift, type RedshiftEndpoint, type RedshiftTarget } from './redshift-endpoint.js';
import { authorizeMyIp, checkIpAmazonaws, type PublicIpLookup } from './security-group.js';

export interface SetupUserInput {
  user: string;
  /** The new user's password; generated when absent and one is needed. */
  password?: string;
  /** Where the config file goes (default ./rsetl.config.json). */
  configOut?: string;
  /** An admin connection URL: skips every AWS call. */
  adminUrl?: string;
  /** The cluster or workgroup to look up (with `aws`). */
  target?: RedshiftTarget;
  aws?: AwsAccess;
  /** GetClusterCredentials' DbUser (default awsuser); Serverless maps the IAM identity instead. */
  adminUser?: string;
  /** The database the admin connects to (default dev). */
  adminDatabase?: string;
  /** TLS for the cluster connections and the written config (default: on unless localhost). */
  ssl?: SslSetting;
  resetPassword?: boolean;
  authorizeMyIp?: boolean;
  force?: boolean;
  dryRun?: boolean;
}

export interface SetupUserDeps {
  /** How --authorize-my-ip finds the public address (default: checkip.amazonaws.com). */
  publicIp?: PublicIpLookup;
  templatePath?: string;
}

export type StepStatus = 'done' | 'already-done' | 'planned' | 'skipped';

export interface SetupStep {
  step: 'security-group' | 'user' | 'password' | 'database' | 'login' | 'config';
  status: StepStatus;
  detail: string;
}

export interface SetupUserResult {
  user: string;
  database: string;
  host: string;
  port: number;
  /** The JDBC URL of the personal database (no credentials). */
  url: string;
  configPath: string;
  dryRun: boolean;
  steps: SetupStep[];
  nextSteps: string[];
  /** Only when rsetl generated the password in this run: show it once, then forget it. */
  generatedPassword?: string;
}

const DEFAULT_CONFIG = 'rsetl.config.json';

interface Admin {
  parts: LoginParts;
  endpoint: RedshiftEndpoint;
}

function validName(user: string): string {
  try {
    return assertSimpleName('user', user);
  } catch (e) {
    throw new UsageError(`--user: ${(e as Error).message}`);
  }
}

/** The admin connection: from --admin-url as given, or from AWS (endpoint + temporary password). */
async function adminConnection(input: SetupUserInput): Promise<Admin> {
  if (input.adminUrl !== undefined) {
    const u = parseRedshiftUrl(input.adminUrl);
    if (!u) throw new UsageError(`--admin-url must be a Redshift URL: ${REDSHIFT_URL_FORMS}`);
    const user = u.user ?? input.adminUser;
    if (!user) throw new UsageError('--admin-url needs a user (in the URL or --admin-user)');
    if (u.password) addKnownSecrets([u.password]);
    const ssl = input.ssl ?? u.ssl ?? !isLocalHost(u.host);
    const port = u.port ?? 5439;
    return {
      parts: { host: u.host, port, database: u.database ?? input.adminDatabase ?? 'dev', user, ...(u.password && { password: u.password }), ssl },
      endpoint: { host: u.host, port, securityGroupIds: [] },
    };
  }
  if (!input.target || !input.aws) throw new UsageError('give --cluster ID or --workgroup NAME (with --region), or --admin-url URL');
  const database = input.adminDatabase ?? 'dev';
  const { endpoint, creds } = await resolveRedshift(input.aws, input.target, { user: input.adminUser ?? 'awsuser', database });
  const ssl = input.ssl ?? !isLocalHost(endpoint.host);
  return { parts: { host: endpoint.host, port: endpoint.port, database, user: creds.user, password: creds.password, ssl }, endpoint };
}

async function exists(s: WarehouseSession, sql: string, value: string): Promise<boolean> {
  return ((await s.query(sql, [value])).rowCount ?? 0) > 0;
}

function validate(input: SetupUserInput): void {
  if (input.adminUrl !== undefined && input.target) throw new UsageError('--admin-url skips the AWS lookups: give it or --cluster/--workgroup, not both');
  if (input.authorizeMyIp && !input.target) throw new UsageError('--authorize-my-ip needs --cluster or --workgroup (the security group is found through AWS)');
  if (input.password !== undefined) {
    const problem = passwordProblem(input.password);
    if (problem) throw new UsageError(`--password ${problem}`, { hint: 'Redshift: 8-64 characters, upper and lower case and a digit; no quotes, backslash, slash, @ or space' });
    addKnownSecrets([input.password]);
  }
}

function nextSteps(configPath: string, defaultPath: boolean, passwordKnown: boolean): string[] {
  const c = defaultPath ? '' : ` --config ${configPath}`;
  return [
    `edit ${configPath}: source.url (the LMS database), s3.bucket and redshift.iamRole`,
    ...(passwordKnown ? [] : ['export RSETL_REDSHIFT_PASSWORD=<your password> (or rerun with --reset-password)']),
    `rsetl doctor${c}`,
    `rsetl init-etl <schema> --domain <root_id>${c}`,
    `rsetl poll${c}`,
  ];
}

export async function setupUser(input: SetupUserInput, deps: SetupUserDeps = {}): Promise<SetupUserResult> {
  const user = validName(input.user);
  validate(input);
  const database = `${user}db`;
  const dryRun = input.dryRun === true;
  const configPath = resolve(input.configOut ?? DEFAULT_CONFIG);
  const steps: SetupStep[] = [];
  const step = (s: SetupStep['step'], status: StepStatus, detail: string) => steps.push({ step: s, status, detail });

  const admin = await adminConnection(input);
  const { host, port } = admin.endpoint;

  // The rule first: without it the connections below cannot reach the cluster.
  if (input.authorizeMyIp && input.aws) {
    const rule = await authorizeMyIp(input.aws, {
      groupIds: admin.endpoint.securityGroupIds,
      port,
      description: `rsetl ${user}`,
      dryRun,
      publicIp: deps.publicIp ?? checkIpAmazonaws,
    });
    const what = `inbound TCP ${rule.port} from ${rule.cidr} on ${rule.groupId}`;
    step('security-group', rule.status, rule.status === 'already-done' ? `${what} already allowed` : `${what} ("${rule.description}")`);
  }

  const s = await login(admin.parts, 'the admin credentials were refused: check --admin-url, or the admin user (--admin-user) and database (--admin-database)');
  let generatedPassword: string | undefined;
  let password = input.password;
  let settingPassword = false;
  try {
    const userExists = await exists(s, 'SELECT usename FROM pg_user WHERE usename = $1', user);
    const dbExists = await exists(s, 'SELECT datname FROM pg_database WHERE datname = $1', database);
    settingPassword = !userExists || input.resetPassword === true;
    const configExists = await fileExists(configPath);
    // Decided before any change: a new password that cannot be written down would be lost.
    if (configExists && !input.force && settingPassword && !dryRun) {
      throw new UsageError(`${configPath} already exists and this run sets a password for ${user}`, {
        hint: 'pass --force to replace the file, or --config-out FILE; nothing was changed',
      });
    }
    if (settingPassword && password === undefined && !dryRun) {
      generatedPassword = generatePassword();
      addKnownSecrets([generatedPassword]);
      password = generatedPassword;
    }

    if (!userExists) {
      if (!dryRun) await s.query(`CREATE USER ${ident(user)} PASSWORD ${literal(password!)} CREATEDB`);
      step('user', dryRun ? 'planned' : 'done', `CREATE USER ${user} CREATEDB`);
    } else {
      step('user', 'already-done', `user ${user} exists`);
      if (input.resetPassword) {
        if (!dryRun) await s.query(`ALTER USER ${ident(user)} PASSWORD ${literal(password!)}`);
        step('password', dryRun ? 'planned' : 'done', `password of ${user} reset`);
      } else {
        step('password', 'skipped', `password of ${user} left unchanged (--reset-password changes it)`);
      }
    }

    if (!dbExists) {
      // CREATE DATABASE cannot run inside a transaction block (docs/design.md#redshift-transactions): pg's autocommit.
      if (!dryRun) await s.query(`CREATE DATABASE ${ident(database)} OWNER ${ident(user)}`);
      step('database', dryRun ? 'planned' : 'done', `CREATE DATABASE ${database} OWNER ${user}`);
    } else {
      step('database', 'already-done', `database ${database} exists`);
    }
  } finally {
    await s.close();
  }

  if (dryRun) step('login', 'planned', `log in as ${user} to ${database}`);
  else if (password === undefined) step('login', 'skipped', 'password unknown: not checked');
  else {
    const personal = await login(
      { ...admin.parts, database, user, password },
      `the password for ${user} does not work: pass the right one with --password, or --reset-password`,
    );
    await personal.close();
    step('login', 'done', `${user} can log in to ${database}`);
  }

  const url = jdbcUrl(host, port, database);
  if ((await fileExists(configPath)) && !input.force) {
    // Without --dry-run, a run that sets a password stopped above, before changing anything.
    const note = dryRun && settingPassword ? 'a real run stops here: pass --force or --config-out' : 'left unchanged (--force replaces it)';
    step('config', 'already-done', `${configPath} exists; ${note}`);
  } else if (dryRun) {
    step('config', 'planned', `write ${configPath} (mode 600)`);
  } else {
    const text = await personalConfigText(
      {
        host,
        port,
        database,
        user,
        ...(password !== undefined && { password }),
        ssl: admin.parts.ssl,
        ...(input.target?.kind === 'cluster' && { clusterIdentifier: input.target.id }),
        ...(input.target?.kind === 'workgroup' && { workgroup: input.target.name }),
        ...(input.aws && { region: input.aws.region }),
        ...(admin.endpoint.iamRole && { iamRole: admin.endpoint.iamRole }),
      },
      deps.templatePath,
    );
    await writeSecretFile(configPath, text, { force: input.force === true });
    step('config', 'done', `wrote ${configPath} (mode 600) with ${url}`);
  }

  return {
    user,
    database,
    host,
    port,
    url,
    configPath,
    dryRun,
    steps,
    nextSteps: nextSteps(configPath, input.configOut === undefined, password !== undefined),
    ...(generatedPassword !== undefined && { generatedPassword }),
  };
}
