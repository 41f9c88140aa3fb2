// The local AWS control plane: Amazon Redshift (DescribeClusters, GetClusterCredentials,
// GetClusterCredentialsWithIAM), Redshift Serverless (GetWorkgroup, GetCredentials) and Secrets
// Manager (GetSecretValue), served over the real wire protocols so rsetl's own AWS SDK clients run
// unchanged against it. Temporary passwords it issues go into the stand-in's credential table,
// where its IAM logins check them.
//
// Its one liberty: setCredentialLifetime() lets tests issue passwords that expire in seconds (AWS
// issues 900 to 3600). Otherwise it keeps AWS's rules: each call issues a new password, several
// stay valid at once, DurationSeconds outside 900–3600 is refused, and an action a test denied
// answers AccessDenied the way the service does.
import type { Server } from 'node:http';
import { listenLocal } from '../free-port.js';
import type { TemporaryCredentials } from '../redshift-standin/temporary-credentials.js';
import { dbUserOfCaller } from './caller-identity.js';
import { AwsRegistry, type AwsAction, type LocalCluster, type LocalWorkgroup } from './registry.js';
import { createAwsServer } from './server.js';

export { AWS_ACTIONS, type AwsAction, type LocalCluster, type LocalWorkgroup } from './registry.js';
export { DEFAULT_CALLER, LOCAL_ACCOUNT, dbUserOfCaller } from './caller-identity.js';

export interface LocalAwsOptions {
  /** Where issued temporary passwords go: the stand-in's `temporaryCredentials`. */
  temporaryCredentials: TemporaryCredentials;
  /** Region named in ARNs; default us-east-1 (clients may use any region). */
  region?: string;
  /** Default 127.0.0.1 and a free port. */
  host?: string;
  port?: number;
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
  stop(): Promise<void>;
}

export async function startLocalAws(options: LocalAwsOptions): Promise<LocalAws> {
  const region = options.region ?? 'us-east-1';
  const registry = new AwsRegistry(region, options.temporaryCredentials);
  const server: Server = createAwsServer(registry);
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
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The SDK keeps connections alive; they must not hold the close open.
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
