// A local stand-in for Amazon Redshift: a PostgreSQL-wire proxy in front of a real PostgreSQL that
// runs `COPY ... FROM 's3://...'` against a local S3, accepts Redshift DDL attributes, answers
// stl_load_errors/sys_load_error_detail for its own COPYs, and rejects PostgreSQL-only SQL that
// Redshift rejects (docs/local-stack.md#standin). Across
// statements and sessions it can also behave as Redshift does: TRUNCATE commits the open
// transaction, concurrent transactions fail with Redshift's isolation errors, and a Serverless
// flavour lacks the STL_ views.
import type { FaultSpec } from './faults.js';
import type { LatencyRecord, StandinLatency } from './latency.js';
import type { TemporaryCredentials } from './temporary-credentials.js';

export type { FaultSpec } from './faults.js';
export type { LatencyRecord, LatencyTurn, StandinLatency } from './latency.js';
export { startRedshiftStandin } from './server.js';
export { TemporaryCredentials, type IssuedCredential } from './temporary-credentials.js';

export interface StandinOptions {
  /**
   * URL of the backing PostgreSQL database. A client's own user and password are passed through;
   * IAM logins (IAM:/IAMA:/IAMR: users) run on a session opened with this URL's user, which must be
   * a superuser (SET SESSION AUTHORIZATION, CREATE USER).
   */
  backendUrl: string;
  /**
   * The temporary passwords the local AWS control plane issues (src/localstack/aws/), which IAM
   * logins must present; default: a table of the stand-in's own, exposed as `temporaryCredentials`.
   */
  temporaryCredentials?: TemporaryCredentials;
  s3: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** When set, a COPY naming another role fails like Redshift's S3 access denied. */
  acceptedIamRoles?: string[];
  /** Default 127.0.0.1 and a free port. */
  host?: string;
  port?: number;
  /**
   * Simulated Redshift latency (latency.ts; for benchmarks and concurrency tests): a real cluster's
   * fixed cost per statement and per COPY, its cluster-wide commit queue (`commitMs` per commit of
   * a transaction that wrote, one at a time) and its WLM slots (`maxConcurrentStatements`
   * statements at once across sessions). All default to 0: no pause, no queue, no limit.
   */
  latency?: StandinLatency;
  /**
   * How COPY loads: `auto` (default) tries the fast path (COPY text straight into the target) and
   * falls back to the exact path (buffer table and jsonb_to_record) for anything unusual or
   * failing; `exact` always takes the exact path (tests compare the two).
   */
  copyPath?: 'auto' | 'exact';
  /**
   * PEM certificate (with its chain) and key: the stand-in then answers an SSLRequest with 'S'
   * and speaks TLS, so clients can test `redshift.ssl` verification; without it, 'N' (plain only).
   */
  tls?: { cert: string; key: string };
  /**
   * How concurrent transactions of different client sessions meet (isolation.ts):
   * - `read-committed` (default, the stand-in's behaviour before the option existed): PostgreSQL's
   *   own default. It matches neither Redshift level and is laxer than both: a second writer of a
   *   row waits and then writes over the first one's version instead of failing.
   * - `serializable`: what provisioned clusters created before May 2024 run. Each backend session
   *   runs at PostgreSQL SERIALIZABLE, whose serialization failures come back as Redshift's
   *   `1023` / "Serializable isolation violation on table ..." (XX000).
   * - `snapshot`: Redshift Serverless's default (and new clusters' since May 2024). Each backend
   *   session runs at REPEATABLE READ, whose write conflicts come back as Redshift's "could not
   *   complete because of conflict with concurrent transaction" (XX000).
   * LOCK keeps working in every mode: it is taken before the transaction's snapshot, so writers queue.
   */
  isolation?: StandinIsolation;
  /**
   * `provisioned` (default) or `serverless`: on Serverless the STL_ system views do not exist (a
   * query of stl_load_errors fails with "relation ... does not exist"); the SYS_ views answer.
   */
  flavour?: StandinFlavour;
}

export type StandinIsolation = 'read-committed' | 'serializable' | 'snapshot';
export type StandinFlavour = 'provisioned' | 'serverless';

export interface RedshiftStandin {
  /** backendUrl with host/port replaced by the stand-in's. */
  readonly url: string;
  readonly port: number;
  /** The temporary passwords IAM logins are checked against (the local AWS server issues into it). */
  readonly temporaryCredentials: TemporaryCredentials;
  /**
   * The next statement(s) matching `match` fail with `error`, or the client socket is closed
   * before forwarding / after the backend executed it (a connection lost during COMMIT).
   */
  injectFault(f: FaultSpec): void;
  clearFaults(): void;
  /** The commit-queue and WLM-slot turns the latency model recorded (empty without `commitMs` / `maxConcurrentStatements`). */
  latencyRecord(): LatencyRecord;
  close(): Promise<void>;
}
