// The whole local stack (docs/local-stack.md): a source PostgreSQL with the application's outbox table, an
// npm S3 server, the Redshift stand-in in front of a real PostgreSQL, and a local AWS control plane
// that serves the stand-in as a provisioned cluster, a Serverless workgroup and an admin secret,
// and runs Redshift Data API statements on it — plus a ready rsetl config file pointing at them.
// Used by `rsetl dev up`, `rsetl demo`, the tests and the bench.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { createOutboxTable } from '../source/outbox-table.js';
import { DEFAULT_CALLER, startLocalAws, type DataApiSettings, type LocalAws } from './aws/index.js';
import { makeDataDir } from './data-dir.js';
import { startLocalPostgres, type LocalPostgres } from './postgres.js';
import {
  startRedshiftStandin, type RedshiftStandin, type StandinFlavour, type StandinIsolation, type StandinLatency,
} from './redshift-standin/index.js';
import { startLocalS3, type LocalS3 } from './s3.js';
import { choosePorts, rememberPorts, type StackService } from './stack-ports.js';

export const LOCAL_IAM_ROLE = 'arn:aws:iam::000000000000:role/rsetl-local';
export const LOCAL_BUCKET = 'rsetl-local';
/** The provisioned cluster (DescribeClusters, GetClusterCredentials) the local AWS API serves. */
export const LOCAL_CLUSTER_ID = 'rsetl-local';
/** The Serverless workgroup (GetWorkgroup, GetCredentials) the local AWS API serves. */
export const LOCAL_WORKGROUP = 'rsetl-local';
/** The Secrets Manager secret with the stand-in admin's user and password, as Redshift stores a cluster's. */
export const LOCAL_ADMIN_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:rsetl-local-admin';
const LOCAL_SECURITY_GROUP = 'sg-0rsetl0local0000';

export interface LocalStackOptions {
  /** Folder for the config file and (with `persist`) the PostgreSQL data. */
  dataDir: string;
  /**
   * Keep PostgreSQL data in dataDir/pg across restarts (dev up), and listen on the same ports as
   * the last start while they are free; default false (temp folder, new ports).
   */
  persist?: boolean;
  /** Use an existing PostgreSQL as the source instead of the embedded one. */
  sourceUrl?: string;
  /** Use an existing PostgreSQL database as the stand-in's backing store. */
  backingUrl?: string;
  /** Simulated Redshift latency: per statement, per COPY, the commit queue, WLM slots (bench; StandinOptions.latency). */
  latency?: StandinLatency;
  /** Create the outbox table in the source (default true). */
  createOutbox?: boolean;
  /** The local Data API's latency, quotas, retention and page size (also settable later on `aws.dataApi`). */
  dataApi?: DataApiSettings;
  /**
   * The stand-in's isolation between sessions: `serializable` (provisioned clusters created before
   * May 2024), `snapshot` (Serverless, and newer clusters), or `read-committed` (default:
   * PostgreSQL's own, laxer than both). See StandinOptions.isolation.
   */
  isolation?: StandinIsolation;
  /** `serverless`: the stand-in has no STL_ system views, as a Serverless workgroup; default `provisioned`. */
  flavour?: StandinFlavour;
}

export interface LocalStack {
  sourceUrl: string;
  redshiftUrl: string;
  s3Endpoint: string;
  bucket: string;
  iamRole: string;
  /** The local AWS API (`redshift.awsEndpoint`): Redshift, Redshift Serverless and Secrets Manager. */
  awsEndpoint: string;
  /**
   * The Redshift Data API's endpoint (the RedshiftDataClient's `endpoint`): the same server, which
   * runs the statements on the stand-in for cluster and workgroup `rsetl-local` and the admin secret.
   */
  dataApiEndpoint: string;
  /** Its server, for tests: deny/allow, setCredentialLifetime, putSecret, callCount, callerIdentity, dataApi. */
  aws: LocalAws;
  /** What reaches the stand-in through it: `redshift.clusterIdentifier`, `redshift.workgroup`, `redshift.secretArn`. */
  clusterIdentifier: string;
  workgroup: string;
  adminSecretArn: string;
  /**
   * The database user the AWS caller's identity maps to (GetCredentials, GetClusterCredentialsWithIAM):
   * `IAMR:rsetl-local`, a superuser, as Serverless makes the identity that created a namespace.
   */
  callerDbUser: string;
  /** The same stack with redshift.auth "iam": no database password (rsetl.iam.config.json). */
  iamConfigPath: string;
  /** Path of the rsetl config file for this stack. */
  configPath: string;
  config: Record<string, unknown>;
  standin: RedshiftStandin;
  /** What the operator should know: a remembered port that was in use and is replaced. */
  warnings: string[];
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = await makeDataDir(options.dataDir);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const embedded = !options.sourceUrl || !options.backingUrl;
    const services: StackService[] = [...(embedded ? (['postgres'] as const) : []), 'redshift', 's3', 'aws'];
    const { ports, warnings } = options.persist ? await choosePorts(dataDir, services) : { ports: {}, warnings: [] };
    let server: LocalPostgres | undefined;
    if (embedded) {
      server = await startLocalPostgres(
        options.persist ? { dataDir: join(dataDir, 'pg'), fast: false, ...(ports.postgres ? { port: ports.postgres } : {}) } : {},
      );
      stops.push(() => server!.stop());
    }
    const sourceUrl = options.sourceUrl ?? (await server!.createDatabase('lms'));
    const backingUrl = options.backingUrl ?? (await server!.createDatabase('redshift'));
    const s3: LocalS3 = await startLocalS3({ buckets: [LOCAL_BUCKET], ...(ports.s3 ? { port: ports.s3 } : {}) });
    stops.push(() => s3.stop());
    const standin = await startRedshiftStandin({
      backendUrl: backingUrl,
      s3: { endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials },
      acceptedIamRoles: [LOCAL_IAM_ROLE],
      ...(ports.redshift ? { port: ports.redshift } : {}),
      ...(options.latency ? { latency: options.latency } : {}),
      ...(options.isolation ? { isolation: options.isolation } : {}),
      ...(options.flavour ? { flavour: options.flavour } : {}),
    });
    stops.push(() => standin.close());
    const aws = await startLocalAws({
      temporaryCredentials: standin.temporaryCredentials,
      ...(ports.aws ? { port: ports.aws } : {}),
      ...(options.dataApi ? { dataApi: options.dataApi } : {}),
    });
    stops.push(() => aws.stop());
    const { callerDbUser, warning } = await serveStandinOnAws(aws, standin.url, backingUrl);
    if (warning) warnings.push(warning);
    if (options.createOutbox !== false) {
      const client = new pg.Client({ connectionString: sourceUrl });
      await client.connect();
      try {
        await createOutboxTable(client);
      } finally {
        await client.end();
      }
    }
    const config = {
      $comment: 'Written by rsetl for the local stack; every URL points at this machine.',
      source: { url: sourceUrl },
      redshift: { url: standin.url, iamRole: LOCAL_IAM_ROLE, ssl: false },
      s3: {
        bucket: LOCAL_BUCKET,
        prefix: 'redshift-transfer',
        region: s3.region,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        accessKeyId: s3.credentials.accessKeyId,
        secretAccessKey: s3.credentials.secretAccessKey,
      },
      poll: { intervalSeconds: 5 },
      dev: { dataDir },
    };
    const configPath = join(dataDir, 'rsetl.config.json');
    await writeFile(configPath, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
    await chmod(configPath, 0o600);
    // The same stack reached the way production deployments log in: temporary credentials from the
    // local GetClusterCredentials, no database password in the file (docs/dba.md#auth).
    const standinUrl = new URL(standin.url);
    const iamConfig = {
      ...config,
      $comment: 'Written by rsetl for the local stack: redshift.auth "iam", no database password; the endpoint comes from DescribeClusters.',
      redshift: {
        auth: 'iam',
        clusterIdentifier: LOCAL_CLUSTER_ID,
        database: decodeURIComponent(standinUrl.pathname.slice(1)),
        dbUser: decodeURIComponent(standinUrl.username),
        region: aws.region,
        accessKeyId: aws.credentials.accessKeyId,
        secretAccessKey: aws.credentials.secretAccessKey,
        awsEndpoint: aws.endpoint,
        iamRole: LOCAL_IAM_ROLE,
        ssl: false,
      },
    };
    const iamConfigPath = join(dataDir, 'rsetl.iam.config.json');
    await writeFile(iamConfigPath, JSON.stringify(iamConfig, null, 2) + '\n', { mode: 0o600 });
    await chmod(iamConfigPath, 0o600);
    if (options.persist) {
      await rememberPorts(dataDir, { ...(server ? { postgres: server.port } : {}), redshift: standin.port, s3: s3.port, aws: aws.port });
    }
    return {
      sourceUrl,
      redshiftUrl: standin.url,
      s3Endpoint: s3.endpoint,
      bucket: LOCAL_BUCKET,
      iamRole: LOCAL_IAM_ROLE,
      awsEndpoint: aws.endpoint,
      dataApiEndpoint: aws.endpoint,
      aws,
      clusterIdentifier: LOCAL_CLUSTER_ID,
      workgroup: LOCAL_WORKGROUP,
      adminSecretArn: LOCAL_ADMIN_SECRET_ARN,
      callerDbUser,
      configPath,
      iamConfigPath,
      config,
      standin,
      warnings,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Registers the stand-in with the local AWS API as Redshift would list it: a cluster and a
 * Serverless workgroup whose endpoint is the stand-in, and the admin's credentials in a secret of
 * the shape the Redshift console stores ({"username","password","engine","host","port",
 * "dbClusterIdentifier","dbname"}). The caller's IAM identity gets its database user made a
 * superuser in the backing database, as Redshift Serverless does for the identity that created a
 * namespace with default settings, so IAM-identity logins can run rsetl's admin work locally.
 */
async function serveStandinOnAws(aws: LocalAws, standinUrl: string, backingUrl: string): Promise<{ callerDbUser: string; warning?: string }> {
  const url = new URL(standinUrl);
  const host = url.hostname;
  const port = Number(url.port);
  const database = decodeURIComponent(url.pathname.slice(1));
  const admin = decodeURIComponent(url.username);
  aws.putSecret(LOCAL_ADMIN_SECRET_ARN, {
    username: admin,
    password: decodeURIComponent(url.password),
    engine: 'redshift',
    host,
    port,
    dbClusterIdentifier: LOCAL_CLUSTER_ID,
    dbname: database,
  });
  aws.addCluster({
    id: LOCAL_CLUSTER_ID,
    host,
    port,
    database,
    masterUsername: admin,
    iamRoles: [LOCAL_IAM_ROLE],
    securityGroupIds: [LOCAL_SECURITY_GROUP],
    masterPasswordSecretArn: LOCAL_ADMIN_SECRET_ARN,
  });
  aws.addWorkgroup({ name: LOCAL_WORKGROUP, host, port, securityGroupIds: [LOCAL_SECURITY_GROUP] });
  aws.callerIdentity = DEFAULT_CALLER;
  const callerDbUser = aws.callerDbUser;
  const client = new pg.Client({ connectionString: backingUrl });
  await client.connect();
  try {
    // A --backing-url of a user who may not create superusers still serves everything else.
    const { rows } = await client.query<{ su: boolean }>('SELECT rolsuper AS su FROM pg_roles WHERE rolname = current_user');
    if (!rows[0]?.su) {
      return {
        callerDbUser,
        warning:
          `the backing database's user is not a superuser: IAM logins to the stand-in (GetClusterCredentials, ` +
          `GetCredentials) will fail; the stand-in needs one to open their sessions as the mapped user`,
      };
    }
    // Two stacks on one server may create it at the same moment; the second finds it made.
    await client.query(
      `DO $rsetl$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${client.escapeLiteral(callerDbUser)}) THEN ` +
        `CREATE USER ${client.escapeIdentifier(callerDbUser)} SUPERUSER; END IF; ` +
        `EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $rsetl$`,
    );
  } finally {
    await client.end();
  }
  return { callerDbUser };
}
