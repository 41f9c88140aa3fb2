// Data API sessions (SessionKeepAliveSeconds / SessionId): one database connection kept open
// between statements, so temp tables and an explicit BEGIN … COMMIT carry from one call to the
// next, as on the service. A session runs one statement at a time: a statement sent while another
// runs is refused with the service's "Session is not available" (it does not queue), as is one
// sent to a session that closed. A session idle for its keep-alive is closed — its connection ends,
// so an open transaction rolls back — and none lives longer than the service's 24 hours.
import { randomUUID } from 'node:crypto';
import { DataConnection } from './data-api-connection.js';
import { invalid } from './data-api-input.js';
import type { DataApiTarget } from './data-api-target.js';

export type SessionState = 'AVAILABLE' | 'BUSY' | 'CLOSED';

export const MAX_SESSION_MS = 24 * 3600_000;

export class DataSession {
  readonly id = randomUUID();
  readonly createdAt = new Date();
  updatedAt = new Date();
  state: SessionState = 'AVAILABLE';
  currentStatementId: string | undefined;
  private connecting: Promise<DataConnection> | undefined;
  private connected: DataConnection | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly lifeTimer: NodeJS.Timeout;

  constructor(
    readonly target: DataApiTarget,
    public keepAliveSeconds: number,
  ) {
    this.lifeTimer = setTimeout(() => void this.close(), MAX_SESSION_MS);
    this.lifeTimer.unref();
  }

  /** Takes the session for a statement; refused when it runs another or has closed. */
  acquire(statementId: string, keepAliveSeconds: number | undefined): void {
    // A connection the server dropped (a restart, a killed backend) ends the session.
    if (this.connected?.isClosed) void this.close();
    if (this.state !== 'AVAILABLE') throw invalid('Session is not available');
    clearTimeout(this.idleTimer);
    if (keepAliveSeconds !== undefined) this.keepAliveSeconds = keepAliveSeconds;
    this.state = 'BUSY';
    this.currentStatementId = statementId;
    this.updatedAt = new Date();
  }

  /** The session's connection, opened by its first statement. */
  connection(): Promise<DataConnection> {
    this.connecting ??= DataConnection.open(this.target).then((c) => (this.connected = c));
    return this.connecting;
  }

  /** The statement ended: the keep-alive starts now; a connection that died closes the session. */
  async release(): Promise<void> {
    this.currentStatementId = undefined;
    this.updatedAt = new Date();
    if (this.state === 'CLOSED') return;
    const conn = await this.connecting?.catch(() => undefined);
    if (!conn || conn.isClosed || this.keepAliveSeconds === 0) return this.close();
    this.state = 'AVAILABLE';
    this.idleTimer = setTimeout(() => void this.close(), this.keepAliveSeconds * 1000);
    this.idleTimer.unref();
  }

  async close(): Promise<void> {
    this.state = 'CLOSED';
    this.updatedAt = new Date();
    clearTimeout(this.idleTimer);
    clearTimeout(this.lifeTimer);
    const conn = await this.connecting?.catch(() => undefined);
    await conn?.close();
  }
}

export class SessionStore {
  private readonly sessions = new Map<string, DataSession>();

  open(target: DataApiTarget, keepAliveSeconds: number): DataSession {
    // Closed sessions are remembered for a day (a late call is told "not available"), then forgotten.
    for (const [id, old] of this.sessions) {
      if (old.state === 'CLOSED' && Date.now() - old.updatedAt.getTime() > MAX_SESSION_MS) this.sessions.delete(id);
    }
    const s = new DataSession(target, keepAliveSeconds);
    this.sessions.set(s.id, s);
    return s;
  }

  /** A session to run on; the service's answers for one it never made and one that closed. */
  get(id: string): DataSession {
    const s = this.sessions.get(id);
    if (!s) throw invalid(`Session with Id: ${id} is invalid`);
    if (s.state === 'CLOSED') throw invalid('Session is not available');
    return s;
  }

  all(): DataSession[] {
    return [...this.sessions.values()];
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all().map((s) => s.close()));
  }
}
