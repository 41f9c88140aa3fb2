// A Redshift session over the PostgreSQL wire protocol (redshift.transport "postgres"): one pg
// connection, with the timeouts a cron job needs against a cluster that stops answering.
import pg from 'pg';
import { textTypes } from '../../sql/pg-types.js';
import { classifyWarehouseError, isConnectionError, isQueryTimeout, unreachable } from '../errors.js';
import type { SqlDriver, StatementResult } from './driver.js';

/** How long one statement may take when the configuration does not say (redshift.statementTimeoutSeconds). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 3_600_000;
const CLOSE_TIMEOUT_MS = 5_000;

export class PgDriver implements SqlDriver {
  private destroyed = false;

  private constructor(private readonly client: pg.Client) {}

  static async connect(config: pg.ClientConfig): Promise<PgDriver> {
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
    return new PgDriver(client);
  }

  async query<R>(sql: string, params?: unknown[], phase: { duringCommit?: boolean } = {}): Promise<StatementResult<R>> {
    try {
      const r = await this.client.query(sql, params);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? null, fields: r.fields ?? [] };
    } catch (e) {
      // pg gives up waiting but leaves the connection as it is, with the statement perhaps still
      // running and holding its transaction's locks. Dropping the connection ends that session on
      // the server (rolling back what did not commit), and the error then reads as a lost
      // connection: transient, or an unknown outcome during COMMIT (the ledger decides).
      if (isQueryTimeout(e)) this.destroy();
      throw classifyWarehouseError(e, { ...phase, statement: sql });
    }
  }

  async batch(sqls: readonly string[]): Promise<Array<StatementResult<unknown>>> {
    const text = sqls.join(';\n');
    try {
      // Without parameters pg sends a simple query: one message, one round trip, a result per
      // statement (a single result when there is one statement).
      const r = (await this.client.query(text)) as pg.QueryResult | pg.QueryResult[];
      return (Array.isArray(r) ? r : [r]).map((x) => ({ rows: x.rows, rowCount: x.rowCount ?? null, fields: x.fields ?? [] }));
    } catch (e) {
      if (isQueryTimeout(e)) this.destroy();
      throw classifyWarehouseError(e, { statement: text });
    }
  }

  destroy(): void {
    this.destroyed = true;
    (this.client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
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
