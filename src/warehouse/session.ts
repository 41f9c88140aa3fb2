// One Redshift session: connected as the ETL user (or the owner), search_path on the bus's schema,
// UTC. Counts statements and COPYs, the figures the run log and the benchmark report. How the
// statements travel — the PostgreSQL wire protocol or the Redshift Data API — is its driver's
// business (drivers/); everything above this class is the same for both.
import type pg from 'pg';
import type { SqlDriver } from './drivers/driver.js';
import { PgDriver } from './drivers/pg-driver.js';
import { isLoginRefused } from './errors.js';
import type { RedshiftAccess } from './login/access.js';
import { ident } from '../sql/quote.js';

export { DEFAULT_STATEMENT_TIMEOUT_MS } from './drivers/pg-driver.js';

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
  /**
   * Asked while a statement runs over the Data API: true when the operator asked the command to
   * stop, so a long statement of a load that has not reached COMMIT is cancelled on the server.
   */
  shouldStop?: () => boolean;
}

/** pg's result shape, as every caller of a session reads it. */
export type SessionResult<R> = Pick<pg.QueryResult<R & pg.QueryResultRow>, 'rows' | 'rowCount'> & { fields: Array<{ name: string }> };

export class WarehouseSession {
  /** SQL statements sent (a batch counts each of its statements). */
  statements = 0;
  /** Requests that waited for Redshift's answer: what a cluster's per-statement latency is paid on. */
  roundTrips = 0;
  copies = 0;
  /** Who this session logged in as and how (set by `open`), for doctor. */
  login: { user: string; via: string; expiresAt?: Date } | undefined;

  private constructor(
    private readonly driver: SqlDriver,
    readonly schema: string | undefined,
    private readonly onStatement: SessionOptions['onStatement'],
  ) {}

  /** A session over the PostgreSQL protocol with these pg settings (setup-user, doctor, tests). */
  static async connect(config: pg.ClientConfig, schema?: string, options: SessionOptions = {}): Promise<WarehouseSession> {
    return WarehouseSession.start(await PgDriver.connect(config), schema, options);
  }

  /** A session on a driver that is connected; sets the session up as rsetl's statements expect. */
  static async start(driver: SqlDriver, schema: string | undefined, options: SessionOptions): Promise<WarehouseSession> {
    const session = new WarehouseSession(driver, schema, options.onStatement);
    try {
      // Timestamps are UTC everywhere; views compare against current_date in UTC.
      await session.query(`SET timezone TO 'UTC'`);
      if (schema) await session.query(`SET search_path TO ${ident(schema)}`);
    } catch (e) {
      await session.close();
      throw e;
    }
    return session;
  }

  /**
   * A session for a role's access (warehouse/login/): over the Data API, or over the PostgreSQL
   * protocol with its login, fetched or cached, and when a cached temporary password is refused
   * (it expired, or was rotated), one more try with a fresh one. A session already open is never
   * affected by its password expiring: Redshift checks a password only when a connection logs in.
   */
  static async open(access: RedshiftAccess, schema?: string, options: SessionOptions = {}): Promise<WarehouseSession> {
    if (access.transport === 'data-api') {
      const session = await WarehouseSession.start(await access.connect(options), schema, options);
      session.login = { user: access.describe, via: 'the Redshift Data API' };
      return session;
    }
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
  ): Promise<SessionResult<R>> {
    this.statements++;
    this.roundTrips++;
    if (/^\s*COPY\b/i.test(sql)) this.copies++;
    const started = this.onStatement ? performance.now() : 0;
    try {
      const r = await this.driver.query<R>(sql, params, phase);
      this.onStatement?.({ sql, ms: Math.round(performance.now() - started), rows: r.rowCount });
      return r;
    } catch (e) {
      this.onStatement?.({ sql, ms: Math.round(performance.now() - started), rows: null, error: (e as Error).message });
      throw e;
    }
  }

  /**
   * Statements without parameters (values inlined with sql.ts's literal()), in one round trip where
   * the transport allows (drivers/driver.ts), else one by one; a result per statement, in order.
   * Not for COPY (its row count is checked on its own) nor COMMIT (its outcome may need the ledger).
   */
  async batch(sqls: readonly string[]): Promise<Array<SessionResult<Record<string, unknown>>>> {
    if (sqls.length === 0) return [];
    if (!this.driver.batch || sqls.length === 1) {
      const out: Array<SessionResult<Record<string, unknown>>> = [];
      for (const sql of sqls) out.push(await this.query(sql));
      return out;
    }
    this.statements += sqls.length;
    this.roundTrips++;
    const text = sqls.join(';\n');
    const started = this.onStatement ? performance.now() : 0;
    try {
      const r = (await this.driver.batch(sqls)) as Array<SessionResult<Record<string, unknown>>>;
      this.onStatement?.({ sql: text, ms: Math.round(performance.now() - started), rows: null });
      return r;
    } catch (e) {
      this.onStatement?.({ sql: text, ms: Math.round(performance.now() - started), rows: null, error: (e as Error).message });
      throw e;
    }
  }

  /** Names what follows (a load's id), so the statements can be found on the server (Data API). */
  label(name: string): void {
    this.driver.label?.(name);
  }

  /** Rolls back, ignoring a session that is already gone. */
  async rollback(): Promise<void> {
    try {
      await this.driver.query('ROLLBACK');
      this.statements++;
      this.roundTrips++;
    } catch {
      // Nothing to roll back on a dead session: the server rolled back for us.
    }
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}
