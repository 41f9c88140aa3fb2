// Statements the stand-in runs itself on a client's own backend session (for COPY from S3), so
// they see the client's open transaction and temp tables. While one runs, the session hands every
// backend message to this channel instead of relaying it to the client.
import type { Socket } from 'node:net';
import { serialize } from 'pg-protocol';
import type { BackendMessage, DataRowMessage, DatabaseError } from 'pg-protocol/dist/messages.js';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { TransactionStatus } from './backend-messages.js';

export interface InternalResult {
  /** Rows of the last result set, as text. */
  rows: (string | null)[][];
  /** Every result set of the query text, in order (`rows` is the last one). */
  sets: (string | null)[][][];
  /** Tag of the last CommandComplete (`INSERT 0 5`). */
  command?: string;
  error?: DatabaseError;
  status: TransactionStatus;
}

export class BackendChannel {
  private readonly parser = new Parser();
  private consumer: ((m: BackendMessage) => void) | undefined;
  private failPending: ((e: Error) => void) | undefined;
  private closedError: Error | undefined;

  constructor(private readonly socket: Socket) {}

  /** True while an internal statement is waiting for its answer. */
  get active(): boolean {
    return this.consumer !== undefined;
  }

  deliver(frame: Buffer): void {
    this.parser.parse(frame, (m) => this.consumer?.(m));
  }

  /** The backend connection is gone: fails the running statement and every later one. */
  fail(error: Error): void {
    this.closedError = error;
    this.consumer = undefined;
    this.failPending?.(error);
  }

  /** Runs one simple-protocol query text (it may hold several statements). */
  query(sql: string): Promise<InternalResult> {
    return this.run(sql, () => undefined).done;
  }

  /**
   * Runs `COPY ... FROM STDIN` and streams `source` as its data, respecting the backend socket's
   * backpressure. A failing source aborts the COPY with CopyFail and is returned as `sourceError`.
   */
  async copyIn(sql: string, source: AsyncIterable<Buffer>): Promise<InternalResult & { sourceError?: unknown }> {
    let started!: (ok: boolean) => void;
    const copyStarted = new Promise<boolean>((resolve) => (started = resolve));
    const run = this.run(sql, (m, result) => {
      if (m.name === 'copyInResponse') started(true);
      else if (m.name === 'error' || m.name === 'readyForQuery') started(false);
      return result.error !== undefined;
    });
    if (!(await Promise.race([copyStarted, run.done.then(() => false)]))) return run.done;
    let sourceError: unknown;
    try {
      for await (const chunk of source) {
        if (run.sawError()) break;
        await this.write(serialize.copyData(chunk));
      }
    } catch (e) {
      sourceError = e;
    }
    this.socket.write(sourceError === undefined ? serialize.copyDone() : serialize.copyFail(String((sourceError as Error)?.message ?? sourceError)));
    return { ...(await run.done), sourceError };
  }

  private run(sql: string, observe: (m: BackendMessage, r: InternalResult) => unknown) {
    const result: InternalResult = { rows: [], sets: [], status: 'I' };
    const done = new Promise<InternalResult>((resolve, reject) => {
      if (this.closedError) return reject(this.closedError);
      this.failPending = reject;
      this.consumer = (m) => {
        if (m.name === 'rowDescription') result.sets.push((result.rows = []));
        else if (m.name === 'dataRow') result.rows.push((m as DataRowMessage).fields as (string | null)[]);
        else if (m.name === 'commandComplete') result.command = (m as unknown as { text: string }).text;
        else if (m.name === 'error') result.error ??= m as DatabaseError;
        observe(m, result);
        if (m.name === 'readyForQuery') {
          result.status = (m as unknown as { status: TransactionStatus }).status;
          this.consumer = undefined;
          this.failPending = undefined;
          resolve(result);
        }
      };
      this.socket.write(serialize.query(sql));
    });
    return { done, sawError: () => result.error !== undefined };
  }

  private async write(buf: Buffer): Promise<void> {
    if (this.closedError) throw this.closedError;
    if (this.socket.write(buf)) return;
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.socket.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        this.socket.off('drain', onDrain);
        reject(this.closedError ?? new Error('backend connection closed'));
      };
      this.socket.once('drain', onDrain);
      this.socket.once('close', onClose);
    });
  }
}
