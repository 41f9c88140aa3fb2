// One client connection of the stand-in and its own backend connection (its own PostgreSQL
// session, so temp tables, transactions and advisory locks are per client as on Redshift).
// Authentication passes through untouched, except for IAM logins (IAM:/IAMA:/IAMR: users with a
// temporary password from the local AWS control plane), which the stand-in checks itself
// (iam-login.ts); after it, every client message is either forwarded
// as is, forwarded rewritten (Redshift syntax), replaced by a statement that makes the backend
// raise Redshift's error (rejected SQL, injected faults, failed COPY), or answered by the
// stand-in itself (COPY from S3). Across statements and sessions it behaves as the chosen Redshift
// does: TRUNCATE commits the open transaction first (implicit-commit.ts), the backend session runs
// at the isolation of the stand-in's mode with PostgreSQL's serialization failures rewritten into
// Redshift's (isolation.ts), and the Serverless flavour has no STL_ views.
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TLSSocket, type SecureContext } from 'node:tls';
import { serialize } from 'pg-protocol';
import { BackendChannel } from './backend-channel.js';
import {
  authenticationCleartextPassword, commandComplete, negotiateProtocolVersion, notice, readyForQuery, withoutRaiseTraces,
  type TransactionStatus,
} from './backend-messages.js';
import type { BackendAccount } from './backend-login.js';
import { findCopyFromS3, parseCopyFromS3 } from './copy-command.js';
import { runCopyFromS3 } from './copy-load.js';
import type { Faults, FaultSpec } from './faults.js';
import { FrameReader, decodeParse, queryText } from './frames.js';
import { iamLogin } from './iam-login.js';
import { overlongIdentifierIn } from './identifier-length.js';
import { runCatalogChecks } from './catalog-checks.js';
import { findImplicitCommit, type ImplicitCommit } from './implicit-commit.js';
import type { StandinFlavour, StandinIsolation } from './index.js';
import { isolationStartupOption, redshiftIsolationError } from './isolation.js';
import { TransactionWrites, type ClusterLatency } from './latency.js';
import type { LoadLog } from './load-log.js';
import { ResponseSegments } from './response-segments.js';
import type { S3Source } from './s3-source.js';
import { raiseStatement } from './sql-literal.js';
import { tokenize, type Token } from '../../sql/tokens.js';
import { CANCEL_REQUEST, GSSENC_REQUEST, SSL_REQUEST, backendStartup, parseStartup, untypedCode, type Startup } from './startup.js';
import { sessionRecording, type SessionRecording } from './statement-recorder.js';
import type { StatementTransformer } from './statement-transform.js';
import { SYSTEM_OBJECT_HINT, serverlessMissingView } from './system-objects-rewrite.js';
import { isIamLoginName, type TemporaryCredentials } from './temporary-credentials.js';

export interface SessionContext {
  /** The backend, and the stand-in's own account on it (for the sessions of IAM logins). */
  backend: BackendAccount;
  credentials: TemporaryCredentials;
  /** The latency model (latency.ts): pauses, WLM slots and the commit queue, shared by all sessions. */
  latency: ClusterLatency;
  acceptedIamRoles?: string[];
  copyPath: 'auto' | 'exact';
  /** Set when the stand-in has a certificate: SSLRequest is then accepted. */
  tls: SecureContext | undefined;
  faults: Faults;
  transformer: StatementTransformer;
  isolation: StandinIsolation;
  flavour: StandinFlavour;
  s3: S3Source;
  logFor(database: string): LoadLog;
  onClose(session: StandinSession): void;
}

const PASSWORD = 0x70;
const Q = 0x51, P = 0x50, B = 0x42, D = 0x44, E = 0x45, C = 0x43, H = 0x48, S = 0x53, Z = 0x5a, K = 0x4b;

type Screened =
  | { kind: 'run'; sql: string }
  | { kind: 'raise'; code: string; message: string }
  | { kind: 'copy'; tokens: Token[] }
  | { kind: 'dropped' };

const EXTENDED_COPY = "COPY ... FROM 's3://...' is only emulated over the simple query protocol by the Redshift stand-in";
const MIXED_COPY = "COPY ... FROM 's3://...' must be sent alone in its query message to the Redshift stand-in";
const extendedImplicitCommit = (statement: string) =>
  `${statement} inside a transaction block is only emulated over the simple query protocol by the Redshift stand-in (it commits the open transaction first, as on Redshift)`;
const mixedImplicitCommit = (statement: string) =>
  `${statement} commits the open transaction on Redshift: inside a transaction block, or with BEGIN in the same query message, the Redshift stand-in needs it sent alone`;

export class StandinSession {
  private readonly clientFrames = new FrameReader(true);
  private readonly backendFrames = new FrameReader(false);
  private readonly segments = new ResponseSegments();
  private backend: Socket | undefined;
  private channel: BackendChannel | undefined;
  private phase: 'startup' | 'auth' | 'ready' = 'startup';
  /** Set while the stand-in itself authenticates an IAM login; undefined once its password came. */
  private iamStartup: Startup | undefined;
  private status: TransactionStatus = 'I';
  private pid = 0;
  private database = '';
  private backslashEscapes = true;
  private readonly queue: Buffer[] = [];
  private batch: Buffer[] = [];
  private draining = false;
  private dropAfterReady = false;
  private closed = false;
  /** Set when the suite records rsetl's statements (statement-recorder.ts). */
  private recording: SessionRecording | undefined;
  /** Whether the open transaction wrote (the commit queue), and the latency turns not yet given back. */
  private readonly writes = new TransactionWrites();
  private readonly latencyTurns = new Set<() => void>();

  /** The client's connection: the accepted socket, or the TLS socket over it after an SSLRequest. */
  private client: Socket;
  private readonly onData = (chunk: Buffer) => this.onClientData(chunk);

  constructor(
    private readonly raw: Socket,
    private readonly ctx: SessionContext,
  ) {
    this.client = raw;
    raw.setNoDelay(true);
    this.watch(raw);
  }

  private watch(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('error', () => this.close());
    socket.on('close', () => {
      this.close();
      this.ctx.onClose(this);
    });
  }

  /** Ends both connections at once (injected faults, protocol errors, the stand-in's close()). */
  close(): void {
    this.stop();
    this.client.destroy();
    this.raw.destroy();
  }

  /** The backend ended the session: the client still gets what was sent (a FATAL error, say). */
  private backendGone(): void {
    this.stop();
    this.client.end();
  }

  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.backend?.destroy();
    this.channel?.fail(new Error('connection closed'));
    for (const give of this.latencyTurns) give();
    this.latencyTurns.clear();
  }

  private onClientData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.clientFrames.push(chunk);
    } catch {
      return this.close();
    }
    for (const f of frames) {
      if (this.phase === 'startup') this.onFirstMessage(f);
      else if (this.phase === 'auth' && this.iamStartup && f[0] === PASSWORD) this.onIamPassword(f);
      else if (this.phase === 'auth' && this.backend) this.toBackend(f);
      else this.queue.push(f);
    }
    void this.drain();
  }

  private onFirstMessage(f: Buffer): void {
    const code = untypedCode(f);
    if (code === SSL_REQUEST && this.ctx.tls) {
      // 'S', then the TLS handshake on the same socket; the startup message follows inside TLS.
      // The client sends nothing between the two, so no plaintext byte can be left behind.
      this.raw.write('S');
      this.raw.off('data', this.onData);
      this.client = new TLSSocket(this.raw, { isServer: true, secureContext: this.ctx.tls });
      this.watch(this.client);
      this.clientFrames.untyped = true;
      return;
    }
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      this.client.write('N');
      this.clientFrames.untyped = true;
      return;
    }
    const { host, port } = this.ctx.backend;
    if (code === CANCEL_REQUEST) {
      // BackendKeyData passed through unchanged, so the backend recognises its own pid and key.
      const s = connect({ host, port }, () => s.end(f));
      s.on('error', () => s.destroy());
      return this.close();
    }
    const startup = parseStartup(f);
    this.recording = sessionRecording(startup.params);
    this.database = startup.params.database ?? startup.params.user ?? '';
    this.phase = 'auth';
    // Protocol 3.2 and later minor versions are answered as 3.0, which is all Redshift speaks.
    if ((startup.version & 0xffff) > 0) this.client.write(negotiateProtocolVersion(0));
    if (isIamLoginName(startup.params.user ?? '')) {
      this.iamStartup = startup;
      this.client.write(authenticationCleartextPassword());
      return;
    }
    this.attachBackend(connect({ host, port }));
    this.backend!.write(backendStartup(this.withIsolation(startup.params)));
  }

  /** The client's startup parameters plus the option that sets the stand-in's isolation mode. */
  private withIsolation(params: Record<string, string>): Record<string, string> {
    const option = isolationStartupOption(this.ctx.isolation);
    if (!option) return params;
    return { ...params, options: params.options ? `${params.options} ${option}` : option };
  }

  private attachBackend(backend: Socket): void {
    backend.setNoDelay(true);
    backend.on('data', (chunk) => this.onBackendData(chunk));
    backend.on('error', () => this.backendGone());
    backend.on('close', () => this.backendGone());
    this.backend = backend;
    this.channel = new BackendChannel(backend);
  }

  /** The client's password for an IAM login: checked here, then the session opens as the mapped user. */
  private onIamPassword(f: Buffer): void {
    const startup = this.iamStartup!;
    this.iamStartup = undefined;
    const password = f.toString('utf8', 5, f.length - 1);
    const backendStartupParams = { ...startup, params: this.withIsolation(startup.params) };
    void iamLogin(backendStartupParams, password, { credentials: this.ctx.credentials, backend: this.ctx.backend }).then((outcome) => {
      if (!outcome.ok) {
        if (!this.closed) this.client.end(outcome.error);
        return;
      }
      if (this.closed) {
        outcome.backend.destroy();
        return;
      }
      this.attachBackend(outcome.backend);
      this.pid = outcome.pid;
      this.phase = 'ready';
      this.status = 'I';
      this.client.cork();
      for (const m of outcome.greeting) {
        if (m[0] === S) this.trackParameter(m);
        this.toClient(m);
      }
      this.client.uncork();
      void this.drain();
    });
  }

  private onBackendData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.backendFrames.push(chunk);
    } catch {
      return this.close();
    }
    this.client.cork();
    for (const f of frames) this.onBackendFrame(f);
    this.client.uncork();
  }

  private onBackendFrame(f: Buffer): void {
    const type = f[0]!;
    if (type === S) this.trackParameter(f);
    if (this.phase === 'auth') {
      if (type === K) this.pid = f.readInt32BE(5);
      if (type === Z) {
        this.phase = 'ready';
        this.status = String.fromCharCode(f[5]!) as TransactionStatus;
        void this.drain();
      }
      return this.toClient(f);
    }
    if (this.channel?.active) return this.channel.deliver(f);
    const verdict = this.segments.received(type);
    if (type === Z) this.status = String.fromCharCode(f[5]!) as TransactionStatus;
    if (verdict.closeConnection) return this.close();
    if (!verdict.relay) return;
    const relayed = verdict.clean ? withoutRaiseTraces(f) : f;
    this.toClient((type === E && redshiftIsolationError(relayed, this.ctx.isolation, this.pid)) || relayed);
  }

  private async drain(): Promise<void> {
    if (this.draining || this.phase !== 'ready') return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const pending = this.onClientMessage(this.queue.shift()!);
        if (pending) await pending;
      }
    } catch {
      this.close();
    } finally {
      this.draining = false;
    }
  }

  private onClientMessage(f: Buffer): Promise<void> | undefined {
    this.recording?.fromClient(f);
    switch (f[0]) {
      case Q:
        return this.onQuery(f);
      case P: case B: case D: case E: case C:
        this.batch.push(f);
        return undefined;
      case H: case S:
        this.batch.push(f);
        return this.flushBatch(f[0] === S);
      default:
        // CopyData/CopyDone/CopyFail of COPY FROM STDIN, Terminate, FunctionCall: pass through.
        this.forward(f);
        return undefined;
    }
  }

  private async onQuery(f: Buffer): Promise<void> {
    const text = queryText(f);
    const done = await this.latencyBefore([text]);
    try {
      const s = await this.screen(text, false);
      if (s.kind === 'raise') this.raise(s.code, s.message);
      else if (s.kind === 'copy') await this.runCopy(s.tokens);
      else if (s.kind === 'run') this.forward(s.sql === text ? f : serialize.query(s.sql));
    } finally {
      done();
    }
  }

  /** An extended-protocol batch, up to its Sync (or Flush): Parse messages are screened and rewritten. */
  private async flushBatch(sync: boolean): Promise<void> {
    const frames = this.batch;
    this.batch = [];
    const done = sync ? await this.latencyBefore(frames.filter((f) => f[0] === P).map((f) => decodeParse(f).text)) : undefined;
    try {
      for (const f of frames) {
        if (f[0] !== P) {
          this.forward(f);
          continue;
        }
        const parse = decodeParse(f);
        const s = await this.screen(parse.text, true);
        if (s.kind === 'dropped') return;
        if (s.kind === 'raise') this.raiseInBatch(s.code, s.message);
        else if (s.kind === 'run') {
          this.forward(s.sql === parse.text ? f : serialize.parse({ name: parse.name, text: s.sql, types: parse.types }));
        }
      }
    } finally {
      done?.();
    }
  }

  /**
   * The latency model before a request (latency.ts): its WLM slot, the statement pause, and for a
   * commit its turn in the commit queue. The returned function gives slot and turn back once the
   * backend has answered the request (or the session ends). Without queues or limits, only the pause.
   */
  private async latencyBefore(texts: string[]): Promise<() => void> {
    const model = this.ctx.latency;
    if (!model.queues) {
      await this.pause(model.statementMs);
      return () => undefined;
    }
    // The transaction status this request starts from is the one after the earlier requests' answers.
    await this.segments.whenIdle();
    const give = await model.before(this.pid, this.writes.plan(texts, this.status, this.backslashEscapes));
    if (this.closed) {
      give();
      return () => undefined;
    }
    this.latencyTurns.add(give);
    return () => {
      void this.segments.whenIdle().then(() => {
        this.latencyTurns.delete(give);
        give();
      });
    };
  }

  /** Decides what becomes of one statement text: injected faults first, then Redshift's rules. */
  private async screen(text: string, extended: boolean): Promise<Screened> {
    const spec = this.ctx.faults.take(text);
    await spec?.before?.();
    const fault = this.applyFault(spec);
    if (fault) return fault;
    const copy = findCopyFromS3(text, this.backslashEscapes);
    if (copy.kind !== 'none') {
      if (extended) return { kind: 'raise', code: '0A000', message: EXTENDED_COPY };
      if (copy.kind === 'mixed') return { kind: 'raise', code: '0A000', message: MIXED_COPY };
      const overlong = overlongIdentifierIn(copy.tokens);
      return overlong ? { kind: 'raise', ...overlong } : { kind: 'copy', tokens: copy.tokens };
    }
    const missing = this.missingSystemView(text);
    if (missing) return { kind: 'raise', code: '42P01', message: `relation "${missing}" does not exist` };
    const t = this.ctx.transformer.transform(text, this.backslashEscapes);
    if (t.rejected) return { kind: 'raise', ...t.rejected };
    if (t.outsideTransactionOnly && (await this.inTransactionBlock())) {
      return { kind: 'raise', code: '25001', message: `${t.outsideTransactionOnly} cannot run inside a transaction block` };
    }
    if (t.checks) {
      // Rules the catalog decides (catalog-checks.ts), on the client's own session and transaction.
      const refused = await runCatalogChecks(t.checks, this.channel!, await this.inTransactionBlock());
      if (refused) return { kind: 'raise', ...refused };
    }
    const commit = findImplicitCommit(text, this.backslashEscapes);
    if (commit.kind !== 'none') {
      const refused = await this.commitBefore(commit, extended);
      if (refused) return refused;
    }
    if (t.usesStandinSchema) await this.ctx.logFor(this.database).ensureSchema();
    return { kind: 'run', sql: t.sql };
  }

  /** In the Serverless flavour, the STL_ view the statement reads (Serverless has none). */
  private missingSystemView(text: string): string | undefined {
    if (this.ctx.flavour !== 'serverless' || !SYSTEM_OBJECT_HINT.test(text)) return undefined;
    return serverlessMissingView(tokenize(text, { backslashEscapes: this.backslashEscapes }));
  }

  /**
   * Before a statement that commits its transaction on Redshift (TRUNCATE): inside a transaction
   * block, COMMIT what is open, so the statement then runs outside one and a later ROLLBACK undoes
   * nothing. A failing COMMIT (a serialization failure, say) is the statement's error. Returns the
   * error to raise instead of the statement, or undefined to run it.
   */
  private async commitBefore(commit: Exclude<ImplicitCommit, { kind: 'none' }>, extended: boolean): Promise<Screened | undefined> {
    const inBlock = await this.inTransactionBlock();
    if (commit.kind === 'mixed') {
      return inBlock || commit.opensTransaction ? { kind: 'raise', code: '0A000', message: mixedImplicitCommit(commit.statement) } : undefined;
    }
    // In an aborted transaction the backend refuses the statement itself (25P02), as Redshift does.
    if (!inBlock || this.status === 'E') return undefined;
    if (extended) return { kind: 'raise', code: '0A000', message: extendedImplicitCommit(commit.statement) };
    const r = await this.channel!.query('COMMIT');
    this.status = r.status;
    if (r.error) return { kind: 'raise', code: r.error.code ?? 'XX000', message: r.error.message };
    return undefined;
  }

  /** Applies an injected fault: the statement is dropped or raises, or runs and then loses its connection. */
  private applyFault(fault: FaultSpec | undefined): Screened | undefined {
    if (!fault) return undefined;
    if (fault.dropConnection === 'before') {
      this.close();
      return { kind: 'dropped' };
    }
    if (fault.error) return { kind: 'raise', ...fault.error };
    if (fault.dropConnection === 'after') this.dropAfterReady = true;
    return undefined;
  }

  private async runCopy(tokens: Token[]): Promise<void> {
    await this.pause(this.ctx.latency.copyMs);
    const parsed = parseCopyFromS3(tokens);
    if (!parsed.ok) return this.raise(parsed.code, parsed.message);
    await this.segments.whenIdle();
    // In an aborted transaction the backend answers any statement with its own 25P02 error.
    if (this.status === 'E') return this.raise('25P02', 'current transaction is aborted');
    const outcome = await runCopyFromS3(
      this.channel!,
      parsed.command,
      { pid: this.pid, database: this.database, status: this.status },
      { s3: this.ctx.s3, log: this.ctx.logFor(this.database), acceptedIamRoles: this.ctx.acceptedIamRoles, copyPath: this.ctx.copyPath },
    );
    if (!outcome.ok) return this.raise(outcome.code, outcome.message, outcome.detail);
    this.status = outcome.status;
    if (this.dropAfterReady) return this.close();
    const message = `Load into table '${outcome.table}' completed, ${outcome.rows} record(s) loaded successfully.`;
    this.client.cork();
    this.toClient(notice({ S: 'INFO', V: 'INFO', C: '00000', M: message }));
    this.toClient(commandComplete(`COPY ${outcome.rows}`));
    this.toClient(readyForQuery(outcome.status));
    this.client.uncork();
  }

  /** Whether the session is inside BEGIN ... END once every earlier request has been answered. */
  private async inTransactionBlock(): Promise<boolean> {
    await this.segments.whenIdle();
    return this.status !== 'I';
  }

  /** Replaces a simple query by one that makes the backend raise the error (and abort the transaction). */
  private raise(code: string, message: string, detail?: string): void {
    this.segments.open.cleanErrors = true;
    this.forward(serialize.query(raiseStatement(code, message, detail)));
  }

  /** Replaces a rejected Parse by Parse/Bind/Execute of the raising statement; the backend then skips to Sync. */
  private raiseInBatch(code: string, message: string): void {
    this.segments.open.cleanErrors = true;
    this.segments.hideNextParseAndBind();
    this.forward(serialize.parse({ text: raiseStatement(code, message) }));
    this.forward(serialize.bind({}));
    this.forward(serialize.execute({}));
  }

  private forward(f: Buffer): void {
    const type = f[0]!;
    if ((type === Q || type === S) && this.dropAfterReady) {
      this.segments.open.dropAtReady = true;
      this.dropAfterReady = false;
    }
    this.segments.sent(type);
    this.toBackend(f);
  }

  private trackParameter(f: Buffer): void {
    const nameEnd = f.indexOf(0, 5);
    if (f.toString('utf8', 5, nameEnd) === 'standard_conforming_strings') {
      this.backslashEscapes = f.toString('utf8', nameEnd + 1, f.indexOf(0, nameEnd + 1)) !== 'on';
    }
  }

  private async pause(ms: number): Promise<void> {
    if (ms > 0) await sleep(ms);
  }

  private toClient(f: Uint8Array): void {
    this.recording?.toClient(f[0]);
    if (this.closed || this.client.write(f)) return;
    const backend = this.backend;
    if (!backend || backend.isPaused()) return;
    backend.pause();
    this.client.once('drain', () => backend.resume());
  }

  private toBackend(f: Uint8Array): void {
    const backend = this.backend;
    if (this.closed || !backend || backend.write(f)) return;
    if (this.client.isPaused()) return;
    this.client.pause();
    backend.once('drain', () => this.client.resume());
  }
}
