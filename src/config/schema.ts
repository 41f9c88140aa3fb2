// The configuration, declared once. Every field has its default here; cross-field rules name the
// fields they join. Values may arrive as strings (from `${NAME}` substitution or RSETL_* variables),
// so numbers and booleans accept their string spellings. The documented template is
// templates/rsetl.config.example.json; test/config checks it names every key declared here.
import { z } from 'zod';
import { isLocalHost, parseRedshiftUrl, REDSHIFT_URL_FORMS, type SslSetting } from './redshift-url.js';

const REQUIRED = { error: (iss: { input: unknown }) => (iss.input === undefined ? 'required' : 'must be a string') };
const text = () => z.string(REQUIRED).min(1, 'must not be empty');

function toNumber(v: unknown): unknown {
  return typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
}

function toBoolean(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(s)) return true;
  if (['false', 'no', 'off', '0'].includes(s)) return false;
  return v;
}

/** An integer in [min, max], with one message that states the range. */
function int(min: number, max?: number) {
  const msg = max === undefined ? `must be a whole number, at least ${min}` : `must be a whole number from ${min} to ${max}`;
  const n = z.number({ error: msg }).int(msg).min(min, msg);
  return z.preprocess(toNumber, max === undefined ? n : n.max(max, msg));
}

const bool = () => z.preprocess(toBoolean, z.boolean({ error: 'must be true or false' }));

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const identifier = (d: string) => z.string(REQUIRED).regex(IDENT, 'must be an identifier (letters, digits, _)').default(d);

/** `arn:aws:iam::<12 digits>:role/<name>`; Redshift also accepts a comma-separated chain of roles. */
const IAM_ROLE = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function isUrl(s: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(s).protocol);
  } catch {
    return false;
  }
}

const region = () => z.string(REQUIRED).regex(REGION, 'must be an AWS region such as us-east-1');

const sourceSection = z.strictObject(
  {
    /** PostgreSQL URL of the application database. '' only when a command does not need the source. */
    url: z
      .string(REQUIRED)
      .refine((s) => s === '' || isUrl(s, ['postgres:', 'postgresql:']), 'must be a postgres:// or postgresql:// URL')
      .default(''),
    table: z
      .string(REQUIRED)
      .regex(/^([A-Za-z_][A-Za-z0-9_$]*\.)?[A-Za-z_][A-Za-z0-9_$]*$/, 'must be a table name, optionally schema.table')
      .default('analyticfinder'),
    controlSchema: identifier('rsetl'),
  },
  { error: 'must be an object' },
);

/**
 * How rsetl logs in to Redshift (docs/dba.md#auth, docs/operations.md#deployment):
 * - password: a user and password in the configuration (or its environment);
 * - iam: temporary credentials from redshift:GetClusterCredentials for `dbUser`, or, without one,
 *   GetClusterCredentialsWithIAM for the caller's own IAM identity;
 * - serverless: redshift-serverless:GetCredentials for the caller's IAM identity on `workgroup`;
 * - secret: user and password from an AWS Secrets Manager secret (`secretArn`), fetched at start.
 */
export const AUTH_MODES = ['password', 'iam', 'serverless', 'secret'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
const authMode = () => z.enum(AUTH_MODES, { error: 'must be "password", "iam", "serverless" or "secret"' });

const SECRET_ARN = /^arn:aws(?:-[a-z]+)*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w+=,.@/-]+$/;
const secretArn = () => z.string(REQUIRED).regex(SECRET_ARN, 'must look like arn:aws:secretsmanager:<region>:<12 digits>:secret:<name>');

/** The ETL writer's login: a user and password, or the same modes as the owner's with its own user. */
const busUserSection = z.strictObject(
  {
    auth: authMode().optional(),
    user: text().optional(),
    password: text().optional(),
    /** iam: the database user GetClusterCredentials issues for (user is taken as a synonym). */
    dbUser: text().optional(),
    secretArn: secretArn().optional(),
    /** serverless: an AWS profile whose identity is the writer (GetCredentials maps the caller). */
    profile: text().optional(),
  },
  { error: 'must be an object' },
);

const redshiftSection = z
  .strictObject(
    {
      url: text().optional(),
      host: text().optional(),
      port: int(1, 65535).default(5439),
      database: text().optional(),
      user: text().optional(),
      password: text().optional(),
      /** true: TLS with certificate verification; 'require': TLS without verification; false: plain. */
      ssl: z
        .preprocess(
          toBoolean,
          z.union([z.boolean(), z.enum(['require', 'verify-full'])], { error: 'must be true, false, "require" or "verify-full"' }),
        )
        .optional(),
      sslRootCert: text().optional(), // a PEM file of CAs that replaces the shipped Redshift CA bundle (config/tls.ts)
      busUser: busUserSection.optional(),
      auth: authMode().default('password'),
      /**
       * How statements reach Redshift: "postgres" (the wire protocol on port 5439, default) or
       * "data-api" (the Redshift Data API over HTTPS: no network path to the cluster needed).
       */
      transport: z.enum(['postgres', 'data-api'], { error: 'must be "postgres" or "data-api"' }).default('postgres'),
      /** data-api: how long an idle Data API session (and a crashed load's open transaction) lives. */
      dataApiSessionKeepAliveSeconds: int(60, 86_400).default(120),
      dbUser: text().optional(),
      dbGroups: z.array(text(), { error: 'must be a list of group names' }).optional(),
      autoCreate: bool().default(false),
      /** Temporary credentials' life; Redshift allows 900 to 3600 seconds. */
      durationSeconds: int(900, 3600).default(900),
      secretArn: secretArn().optional(),
      /** An AWS shared-config / SSO profile for the Redshift, Serverless and Secrets Manager calls. */
      profile: text().optional(),
      /** Static AWS keys for those calls (default: the AWS credential chain). */
      accessKeyId: text().optional(),
      secretAccessKey: text().optional(),
      /** Where those calls go: a VPC endpoint, or the local stack's endpoint. */
      awsEndpoint: text()
        .refine((s) => isUrl(s, ['http:', 'https:']), 'must be an http:// or https:// URL')
        .optional(),
      iamRole: text().optional(),
      /** The longest rsetl waits for one statement's answer before it drops the connection. */
      statementTimeoutSeconds: int(1, 86_400).default(3600),
      clusterIdentifier: text().optional(),
      workgroup: text().optional(),
      region: region().optional(),
    },
    { error: 'must be an object' },
  )
  .superRefine((r, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const fromUrl = r.url === undefined ? undefined : parseRedshiftUrl(r.url);
    const passwordAuth = r.auth === 'password';
    if (r.url !== undefined && r.host !== undefined) problem('host', 'give either redshift.url or redshift.host, not both');
    if (r.url !== undefined && fromUrl === undefined) problem('url', `must be a Redshift URL: ${REDSHIFT_URL_FORMS}`);
    if (passwordAuth && fromUrl && r.user === undefined && fromUrl.user === undefined) problem('user', 'required (in redshift.url or redshift.user)');
    const database = r.database ?? fromUrl?.database;
    if (fromUrl && database === undefined && r.auth !== 'secret') problem('database', 'required (in redshift.url or redshift.database)');
    if (r.host !== undefined && r.database === undefined && r.auth !== 'secret') problem('database', 'required when redshift.host is set');
    if (passwordAuth && r.host !== undefined && r.user === undefined) problem('user', 'required when redshift.host is set');
    authProblems(r, database, fromUrl, problem);
    const configured =
      r.url !== undefined ? 'redshift.url' : r.host !== undefined ? 'redshift.host' : !passwordAuth ? `redshift.auth "${r.auth}"` : undefined;
    if (configured && r.iamRole === undefined) problem('iamRole', `required when ${configured} is set (COPY reads S3 with it)`);
    if (r.iamRole !== undefined && !r.iamRole.split(',').every((role) => IAM_ROLE.test(role.trim()))) {
      problem('iamRole', 'must look like arn:aws:iam::<12 digits>:role/<name>');
    }
    if (r.clusterIdentifier !== undefined && r.workgroup !== undefined) {
      problem('workgroup', 'give either redshift.clusterIdentifier (provisioned) or redshift.workgroup (Serverless), not both');
    }
  })
  .transform((r) => {
    // Encrypt by default; a local stand-in on localhost usually has no certificate. With
    // temporary credentials (no password to protect) the endpoint's identity is what matters, so
    // the certificate and host name are verified against Redshift's CA bundle.
    const host = r.url === undefined ? r.host : parseRedshiftUrl(r.url)?.host;
    const fromUrl = r.url === undefined ? undefined : parseRedshiftUrl(r.url)?.ssl;
    const local = host !== undefined && isLocalHost(host);
    const ssl: SslSetting = r.ssl ?? fromUrl ?? (local ? false : r.auth === 'password' ? true : 'verify-full');
    return { ...r, ssl };
  });

/**
 * What each login mode needs, and that no mode but `password` carries a database password:
 * "no password anywhere" is the point of the other modes, so a leftover one is an error.
 */
function authProblems(
  r: { auth: AuthMode; transport: 'postgres' | 'data-api'; password?: string | undefined; clusterIdentifier?: string | undefined; workgroup?: string | undefined; secretArn?: string | undefined; dbUser?: string | undefined; dbGroups?: string[] | undefined; busUser?: z.output<typeof busUserSection> | undefined; accessKeyId?: string | undefined; secretAccessKey?: string | undefined; profile?: string | undefined },
  database: string | undefined,
  fromUrl: { password?: string | undefined } | undefined,
  problem: (path: string, message: string) => void,
): void {
  const mode = `with redshift.auth "${r.auth}"`;
  if (r.transport === 'data-api') {
    if (r.auth === 'password') problem('auth', 'the Data API logs in with IAM or a secret: set redshift.auth to "iam", "serverless" or "secret" with redshift.transport "data-api"');
    if (database === undefined) problem('database', 'required with redshift.transport "data-api"');
    if (r.auth === 'secret' && r.clusterIdentifier === undefined && r.workgroup === undefined) {
      problem('clusterIdentifier', 'required with redshift.transport "data-api" and a secret: name the cluster (or redshift.workgroup)');
    }
  }
  if (r.auth !== 'password' && (r.password !== undefined || fromUrl?.password !== undefined)) {
    problem('password', `not used ${mode}: remove it (and any password in redshift.url)`);
  }
  if (r.auth === 'iam' && r.clusterIdentifier === undefined) problem('clusterIdentifier', `required ${mode} (GetClusterCredentials names the cluster)`);
  if (r.auth === 'serverless' && r.workgroup === undefined) problem('workgroup', `required ${mode} (GetCredentials names the workgroup)`);
  if (r.auth === 'secret' && r.secretArn === undefined) problem('secretArn', `required ${mode}`);
  if ((r.auth === 'iam' || r.auth === 'serverless') && database === undefined) problem('database', `required ${mode}`);
  if (r.auth !== 'iam' && (r.dbUser !== undefined || r.dbGroups !== undefined)) problem(r.dbUser !== undefined ? 'dbUser' : 'dbGroups', 'only used with redshift.auth "iam"');
  if (r.accessKeyId !== undefined && r.secretAccessKey === undefined) problem('secretAccessKey', 'required when redshift.accessKeyId is set');
  if (r.secretAccessKey !== undefined && r.accessKeyId === undefined) problem('accessKeyId', 'required when redshift.secretAccessKey is set');
  if (r.profile !== undefined && r.accessKeyId !== undefined) problem('profile', 'give either redshift.profile or static keys, not both');
  const b = r.busUser;
  if (!b) return;
  const busAuth = b.auth ?? (b.password !== undefined ? 'password' : r.auth);
  const busProblem = (key: string, message: string) => problem(`busUser.${key}`, message);
  if (busAuth === 'password' && (b.user === undefined || b.password === undefined)) busProblem(b.user === undefined ? 'user' : 'password', 'required for a password login');
  if (busAuth !== 'password' && b.password !== undefined) busProblem('password', `not used with busUser.auth "${busAuth}": remove it`);
  if (busAuth === 'iam' && b.dbUser === undefined && b.user === undefined) busProblem('dbUser', 'required with auth "iam" (the database user the ETL writes as)');
  if (busAuth === 'iam' && r.clusterIdentifier === undefined) problem('clusterIdentifier', 'required for busUser.auth "iam"');
  if (busAuth === 'serverless' && r.workgroup === undefined) problem('workgroup', 'required for busUser.auth "serverless"');
  if (busAuth === 'secret' && b.secretArn === undefined) busProblem('secretArn', 'required with auth "secret"');
}

const s3Section = z
  .strictObject(
    {
      /** '' only when a command does not need S3. */
      bucket: z
        .string(REQUIRED)
        .refine((s) => s === '' || BUCKET.test(s), 'must be an S3 bucket name (3-63 characters: a-z, 0-9, ".", "-")')
        .default(''),
      prefix: z
        .string(REQUIRED)
        .transform((s) => s.replace(/^\/+|\/+$/g, ''))
        .default('redshift-transfer'),
      region: region().default('us-east-1'),
      endpoint: text()
        .refine((s) => isUrl(s, ['http:', 'https:']), 'must be an http:// or https:// URL')
        .optional(),
      forcePathStyle: bool().optional(),
      profile: text().optional(),
      accessKeyId: text().optional(),
      secretAccessKey: text().optional(),
      /** S3 multipart parts are 5 MB to 5 GB. */
      partSizeMb: int(5, 5120).default(8),
      uploadConcurrency: int(1, 64).default(4),
      retentionHours: int(1).default(168),
    },
    { error: 'must be an object' },
  )
  .superRefine((s, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (s.accessKeyId !== undefined && s.secretAccessKey === undefined) problem('secretAccessKey', 'required when s3.accessKeyId is set');
    if (s.secretAccessKey !== undefined && s.accessKeyId === undefined) problem('accessKeyId', 'required when s3.secretAccessKey is set');
    if (s.profile !== undefined && s.accessKeyId !== undefined) problem('profile', 'give either s3.profile or static keys, not both');
  })
  .transform((s) => ({ ...s, forcePathStyle: s.forcePathStyle ?? (s.endpoint !== undefined ? true : undefined) }));

/**
 * Events per catch-up load. Each load costs one COPY per touched table, seconds apiece on
 * Redshift whatever the size, so a backlog of 1,000,000 events is 4 loads (about 80 COPYs), not 10
 * or 200; one load's keyed rows stay in memory until its end, which keeps `rsetl poll` under
 * 300 MB resident at this size (npm run bench).
 */
export const DEFAULT_MAX_EVENTS_PER_LOAD = 250_000;

const pollSection = z
  .strictObject(
    {
      intervalSeconds: int(5, 3600).default(240),
      maxEvents: int(1, 1_000_000).default(5000),
      /** Coalescing bound for catch-up loads; default max(250000, maxEvents). */
      maxEventsPerLoad: int(1, 10_000_000).optional(),
      lookbackSeconds: int(0, 86_400).default(300),
      lookbackIds: int(0, 1_000_000).default(500),
      backoffCapSeconds: int(5).default(86_400),
      maxFailures: int(0).default(0),
      lockTimeoutSeconds: z
        .preprocess(toNumber, z.number({ error: 'must be a number from 0 to 3600' }).min(0).max(3600, 'must be a number from 0 to 3600'))
        .default(1),
      invalidEvents: z.enum(['block', 'dead-letter'], { error: 'must be "block" or "dead-letter"' }).default('block'),
      /** Due buses `rsetl poll` loads at once (each on its own source and Redshift sessions), oldest lag first. */
      concurrency: int(1, 64).default(4),
      /**
       * COPYs one load runs side by side, each lane a Redshift session of its own loading permanent
       * stage tables (docs/design.md#copy-lanes); 1 runs every COPY in the load's own transaction.
       */
      copyConcurrency: int(1, 16).default(4),
    },
    { error: 'must be an object' },
  )
  .superRefine((p, ctx) => {
    if (p.maxEventsPerLoad !== undefined && p.maxEventsPerLoad < p.maxEvents) {
      ctx.addIssue({ code: 'custom', path: ['maxEventsPerLoad'], message: `must be at least poll.maxEvents (${p.maxEvents})` });
    }
    if (p.backoffCapSeconds < p.intervalSeconds) {
      ctx.addIssue({ code: 'custom', path: ['backoffCapSeconds'], message: `must be at least poll.intervalSeconds (${p.intervalSeconds})` });
    }
  })
  .transform((p) => ({ ...p, maxEventsPerLoad: p.maxEventsPerLoad ?? Math.max(DEFAULT_MAX_EVENTS_PER_LOAD, p.maxEvents) }));

const devSection = z.strictObject({ dataDir: text().default('.rsetl') }, { error: 'must be an object' });

export const configSchema = z.strictObject(
  {
    source: sourceSection.prefault({}),
    redshift: redshiftSection.prefault({}),
    s3: s3Section.prefault({}),
    poll: pollSection.prefault({}),
    dev: devSection.prefault({}),
  },
  { error: 'must be an object' },
);

export type RsetlConfig = z.output<typeof configSchema>;
export type SourceConfig = RsetlConfig['source'];
export type RedshiftConfig = RsetlConfig['redshift'];
export type S3Config = RsetlConfig['s3'];
export type PollConfig = RsetlConfig['poll'];
export type ConfigSection = 'source' | 'redshift' | 's3';

// --- Introspection: the keys the schema declares (env overrides, "did you mean", template test).

type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The fields of an object schema, looking through defaults, optionals and pipes; undefined for a leaf. */
export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const def = defOf(schema);
  if (def.type === 'object') return def.shape;
  if (def.innerType) return objectShape(def.innerType);
  if (def.type === 'pipe') return (def.in && objectShape(def.in)) ?? (def.out && objectShape(def.out));
  return undefined;
}

/** The schema's field names at a dotted path ('' for the top level). */
export function keysAt(path: string[]): string[] {
  let shape = objectShape(configSchema);
  for (const key of path) {
    const field = shape?.[key];
    shape = field && objectShape(field);
  }
  return shape ? Object.keys(shape) : [];
}

/** Every leaf key as a dotted path: 'source.url', ..., 'redshift.busUser.password', ... */
export function configKeyPaths(schema: z.ZodType = configSchema, prefix = ''): string[] {
  const shape = objectShape(schema);
  if (!shape) return [prefix];
  return Object.entries(shape).flatMap(([k, v]) => configKeyPaths(v, prefix === '' ? k : `${prefix}.${k}`));
}
