// What a Redshift session needs from the way it reaches the cluster: run one statement, stop.
// Two ways exist (redshift.transport): the PostgreSQL wire protocol on port 5439 (pg-driver.ts)
// and the Redshift Data API over HTTPS (data-api-driver.ts). Both answer like pg: rows keyed by
// column name with pg's JavaScript types (int4 → number, int8/numeric/timestamp → text), a row
// count, and errors with pg's fields (message, and code when it is known).
export interface StatementResult<R> {
  rows: R[];
  /** Rows returned, or affected by DML / loaded by COPY; null when the server says nothing. */
  rowCount: number | null;
  /** The result's columns, in order. */
  fields: Array<{ name: string }>;
}

export interface SqlDriver {
  query<R>(sql: string, params?: unknown[], phase?: { duringCommit?: boolean }): Promise<StatementResult<R>>;
  /**
   * Several statements without parameters in ONE round trip, answered in order, where the transport
   * can (the PostgreSQL simple-query protocol takes `a; b; c` as one message; the Data API runs one
   * statement per call, and its BatchExecuteStatement would wrap the batch in a transaction of its
   * own). Without it the session sends them one by one.
   */
  batch?(sqls: readonly string[]): Promise<Array<StatementResult<unknown>>>;
  /** Ends the session (politely; gives up after a few seconds on a server that stopped answering). */
  close(): Promise<void>;
  /** Drops the session at once (after a timeout, when its state is unknown). */
  destroy(): void;
  /** Names the statements that follow (the Data API's StatementName: rsetl:<load id>), where the transport can. */
  label?(name: string): void;
}
