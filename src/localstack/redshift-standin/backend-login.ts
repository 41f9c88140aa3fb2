// The stand-in opening a backend session under its OWN credentials (the backend URL's user), for
// clients it authenticated itself (IAM logins): the startup, the backend's password exchange
// (SCRAM-SHA-256, MD5 or cleartext, whichever the backend asks for), and then statements that run
// before the client sees the session (create the user, join groups, SET SESSION AUTHORIZATION).
// The client never sees any of it except the session's final parameters and key data.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { serialize } from 'pg-protocol';
import { decodeFields } from './backend-messages.js';
import { FrameReader } from './frames.js';

export interface BackendAccount {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** A backend error during the login, with its protocol fields (C code, M message, ...). */
export class BackendLoginError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(fields.M ?? 'backend login failed');
  }
}

export interface BackendSession {
  socket: Socket;
  /** ParameterStatus frames, one per parameter with its latest value, in first-seen order. */
  parameters: Buffer[];
  /** The BackendKeyData frame (cancel requests go to the backend with it unchanged). */
  keyData: Buffer | undefined;
  pid: number;
}

const R = 0x52, S = 0x53, K = 0x4b, E = 0x45, Z = 0x5a;

/** Frames of the backend socket, one at a time, until the login hands the socket over. */
class FrameQueue {
  private readonly reader = new FrameReader(false);
  private readonly frames: Buffer[] = [];
  private waiter: { resolve: (f: Buffer) => void; reject: (e: Error) => void } | undefined;
  private failed: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    try {
      for (const f of this.reader.push(chunk)) this.frames.push(Buffer.from(f));
    } catch (e) {
      this.failed = e as Error;
    }
    this.wake();
  };
  private readonly onEnd = (e?: Error) => {
    this.failed ??= e ?? new Error('the backend closed the connection during login');
    this.wake();
  };
  private readonly onClose = () => this.onEnd();

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('error', this.onEnd);
    socket.on('close', this.onClose);
  }

  next(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.wake();
    });
  }

  /** Stops reading; the session attaches its own listeners next. */
  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onEnd);
    this.socket.off('close', this.onClose);
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    const f = this.frames.shift();
    if (f) {
      this.waiter = undefined;
      w.resolve(f);
    } else if (this.failed) {
      this.waiter = undefined;
      w.reject(this.failed);
    }
  }
}

function cstrings(frame: Buffer, from: number): string[] {
  const out: string[] = [];
  for (let at = from; at < frame.length && frame[at] !== 0; ) {
    const end = frame.indexOf(0, at);
    out.push(frame.toString('utf8', at, end));
    at = end + 1;
  }
  return out;
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

/** SCRAM-SHA-256 as PostgreSQL speaks it (RFC 5802/7677, no channel binding; the user is in the startup). */
async function scram(queue: FrameQueue, socket: Socket, mechanisms: string[], password: string): Promise<void> {
  if (!mechanisms.includes('SCRAM-SHA-256')) throw new Error(`the backend offers no SASL mechanism the stand-in speaks: ${mechanisms.join(', ')}`);
  const nonce = randomBytes(18).toString('base64');
  const clientFirstBare = `n=*,r=${nonce}`;
  socket.write(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', `n,,${clientFirstBare}`));
  const first = await expectAuth(queue, 11);
  const serverFirst = first.toString('utf8', 9);
  const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
  if (!attrs.r?.startsWith(nonce) || !attrs.s || !attrs.i) throw new Error('the backend sent an invalid SCRAM server-first message');
  const salted = pbkdf2Sync(password.normalize('NFKC'), Buffer.from(attrs.s, 'base64'), Number(attrs.i), 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const withoutProof = `c=biws,r=${attrs.r}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  socket.write(serialize.sendSCRAMClientFinalMessage(`${withoutProof},p=${proof.toString('base64')}`));
  const final = (await expectAuth(queue, 12)).toString('utf8', 9);
  const expected = hmac(hmac(salted, 'Server Key'), authMessage);
  const given = Buffer.from(final.replace(/^v=/, ''), 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('the backend sent a wrong SCRAM server signature');
}

async function expectAuth(queue: FrameQueue, code: number): Promise<Buffer> {
  const f = await queue.next();
  if (f[0] === E) throw new BackendLoginError(decodeFields(f));
  if (f[0] !== R || f.readInt32BE(5) !== code) throw new Error(`unexpected backend message during login (${String.fromCharCode(f[0]!)})`);
  return f;
}

/**
 * Connects to the backend as `account.user` with `startup` (the client's startup parameters with
 * that user), answers the backend's authentication, then runs `setupSql` and waits for it.
 */
export async function openBackendSession(account: BackendAccount, startup: Buffer, setupSql: string): Promise<BackendSession> {
  const socket = connect({ host: account.host, port: account.port });
  socket.setNoDelay(true);
  const queue = new FrameQueue(socket);
  const parameters = new Map<string, Buffer>();
  let keyData: Buffer | undefined;
  try {
    socket.write(startup);
    for (;;) {
      const f = await queue.next();
      if (f[0] === E) throw new BackendLoginError(decodeFields(f));
      if (f[0] === S) parameters.set(cstrings(f, 5)[0]!, f);
      else if (f[0] === K) keyData = f;
      else if (f[0] === Z) break;
      else if (f[0] === R) {
        const code = f.readInt32BE(5);
        if (code === 3) socket.write(serialize.password(account.password));
        else if (code === 5) {
          const inner = createHash('md5').update(account.password + account.user).digest('hex');
          socket.write(serialize.password('md5' + createHash('md5').update(inner).update(f.subarray(9, 13)).digest('hex')));
        } else if (code === 10) await scram(queue, socket, cstrings(f, 9), account.password);
        else if (code !== 0) throw new Error(`the backend asks for an authentication the stand-in does not speak (code ${code})`);
      }
    }
    socket.write(serialize.query(setupSql));
    let error: Record<string, string> | undefined;
    for (;;) {
      const f = await queue.next();
      if (f[0] === E) error ??= decodeFields(f);
      else if (f[0] === S) parameters.set(cstrings(f, 5)[0]!, f);
      else if (f[0] === Z) break;
    }
    if (error) throw new BackendLoginError(error);
    queue.detach();
    return { socket, parameters: [...parameters.values()], keyData, pid: keyData ? keyData.readInt32BE(5) : 0 };
  } catch (e) {
    queue.detach();
    socket.destroy();
    throw e;
  }
}
