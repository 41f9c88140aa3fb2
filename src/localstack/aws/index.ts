// The local AWS control plane: Amazon Redshift (DescribeClusters, GetClusterCredentials,
// GetClusterCredentialsWithIAM), Redshift Serverless (GetWorkgroup, GetCredentials), Secrets
// Manager (GetSecretValue) and the Redshift Data API (data-api.ts), served over the real wire
// protocols so rsetl's own AWS SDK clients run unchanged against it. Temporary passwords it issues
// go into the stand-in's credential table, where its IAM logins check them.
//
// Its liberties: setCredentialLifetime() lets tests issue passwords that expire in seconds (AWS
// issues 900 to 3600), and `dataApi` lets them slow statements down, lower the Data API's quotas
// and retention, and inject faults. Otherwise it keeps AWS's rules: each call issues a new
// password, several stay valid at once, DurationSeconds outside 900–3600 is refused, and an action
// a test denied answers AccessDenied the way the service does.
import type { Server } from 'node:http';
import { listenLocal } from '../free-port.js';
import type { TemporaryCredentials } from '../redshift-standin/temporary-credentials.js';
import { dbUserOfCaller } from './caller-identity.js';
import { DataApi } from './data-api.js';
import type { CallFault, DataApiLatency, DataApiSettings, StatementFault } from './data-api-controls.js';
import { AwsRegistry, type AwsAction, type LocalCluster, type LocalWorkgroup } from './registry.js';
import { createAwsServer } from './server.js';

export { AWS_ACTIONS, type AwsAction, type LocalCluster, type LocalWorkgroup } from './registry.js';
export { DEFAULT_CALLER, LOCAL_ACCOUNT, dbUserOfCaller } from './caller-identity.js';
export type { CallFault, DataApiLatency, DataApiSettings, StatementFault } from './data-api-controls.js';

export interface LocalAwsOptions {
  /** Where issued temporary passwords go: the stand-in's `temporaryCredentials`. */
  temporaryCredentials: TemporaryCredentials;
  /** Region named in ARNs; default us-east-1 (clients may use any region). */
  region?: string;
  /** Default 127.0.0.1 and a free port. */
  host?: string;
  port?: number;
  /** The Data API's latency, quotas, retention and page size (see LocalDataApi). */
  dataApi?: DataApiSettings;
}

/** What tests steer and inspect in the local Redshift Data API. */
export interface LocalDataApi {
  /**
   * Slows statements down: ms SUBMITTED before they are picked, ms STARTED before their SQL runs,
   * and `ms` more for those whose SQL matches `match` (a slow COMMIT); undefined: none at all.
   */
  setLatency(latency: DataApiLatency | undefined): void;
  /** Statements active at once before ActiveStatementsExceededException (AWS: 200 per cluster). */
  setMaxActiveStatements(n: number): void;
  /** How long a statement and its result are kept after it ended (AWS: 24 hours). */
  setResultRetention(ms: number): void;
  /** The GetStatementResult page: at most `rows` rows and about `bytes` bytes (default 1000 / 64 KiB). */
  setPageLimits(limits: { rows?: number; bytes?: number }): void;
  /**
   * The next statement(s) whose SQL matches fail on the server with this message and SQLSTATE (a
   * failed COMMIT ends its transaction, as on the server).
   */
  failNext(fault?: StatementFault): void;
  /** The next call(s) of the action fail before they are served (default InternalServerException, 500). */
  failNextCall(action: AwsAction, fault?: CallFault): void;
  clearFaults(): void;
  /** The SQLSTATE of a FAILED statement (or `<id>:<n>` part): the service's Error text has none. */
  sqlState(id: string): string | undefined;
  /** A session's state as ListSessions would give it, or undefined for an id it never issued. */
  sessionState(id: string): 'AVAILABLE' | 'BUSY' | 'CLOSED' | undefined;
  /** Statements SUBMITTED, PICKED or STARTED now. */
  activeStatements(): number;
}

export interface LocalAws {
  /** `http://127.0.0.1:<port>`: the `endpoint` of every SDK client. */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  /** Static keys for the SDK clients (any are accepted; these are placeholders). */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  addCluster(cluster: LocalCluster): void;
  addWorkgroup(workgroup: LocalWorkgroup): void;
  /** Stores (or rotates) a secret by ARN or name; returns its ARN and name. Objects are stored as JSON. */
  putSecret(idOrArn: string, value: string | object): { arn: string; name: string };
  /** The identity the calls are made as (an IAM user, role or assumed-role ARN). */
  callerIdentity: string;
  /** The database user that identity maps to: `IAMR:<role>` or `IAM:<user>`. */
  readonly callerDbUser: string;
  /** The action answers AccessDenied (with AWS's message naming the action and resource, or `message`). */
  deny(action: AwsAction, message?: string): void;
  allow(action: AwsAction): void;
  /** Issue temporary passwords valid for `seconds` whatever was asked for; undefined restores AWS's rules. */
  setCredentialLifetime(seconds: number | undefined): void;
  /** Calls of an action so far, answered or refused. */
  callCount(action: AwsAction): number;
  callCounts(): Partial<Record<AwsAction, number>>;
  resetCallCounts(): void;
  /** The Redshift Data API on the same endpoint; its calls count as `redshift-data:<Operation>`. */
  readonly dataApi: LocalDataApi;
  stop(): Promise<void>;
}

export async function startLocalAws(options: LocalAwsOptions): Promise<LocalAws> {
  const region = options.region ?? 'us-east-1';
  const registry = new AwsRegistry(region, options.temporaryCredentials);
  const dataApi = new DataApi(registry);
  if (options.dataApi) {
    dataApi.controls.apply(options.dataApi);
    if (options.dataApi.resultRetentionMs !== undefined) dataApi.statements.retentionMs = retention(options.dataApi.resultRetentionMs);
  }
  const server: Server = createAwsServer(registry, dataApi);
  const port = await listenLocal(server, options.port, options.host);
  const host = options.host ?? '127.0.0.1';
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    region,
    credentials: { accessKeyId: 'rsetl-local', secretAccessKey: 'rsetl-local-secret' },
    addCluster: (c) => registry.addCluster(c),
    addWorkgroup: (w) => registry.addWorkgroup(w),
    putSecret: (id, value) => registry.putSecret(id, value),
    get callerIdentity() {
      return registry.caller;
    },
    set callerIdentity(arn: string) {
      dbUserOfCaller(arn); // refuses what is not an IAM user, role or assumed-role ARN
      registry.caller = arn;
    },
    get callerDbUser() {
      return registry.callerDbUser();
    },
    deny: (action, message) => registry.deny(action, message),
    allow: (action) => registry.allow(action),
    setCredentialLifetime: (seconds) => registry.setCredentialLifetime(seconds),
    callCount: (action) => registry.callCount(action),
    callCounts: () => registry.callCounts(),
    resetCallCounts: () => registry.resetCallCounts(),
    dataApi: {
      setLatency: (l) => dataApi.controls.setLatency(l),
      setMaxActiveStatements: (n) => dataApi.controls.apply({ maxActiveStatements: n }),
      setResultRetention: (ms) => void (dataApi.statements.retentionMs = retention(ms)),
      setPageLimits: ({ rows, bytes }) => dataApi.controls.apply({ ...(rows !== undefined ? { pageRows: rows } : {}), ...(bytes !== undefined ? { pageBytes: bytes } : {}) }),
      failNext: (f) => dataApi.controls.failNext(f),
      failNextCall: (action, f) => dataApi.controls.failNextCall(action, f),
      clearFaults: () => dataApi.controls.clearFaults(),
      sqlState(id) {
        const found = dataApi.statements.find(id);
        if (!found) return undefined;
        return found.part === undefined ? found.statement.sqlState : found.statement.parts[found.part]!.sqlState;
      },
      sessionState: (id) => dataApi.sessions.all().find((s) => s.id === id)?.state,
      activeStatements: () => dataApi.statements.activeCount(),
    },
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => {
          server.close(() => resolve());
          // The SDK keeps connections alive; they must not hold the close open.
          server.closeAllConnections();
        });
        // Running statements are cancelled and sessions closed before the stand-in goes away.
        await dataApi.close();
        await closed;
      })();
      return stopping;
    },
  };
}

function retention(ms: number): number {
  if (!(ms > 0)) throw new Error(`a result retention must be a positive number of milliseconds, not ${ms}`);
  return ms;
}
