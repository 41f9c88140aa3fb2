// Writes the stand-in's COPY history and load errors through its own autocommit connection to
// the client's database, so that a record outlives the client's rolled-back transaction.
import pg from 'pg';
import { LOAD_LOG_SCHEMA_SQL } from './load-log-schema.js';
import { STANDIN_SCHEMA as S } from './system-objects-rewrite.js';

/** Who ran a COPY: the client's backend session (its pid is Redshift's session id). */
export interface CopySession {
  pid: number;
  userId: number | null;
  transactionId: number | null;
  database: string;
}

export interface LoadErrorRecord {
  tableId: number | null;
  fileName?: string;
  lineNumber?: number;
  columnName?: string;
  columnType?: string;
  columnLength?: string;
  position?: number;
  rawLine?: string;
  rawFieldValue?: string;
  errorCode: number;
  errorMessage: string;
}

export interface CopyEnd {
  status: 'completed' | 'failed';
  tableId: number | null;
  tableName: string;
  rows: number;
  bytes: number;
  files: string[];
  notHonoured: string[];
  errorMessage?: string;
}

/** A serialisation key so that two stand-ins never create the schema at the same moment. */
const SCHEMA_LOCK = 0x7273_6574;

export class LoadLog {
  private readonly pool: pg.Pool;
  private schema: Promise<void> | undefined;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 2, idleTimeoutMillis: 5_000 });
    // An idle client that loses its server (the test database is dropped) must not crash the process.
    this.pool.on('error', () => undefined);
  }

  /** Creates the rsetl_standin schema, once per stand-in and database. */
  ensureSchema(): Promise<void> {
    this.schema ??= this.inTransaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await c.query(LOAD_LOG_SCHEMA_SQL);
    }).catch((e) => {
      this.schema = undefined;
      throw e;
    });
    return this.schema;
  }

  /** Registers a starting COPY and returns its query id (unique across sessions and stand-ins). */
  async begin(session: CopySession): Promise<number> {
    await this.ensureSchema();
    const r = await this.pool.query<{ query_id: string }>(
      `INSERT INTO ${S}.copy_log (query_id, transaction_id, session_id, user_id, database_name)
       VALUES (nextval('${S}.query_id'), $1, $2, $3, $4) RETURNING query_id`,
      [session.transactionId, session.pid, session.userId, session.database],
    );
    return Number(r.rows[0]!.query_id);
  }

  async end(queryId: number, end: CopyEnd): Promise<void> {
    await this.pool.query(
      `UPDATE ${S}.copy_log SET end_time = clock_timestamp(), status = $2, table_id = $3, table_name = $4,
         loaded_rows = $5, loaded_bytes = $6, source_files = $7, not_honoured = $8, error_message = $9
       WHERE query_id = $1`,
      [queryId, end.status, end.tableId, end.tableName, end.rows, end.bytes, end.files, end.notHonoured, end.errorMessage ?? null],
    );
  }

  async recordError(queryId: number, e: LoadErrorRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${S}.load_error (query_id, transaction_id, session_id, user_id, database_name, table_id, start_time,
         file_name, line_number, column_name, column_type, column_length, position, raw_line, raw_field_value,
         error_code, error_message)
       SELECT l.query_id, l.transaction_id, l.session_id, l.user_id, l.database_name, $2, l.start_time,
         $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
       FROM ${S}.copy_log l WHERE l.query_id = $1`,
      [
        queryId, e.tableId, e.fileName ?? '', e.lineNumber ?? 0, e.columnName ?? '', e.columnType ?? '',
        e.columnLength ?? '', e.position ?? 0, e.rawLine ?? '', e.rawFieldValue ?? '', e.errorCode, e.errorMessage,
      ],
    );
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private async inTransaction(work: (c: pg.PoolClient) => Promise<void>): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await work(c);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }
}
