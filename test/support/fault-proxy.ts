// An in-repo TCP fault proxy (node:net) for the fault-injection tests (docs/faults.md#harness): it
// sits between rsetl and a server (the Redshift stand-in, the local S3) and, switchable at run
// time, forwards bytes as they come, late (`latency`), not at all while keeping the sockets open
// (`blackhole`), or kills connections with a TCP RST (`reset`) or after a byte budget
// (`closeAfterBytes`). A trigger (`onClientData`) fires when the client sends bytes that match,
// e.g. the simple-query message of `COMMIT`, so a test can lose a connection right after (or
// right before) a chosen statement reaches the server. These are Toxiproxy's `latency`,
// `timeout`, `reset_peer` and `limit_data` toxics; no Toxiproxy binary exists on this machine.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { listenLocal } from '../../src/localstack/free-port.js';

/** What a trigger does to the connection whose client sent the matching bytes. */
export type TriggerAction = 'reset' | 'close' | 'blackhole' | ((conn: ProxyConnection, chunk: Buffer) => void);

export interface TriggerOptions {
  /**
   * Whether the matching bytes reach the server before the action (default true): `true` is
   * "the connection dies right after COMMIT was sent" (the server commits, the client never
   * hears), `false` "right before" (the server never sees it and rolls back).
   */
  deliver?: boolean;
  /** Matches to let pass before the trigger fires (default 0: the first match fires). */
  skip?: number;
  /** How many times the trigger fires (default 1). */
  times?: number;
}

export interface ProxyConnection {
  readonly id: number;
  /** Client → server and server → client bytes forwarded so far. */
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** RST to the client; the server side is closed too (after its answer, when a chunk was just delivered). */
  reset(): void;
  /** FIN to the client; the server side as for reset(). */
  close(): void;
  /** Stops forwarding in both directions; both sockets stay open. */
  blackhole(): void;
}

export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /** `http://host:port` of the proxy (an S3 endpoint). */
  readonly endpoint: string;
  /** The URL with its host and port replaced by the proxy's (a connection string). */
  url(original: string): string;
  /** Back to plain forwarding: clears latency, blackhole, reset and closeAfterBytes (not the triggers). */
  passThrough(): FaultProxy;
  /** Every chunk, both ways, is forwarded `ms` later (order kept). */
  latency(ms: number): FaultProxy;
  /** Nothing is forwarded any more, on open and new connections; the sockets stay open; bytes are dropped. */
  blackhole(): FaultProxy;
  /**
   * Every open connection is reset (RST to the client). With `persist`, every new connection is
   * reset as soon as it is accepted too, until passThrough().
   */
  reset(opts?: { persist?: boolean }): FaultProxy;
  /**
   * Each connection (open ones counting from now, new ones from their start) is closed once `n`
   * bytes have been forwarded on it (`direction`: both ways together by default), with a FIN, or
   * an RST with `reset`. The chunk that crosses the budget is cut at it.
   */
  closeAfterBytes(n: number, opts?: { direction?: 'up' | 'down' | 'both'; reset?: boolean }): FaultProxy;
  /**
   * Fires `action` when a client sends bytes matching `match` (a RegExp tested on the bytes read
   * as latin1, or a byte sequence). Matching sees each chunk with the previous chunk's tail, so a
   * short pattern split across two TCP reads is still found.
   */
  onClientData(match: RegExp | Buffer, action: TriggerAction, opts?: TriggerOptions): FaultProxy;
  clearTriggers(): FaultProxy;
  /** Resolves when triggers have fired `n` times in total (default 1). */
  fired(n?: number): Promise<void>;
  readonly stats: { accepted: number; open: number; triggered: number; resets: number };
  /** Stops listening and destroys every connection and timer: no handle is left behind. */
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  target: { host: string; port: number };
  /** Default 127.0.0.1 and a free port. */
  host?: string;
  port?: number;
}

interface Trigger {
  match: RegExp | Buffer;
  action: TriggerAction;
  deliver: boolean;
  skip: number;
  left: number;
}

const TAIL_BYTES = 256;

/** Target of a URL (`postgres://u:p@h:5439/db`, `http://h:9000`). */
export function targetOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : u.protocol === 'http:' ? 80 : 5432));
  return { host: u.hostname, port };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const conns = new Set<Conn>();
  /** Every socket until it closes, also those of connections already given up (close() ends them all). */
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  let triggers: Trigger[] = [];
  let latencyMs = 0;
  let blackholed = false;
  let resetNew = false;
  let budget: { n: number; direction: 'up' | 'down' | 'both'; reset: boolean } | undefined;
  const stats = { accepted: 0, open: 0, triggered: 0, resets: 0 };
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let nextId = 1;

  const noteFired = () => {
    stats.triggered++;
    for (const w of [...waiters]) {
      if (stats.triggered >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };

  class Conn implements ProxyConnection {
    readonly id = nextId++;
    bytesUp = 0;
    bytesDown = 0;
    /** Bytes left before closeAfterBytes closes this connection (undefined: no budget). */
    left: number | undefined;
    private dead = false;
    private holed = false;
    private tail = Buffer.alloc(0);
    private readonly timers = new Set<NodeJS.Timeout>();
    /** When the next delayed chunk may be written, per direction (keeps order under latency). */
    private readonly due = { up: 0, down: 0 };
    private connected = false;
    private readonly early: Buffer[] = [];
    /** After a delivered trigger chunk: the server side lives until it answers. */
    private lingering: NodeJS.Timeout | undefined;

    constructor(
      readonly client: Socket,
      readonly upstream: Socket,
    ) {
      if (budget) this.left = budget.n;
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      client.on('data', (chunk: Buffer) => this.fromClient(chunk));
      upstream.on('data', (chunk: Buffer) => this.fromServer(chunk));
      upstream.once('connect', () => {
        this.connected = true;
        for (const c of this.early.splice(0)) this.send(upstream, c, 'up');
      });
      const gone = () => this.destroy();
      client.on('error', gone);
      upstream.on('error', gone);
      client.on('close', () => {
        if (!this.lingering) this.destroy();
      });
      upstream.on('close', () => this.endClient());
      client.on('end', () => {
        if (!this.dead && !this.holed) upstream.end();
      });
    }

    private fromClient(chunk: Buffer): void {
      if (this.dead) return;
      const seen = Buffer.concat([this.tail, chunk]);
      this.tail = seen.subarray(Math.max(0, seen.length - TAIL_BYTES));
      const trigger = this.holed || blackholed ? undefined : takeTrigger(seen);
      if (trigger && !trigger.deliver) {
        noteFired();
        return this.act(trigger.action, chunk, false);
      }
      this.forward(chunk, 'up');
      if (trigger) {
        noteFired();
        this.act(trigger.action, chunk, true);
      }
    }

    private fromServer(chunk: Buffer): void {
      if (this.lingering) {
        // The server answered the delivered chunk; nobody is listening any more.
        this.destroyUpstreamSoon(0);
        return;
      }
      if (this.dead) return;
      this.forward(chunk, 'down');
    }

    private forward(chunk: Buffer, dir: 'up' | 'down'): void {
      if (this.holed || blackholed) return;
      let out = chunk;
      let exhausted = false;
      const counts = budget && (budget.direction === 'both' || budget.direction === dir);
      if (this.left !== undefined && counts) {
        if (out.length >= this.left) {
          out = out.subarray(0, this.left);
          exhausted = true;
        }
        this.left -= out.length;
      }
      if (dir === 'up') this.bytesUp += out.length;
      else this.bytesDown += out.length;
      const dst = dir === 'up' ? this.upstream : this.client;
      if (dir === 'up' && !this.connected) this.early.push(out);
      else if (out.length > 0) this.send(dst, out, dir);
      if (exhausted) {
        const reset = budget?.reset ?? false;
        this.afterWrites(() => (reset ? this.reset() : this.close()));
      }
    }

    private send(dst: Socket, chunk: Buffer, dir: 'up' | 'down'): void {
      if (latencyMs <= 0 && this.timers.size === 0) {
        this.write(dst, chunk, dir);
        return;
      }
      const at = Math.max(Date.now() + latencyMs, this.due[dir]);
      this.due[dir] = at;
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (!this.dead) this.write(dst, chunk, dir);
      }, at - Date.now());
      this.timers.add(t);
    }

    private write(dst: Socket, chunk: Buffer, dir: 'up' | 'down'): void {
      if (dst.destroyed) return;
      if (!dst.write(chunk)) {
        // Backpressure: stop reading the other side until this one drains (once per stall).
        const src = dir === 'up' ? this.client : this.upstream;
        if (src.isPaused()) return;
        src.pause();
        dst.once('drain', () => src.resume());
      }
    }

    /** Runs `fn` once every delayed write has gone out. */
    private afterWrites(fn: () => void): void {
      if (this.timers.size === 0) return fn();
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.afterWrites(fn);
      }, 5);
      this.timers.add(t);
    }

    private act(action: TriggerAction, chunk: Buffer, delivered: boolean): void {
      if (typeof action === 'function') return action(this, chunk);
      if (action === 'blackhole') return this.blackhole();
      if (delivered) {
        // The server got the chunk: let it run it and answer, then close the server side.
        this.lingering = setTimeout(() => this.destroyUpstreamSoon(0), 2000);
      }
      if (action === 'reset') this.reset();
      else this.close();
    }

    private destroyUpstreamSoon(ms: number): void {
      if (this.lingering) clearTimeout(this.lingering);
      this.lingering = undefined;
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.destroy();
      }, ms);
      this.timers.add(t);
    }

    reset(): void {
      if (this.dead) return;
      stats.resets++;
      this.dead = true;
      if (!this.client.destroyed) {
        try {
          this.client.resetAndDestroy();
        } catch {
          this.client.destroy();
        }
      }
      if (!this.lingering) this.destroy();
    }

    close(): void {
      if (this.dead) return;
      this.dead = true;
      this.client.end();
      this.client.destroySoon();
      if (!this.lingering) this.destroy();
    }

    blackhole(): void {
      this.holed = true;
    }

    private endClient(): void {
      if (this.lingering) {
        clearTimeout(this.lingering);
        this.lingering = undefined;
      }
      if (this.dead || this.holed) return this.destroy();
      this.afterWrites(() => {
        this.client.end();
        this.destroy();
      });
    }

    destroy(): void {
      this.dead = true;
      if (this.lingering) clearTimeout(this.lingering);
      this.lingering = undefined;
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      // The server side ends with a FIN after what was already forwarded (or is waiting for the
      // connect): a budget's last bytes still arrive, and the server sees the client go away.
      if (!this.upstream.destroyed && !this.upstream.writableEnded) {
        if (this.connected) this.upstream.end();
        else this.upstream.once('connect', () => this.upstream.end());
      }
      if (!this.client.destroyed && this.client.writableEnded) this.client.destroySoon();
      else if (!this.client.destroyed) this.client.destroy();
      if (conns.delete(this)) stats.open--;
    }

    /** Forcibly, for close(). */
    kill(): void {
      this.destroy();
      this.client.destroy();
      this.upstream.destroy();
    }
  }

  function takeTrigger(seen: Buffer): Trigger | undefined {
    for (const t of triggers) {
      const hit = Buffer.isBuffer(t.match)
        ? seen.includes(t.match)
        : ((t.match.lastIndex = 0), t.match.test(seen.toString('latin1')));
      if (!hit) continue;
      if (t.skip > 0) {
        t.skip--;
        continue;
      }
      if (--t.left <= 0) triggers = triggers.filter((x) => x !== t);
      return t;
    }
    return undefined;
  }

  const server: Server = createServer((client) => {
    stats.accepted++;
    track(client);
    if (resetNew) {
      stats.resets++;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(options.target.port, options.target.host);
    track(upstream);
    const c = new Conn(client, upstream);
    conns.add(c);
    stats.open++;
  });
  const port = await listenLocal(server, options.port, options.host);
  const host = options.host ?? '127.0.0.1';

  let closing: Promise<void> | undefined;
  const proxy: FaultProxy = {
    host,
    port,
    endpoint: `http://${host}:${port}`,
    url(original) {
      const u = new URL(original);
      u.hostname = host;
      u.port = String(port);
      return u.toString();
    },
    passThrough() {
      latencyMs = 0;
      blackholed = false;
      resetNew = false;
      budget = undefined;
      for (const c of conns) c.left = undefined;
      return proxy;
    },
    latency(ms) {
      latencyMs = Math.max(0, ms);
      return proxy;
    },
    blackhole() {
      blackholed = true;
      return proxy;
    },
    reset(opts = {}) {
      if (opts.persist) resetNew = true;
      for (const c of [...conns]) c.reset();
      return proxy;
    },
    closeAfterBytes(n, opts = {}) {
      budget = { n: Math.max(0, n), direction: opts.direction ?? 'both', reset: opts.reset ?? false };
      for (const c of conns) c.left = budget.n;
      return proxy;
    },
    onClientData(match, action, opts = {}) {
      triggers.push({ match, action, deliver: opts.deliver ?? true, skip: opts.skip ?? 0, left: opts.times ?? 1 });
      return proxy;
    },
    clearTriggers() {
      triggers = [];
      return proxy;
    },
    fired(n = 1) {
      if (stats.triggered >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    stats,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const c of [...conns]) c.kill();
        for (const socket of [...sockets]) socket.destroy();
        await stopped;
      })();
      return closing;
    },
  };
  return proxy;
}
