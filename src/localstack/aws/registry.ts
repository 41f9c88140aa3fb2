// What the local AWS control plane knows and how tests steer it: the clusters, Serverless
// workgroups and secrets it serves, the caller's identity, actions made to answer AccessDenied,
// an override of the temporary credentials' lifetime, and a count of calls per action.
import { randomBytes, randomUUID } from 'node:crypto';
import type { TemporaryCredentials } from '../redshift-standin/temporary-credentials.js';
import { ApiError } from './api-error.js';
import { DEFAULT_CALLER, LOCAL_ACCOUNT, dbUserOfCaller } from './caller-identity.js';

/** The IAM actions the local control plane serves. */
export const AWS_ACTIONS = [
  'redshift:DescribeClusters',
  'redshift:GetClusterCredentials',
  'redshift:GetClusterCredentialsWithIAM',
  'redshift-serverless:GetWorkgroup',
  'redshift-serverless:GetCredentials',
  'secretsmanager:GetSecretValue',
  'redshift-data:ExecuteStatement',
  'redshift-data:BatchExecuteStatement',
  'redshift-data:DescribeStatement',
  'redshift-data:GetStatementResult',
  'redshift-data:CancelStatement',
  'redshift-data:ListStatements',
] as const;

export type AwsAction = (typeof AWS_ACTIONS)[number];

export interface LocalCluster {
  id: string;
  host: string;
  port: number;
  /** The cluster's first database (DBName) and admin user (MasterUsername). */
  database: string;
  masterUsername: string;
  iamRoles?: string[];
  securityGroupIds?: string[];
  /** The secret holding the admin password, when Redshift manages it in Secrets Manager. */
  masterPasswordSecretArn?: string;
}

export interface LocalWorkgroup {
  name: string;
  namespaceName?: string;
  host: string;
  port: number;
  securityGroupIds?: string[];
}

export interface StoredSecret {
  arn: string;
  /** The ARN without the random suffix Secrets Manager adds to the ARNs it makes (it finds secrets by it too). */
  partialArn?: string;
  name: string;
  versionId: string;
  value: string;
  createdDate: Date;
}

/** AWS's bounds for every temporary database credential (GetClusterCredentials, GetCredentials). */
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 3600;

export class AwsRegistry {
  readonly account = LOCAL_ACCOUNT;
  readonly clusters = new Map<string, LocalCluster & { created: Date }>();
  readonly workgroups = new Map<string, LocalWorkgroup & { id: string; created: Date }>();
  private readonly secrets: StoredSecret[] = [];
  private readonly denied = new Map<AwsAction, string | undefined>();
  private readonly counts = new Map<AwsAction, number>();
  private lifetimeSeconds: number | undefined;
  caller = DEFAULT_CALLER;

  constructor(
    readonly region: string,
    readonly credentials: TemporaryCredentials,
  ) {}

  /** Counts the call and refuses it as AWS does when a test denied the action. */
  authorize(action: AwsAction, resource: string): void {
    this.counts.set(action, (this.counts.get(action) ?? 0) + 1);
    if (!this.denied.has(action)) return;
    const [service] = action.split(':');
    // Query services (Redshift) answer AccessDenied with 403; JSON services say AccessDeniedException,
    // with the status their model gives it (403 for Redshift Serverless), else the generic 400
    // (Secrets Manager, the Data API, whose model has no AccessDeniedException).
    const [code, status] =
      service === 'redshift' ? ['AccessDenied', 403] : service === 'redshift-serverless' ? ['AccessDeniedException', 403] : ['AccessDeniedException', 400];
    const reason = service === 'redshift' ? '' : ` because no identity-based policy allows the ${action} action`;
    const message = this.denied.get(action) ?? `User: ${this.caller} is not authorized to perform: ${action} on resource: ${resource}${reason}`;
    throw new ApiError(status as number, code as string, message);
  }

  deny(action: AwsAction, message?: string): void {
    this.denied.set(action, message);
  }

  allow(action: AwsAction): void {
    this.denied.delete(action);
  }

  callCount(action: AwsAction): number {
    return this.counts.get(action) ?? 0;
  }

  callCounts(): Partial<Record<AwsAction, number>> {
    return Object.fromEntries(this.counts);
  }

  resetCallCounts(): void {
    this.counts.clear();
  }

  setCredentialLifetime(seconds: number | undefined): void {
    if (seconds !== undefined && !(seconds > 0)) throw new Error(`a credential lifetime must be a positive number of seconds, not ${seconds}`);
    this.lifetimeSeconds = seconds;
  }

  /** The validated DurationSeconds of a request, or the test's override of it. */
  lifetime(requested: number | undefined, invalid: (message: string) => ApiError): number {
    const duration = requested ?? MIN_DURATION_SECONDS;
    if (!Number.isInteger(duration) || duration < MIN_DURATION_SECONDS || duration > MAX_DURATION_SECONDS) {
      throw invalid(`The duration must be between ${MIN_DURATION_SECONDS} and ${MAX_DURATION_SECONDS} seconds.`);
    }
    return this.lifetimeSeconds ?? duration;
  }

  /** The database user the caller's IAM identity maps to (`IAMR:<role>`, `IAM:<user>`). */
  callerDbUser(): string {
    return dbUserOfCaller(this.caller);
  }

  addCluster(cluster: LocalCluster): void {
    this.clusters.set(cluster.id, { ...cluster, created: new Date() });
  }

  addWorkgroup(workgroup: LocalWorkgroup): void {
    this.workgroups.set(workgroup.name, { ...workgroup, id: randomUUID(), created: new Date() });
  }

  /**
   * Stores a secret under an ARN, or under a name (it then gets an ARN with AWS's random
   * six-character suffix); a second put replaces the value with a new version, as a rotation does.
   */
  putSecret(idOrArn: string, value: string | object): { arn: string; name: string } {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const existing = this.findSecret(idOrArn);
    if (existing) {
      Object.assign(existing, { value: text, versionId: randomUUID() });
      return { arn: existing.arn, name: existing.name };
    }
    const isArn = idOrArn.startsWith('arn:');
    const name = isArn ? idOrArn.slice(idOrArn.indexOf(':secret:') + ':secret:'.length) : idOrArn;
    const partialArn = `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}`;
    const arn = isArn ? idOrArn : `${partialArn}-${randomBytes(3).toString('hex')}`;
    this.secrets.push({ arn, ...(isArn ? {} : { partialArn }), name, versionId: randomUUID(), value: text, createdDate: new Date() });
    return { arn, name };
  }

  /** A secret by its ARN, its name, or its ARN without the random suffix (as Secrets Manager finds it). */
  findSecret(id: string): StoredSecret | undefined {
    return this.secrets.find((s) => s.arn === id || s.name === id || s.partialArn === id);
  }
}
