// One database connection of the Data API to the stand-in: the login of a statement, or of a
// session that keeps it open. Values come back as the server's text (rows as arrays), which
// data-api-records.ts turns into the service's typed fields; a running query is cancelled the
// way a driver does it, with a CancelRequest on a new socket (the stand-in passes it on).
import { connect } from 'node:net';
import pg from 'pg';
import type { DataApiTarget } from './data-api-target.js';

/** The text of every value as the server sent it: typing is the Data API's own business. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

const CANCEL_REQUEST_CODE = 80877102;

export interface RawResult {
  command: string;
  rowCount: number | null;
  fields: pg.FieldDef[];
  rows: Array<Array<string | null>>;
}

export class DataConnection {
  private closed = false;
  /** What data-api-records.ts looked up about columns and types, kept for the connection's life. */
  readonly metadataCache = new Map<string, unknown>();

  private constructor(
    private readonly client: pg.Client,
    private readonly target: DataApiTarget,
  ) {
    client.on('error', () => {
      this.closed = true;
    });
    client.on('end', () => {
      this.closed = true;
    });
  }

  static async open(target: DataApiTarget): Promise<DataConnection> {
    const client = new pg.Client({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
      types: RAW_TEXT,
    });
    // A login refused by the stand-in rejects connect(); the client is not kept.
    client.on('error', () => undefined);
    await client.connect();
    return new DataConnection(client, target);
  }

  /** The backend's process id: the statement's RedshiftPid. */
  get pid(): number {
    return (this.client as unknown as { processID: number | null }).processID ?? 0;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async query(sql: string): Promise<RawResult> {
    try {
      const r = await this.client.query({ text: sql, rowMode: 'array' });
      return { command: r.command, rowCount: r.rowCount, fields: r.fields, rows: r.rows as Array<Array<string | null>> };
    } catch (e) {
      // A FATAL error (the backend was terminated) or one without a server code (the socket
      // ended) leaves no connection behind, whether or not the client's 'end' event came yet.
      const { severity, code } = e as { severity?: string; code?: string };
      if (!code || severity === 'FATAL' || severity === 'PANIC') this.closed = true;
      throw e;
    }
  }

  /** Asks the server to cancel what runs on this connection now (a no-op when nothing runs). */
  cancel(): Promise<void> {
    const { processID, secretKey } = this.client as unknown as { processID: number | null; secretKey: number | null };
    if (processID === null || secretKey === null || this.closed) return Promise.resolve();
    const packet = Buffer.alloc(16);
    packet.writeInt32BE(16, 0);
    packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
    packet.writeInt32BE(processID, 8);
    packet.writeInt32BE(secretKey, 12);
    return new Promise((resolve) => {
      const s = connect({ host: this.target.host, port: this.target.port }, () => s.end(packet));
      s.on('close', () => resolve());
      s.on('error', () => {
        s.destroy();
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.end().catch(() => undefined);
  }
}
