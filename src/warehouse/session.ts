// One Redshift session: connected as the ETL user, search_path on the bus's schema, UTC. Counts
// statements and COPYs, the figures the run log and the benchmark report (spec §6).
import pg from 'pg';
import { textTypes } from '../source/pg-types.js';
import { classifyWarehouseError, isConnectionError, isLoginRefused, isQueryTimeout, unreachable } from './errors.js';
import type { RedshiftAccess } from './login/access.js';
import { ident } from './sql.js';

/** How long one statement may take when the configuration does not say (redshift.statementTimeoutSeconds). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 3_600_000;
const CLOSE_TIMEOUT_MS = 5_000;

/** One statement as it ran: for `-v` lines and anyone else watching a session. */
export interface StatementTiming {
  sql: string;
  ms: number;
  /** Rows the server reported (COPY, INSERT, SELECT), or null. */
  rows: number | null;
  /** The error's message when the statement failed. */
  error?: string;
}

export interface SessionOptions {
  onStatement?: (st: StatementTiming) => void;
}

export class WarehouseSession {
  statements = 0;
  copies = 0;
  private destroyed = false;
  /** Who this session logged in as and how (set by `open`), for doctor. */
  login: { user: string; via: string; expiresAt?: Date } | undefined;

  private constructor(
    private readonly client: pg.Client,
    readonly schema: string | undefined,
    private readonly onStatement: SessionOptions['onStatement'],
  ) {}

  static async connect(config: pg.ClientConfig, schema?: string, options: SessionOptions = {}): Promise<WarehouseSession> {
    const client = new pg.Client({
      ...config,
      types: textTypes,
      application_name: 'rsetl',
      // A cluster that stops answering must fail the load (and release the bus lock), not hang a
      // cron run forever: TCP keepalive notices a dead peer, and no statement may wait longer than
      // redshift.statementTimeoutSeconds (default an hour: COPYs of a coalesced load take seconds
      // to minutes; WLM queueing adds some).
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
      query_timeout: config.query_timeout ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    });
    // A dropped connection must surface as a failed query, not crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      if (isConnectionError(e)) throw unreachable('Redshift', e);
      throw classifyWarehouseError(e);
    }
    const session = new WarehouseSession(client, schema, options.onStatement);
    // Timestamps are UTC everywhere (spec §5); views compare against current_date in UTC.
    await session.query(`SET timezone TO 'UTC'`);
    if (schema) await session.query(`SET search_path TO ${ident(schema)}`);
    return session;
  }

  /**
   * A session for a role's access (warehouse/login/): its login, fetched or cached, and when a
   * cached temporary password is refused (it expired, or was rotated), one more try with a fresh
   * one. A session already open is never affected by its password expiring: Redshift checks a
   * password only when a connection logs in.
   */
  static async open(access: RedshiftAccess, schema?: string, options: SessionOptions = {}): Promise<WarehouseSession> {
    let login = await access.login.login();
    for (let attempt = 1; ; attempt++) {
      const config: pg.ClientConfig = {
        ...access.base,
        user: login.user,
        password: login.password,
        ...(access.base.host === undefined && { host: login.host, ...(login.port !== undefined && { port: login.port }) }),
        ...(access.base.database === undefined && login.database !== undefined && { database: login.database }),
      };
      try {
        const session = await WarehouseSession.connect(config, schema, options);
        session.login = { user: login.user, via: login.via, ...(login.expiresAt && { expiresAt: login.expiresAt }) };
        return session;
      } catch (e) {
        if (attempt > 1 || access.login.mode === 'password' || !isLoginRefused(e)) throw e;
        login = await access.login.login({ fresh: true });
      }
    }
  }

  async query<R extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    phase: { duringCommit?: boolean } = {},
  ): Promise<pg.QueryResult<R>> {
    this.statements++;
    if (/^\s*COPY\b/i.test(sql)) this.copies++;
    const started = this.onStatement ? performance.now() : 0;
    try {
      const r = await this.client.query<R>(sql, params);
      this.onStatement?.({ sql, ms: Math.round(performance.now() - started), rows: r.rowCount ?? null });
      return r;
    } catch (e) {
      this.onStatement?.({ sql, ms: Math.round(performance.now() - started), rows: null, error: (e as Error).message });
      // pg gives up waiting but leaves the connection as it is, with the statement perhaps still
      // running and holding its transaction's locks. Dropping the connection ends that session on
      // the server (rolling back what did not commit), and the error then reads as a lost
      // connection: transient, or an unknown outcome during COMMIT (the ledger decides).
      if (isQueryTimeout(e)) this.destroy();
      throw classifyWarehouseError(e, { ...phase, statement: sql });
    }
  }

  /** Drops the connection at once, without the goodbye a hung server would never answer. */
  private destroy(): void {
    this.destroyed = true;
    (this.client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }

  /** Rolls back, ignoring a connection that is already gone. */
  async rollback(): Promise<void> {
    try {
      await this.client.query('ROLLBACK');
      this.statements++;
    } catch {
      // Nothing to roll back on a dead connection: the server rolled back for us.
    }
  }

  async close(): Promise<void> {
    if (this.destroyed) return;
    // end() waits for the server to close its side; a server that stopped answering never does.
    const ended = this.client.end().then(
      () => true,
      () => true,
    );
    const timer = new Promise<false>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS, false).unref());
    if (!(await Promise.race([ended, timer]))) this.destroy();
  }
}
