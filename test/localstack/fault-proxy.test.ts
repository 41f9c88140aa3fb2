// The TCP fault proxy on its own, against a small echo server (and PostgreSQL for the COMMIT trigger).
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, targetOf, type FaultProxy } from '../support/fault-proxy.js';
import { newDatabase } from '../support/databases.js';
import { waitFor } from '../support/wait-for.js';

let echo: Server;
let echoPort: number;
/** Every byte the echo server received, per connection, in order. */
const received: Buffer[][] = [];
let proxy: FaultProxy | undefined;
/**
 * How long a test waits for something that is bound to happen (bytes, an RST, a FIN): a passing
 * test never waits it out. Windows in which nothing may happen (a blackhole) stay short.
 */
const EVENT_MS = 10_000;

beforeAll(async () => {
  echo = createServer((s) => {
    const mine: Buffer[] = [];
    received.push(mine);
    s.on('data', (d) => {
      mine.push(d);
      s.write(d);
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((r) => echo.close(() => r()));
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function start(): Promise<FaultProxy> {
  proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: echoPort } });
  return proxy;
}

interface Client {
  socket: Socket;
  data: () => string;
  /** Resolves with how the connection ended: 'end' (FIN), an error code (ECONNRESET), or 'open' after `ms`. */
  ending: (ms: number) => Promise<string>;
  /** Resolves when at least `n` bytes arrived, or rejects after `ms` (default EVENT_MS). */
  bytes: (n: number, ms?: number) => Promise<string>;
}

async function client(p: FaultProxy, opts: { refused?: boolean } = {}): Promise<Client> {
  const socket = connect(p.port, p.host);
  let ended: string | undefined;
  if (opts.refused) socket.on('error', (e: NodeJS.ErrnoException) => (ended = e.code ?? e.message));
  else await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  let buf = '';
  socket.on('data', (d) => (buf += d.toString('latin1')));
  socket.on('end', () => (ended ??= 'end'));
  socket.on('error', (e: NodeJS.ErrnoException) => (ended = e.code ?? e.message));
  socket.on('close', () => (ended ??= 'close'));
  return {
    socket,
    data: () => buf,
    async ending(ms) {
      const until = Date.now() + ms;
      while (ended === undefined && Date.now() < until) await sleep(10);
      return ended ?? 'open';
    },
    async bytes(n, ms = EVENT_MS) {
      const until = Date.now() + ms;
      while (buf.length < n && Date.now() < until) await sleep(5);
      if (buf.length < n) throw new Error(`only ${buf.length} of ${n} bytes arrived: ${JSON.stringify(buf)}`);
      return buf;
    },
  };
}

const handles = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout').length;

describe('the fault proxy', () => {
  it('forwards both ways in pass-through, and counts', async () => {
    const p = await start();
    const c = await client(p);
    c.socket.write('hello');
    expect(await c.bytes(5)).toBe('hello');
    expect(p.stats).toMatchObject({ accepted: 1, open: 1 });
    expect(targetOf('postgres://u:p@10.1.2.3:5439/db')).toEqual({ host: '10.1.2.3', port: 5439 });
    expect(p.url('postgres://u:p@10.1.2.3:5439/db')).toBe(`postgres://u:p@127.0.0.1:${p.port}/db`);
    expect(p.endpoint).toBe(`http://127.0.0.1:${p.port}`);
    c.socket.destroy();
  });

  it('carries a large transfer intact both ways (backpressure)', async () => {
    const p = await start();
    const c = await client(p);
    const big = Buffer.alloc(6 * 1024 * 1024, 'abcdefghij');
    c.socket.write(big);
    const got = await c.bytes(big.length);
    expect(got.length).toBe(big.length);
    expect(got === big.toString('latin1')).toBe(true);
    c.socket.destroy();
  });

  it('delays every chunk by the latency, in order, and stops delaying after passThrough', async () => {
    const p = await start();
    const c = await client(p);
    p.latency(1000);
    const t0 = Date.now();
    c.socket.write('a');
    await sleep(20); // two chunks, not one
    c.socket.write('b');
    expect(await c.bytes(2)).toBe('ab');
    // Up and down: two delays at least.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1990);
    p.passThrough();
    const t1 = Date.now();
    c.socket.write('c');
    await c.bytes(3);
    // Not delayed either way: one delay alone would have taken a second.
    expect(Date.now() - t1).toBeLessThan(1000);
    c.socket.destroy();
  });

  it('blackholes: nothing gets through, the socket stays open, and new bytes flow after passThrough', async () => {
    const p = await start();
    const c = await client(p);
    p.blackhole();
    c.socket.write('lost');
    expect(await c.ending(300)).toBe('open');
    expect(c.data()).toBe('');
    p.passThrough();
    c.socket.write('kept');
    expect(await c.bytes(4)).toBe('kept');
    c.socket.destroy();
  });

  it('resets open connections with an RST, and with persist every new one until passThrough', async () => {
    const p = await start();
    const c = await client(p);
    c.socket.write('x');
    await c.bytes(1);
    p.reset();
    expect(await c.ending(EVENT_MS)).toBe('ECONNRESET');

    p.reset({ persist: true });
    const refused = await client(p, { refused: true });
    expect(await refused.ending(EVENT_MS)).toBe('ECONNRESET');
    p.passThrough();
    const ok = await client(p);
    ok.socket.write('fine');
    expect(await ok.bytes(4)).toBe('fine');
    expect(p.stats.resets).toBe(2);
    ok.socket.destroy();
  });

  it('closes a connection after a byte budget, cutting the chunk that crosses it', async () => {
    const p = await start();
    p.closeAfterBytes(6, { direction: 'down' });
    const c = await client(p);
    c.socket.write('0123456789');
    expect(await c.ending(EVENT_MS)).toBe('end');
    expect(c.data()).toBe('012345');

    p.closeAfterBytes(3, { direction: 'up', reset: true });
    const r = await client(p);
    r.socket.write('abcdef');
    expect(await r.ending(EVENT_MS)).toBe('ECONNRESET');
    expect(Buffer.concat(received.at(-1)!).toString()).toBe('abc');
  });

  it('fires a trigger on matching client bytes: after delivering them, or instead of delivering them', async () => {
    const p = await start();
    p.onClientData(/COMMIT/, 'reset');
    const a = await client(p);
    a.socket.write('BEGIN;');
    await a.bytes(6);
    a.socket.write('COMMIT;');
    expect(await a.ending(EVENT_MS)).toBe('ECONNRESET');
    await p.fired(1);
    // The server got COMMIT (and answered it to nobody).
    await waitFor('the server to receive the delivered bytes', async () => Buffer.concat(received.at(-1)!).length >= 'BEGIN;COMMIT;'.length, EVENT_MS);
    expect(Buffer.concat(received.at(-1)!).toString()).toBe('BEGIN;COMMIT;');

    p.onClientData(Buffer.from('COMMIT'), 'close', { deliver: false });
    const b = await client(p);
    b.socket.write('BEGIN;');
    await b.bytes(6);
    b.socket.write('COMMIT;');
    expect(await b.ending(EVENT_MS)).toBe('end');
    expect(Buffer.concat(received.at(-1)!).toString()).toBe('BEGIN;');
    expect(p.stats.triggered).toBe(2);
  });

  it('skips matches, fires a given number of times, blackholes one connection, and calls a function action', async () => {
    const p = await start();
    const seen: string[] = [];
    p.onClientData(/PUT/, (conn, chunk) => seen.push(`${conn.id}:${chunk.toString()}`), { skip: 1, times: 2 });
    const c = await client(p);
    for (const w of ['PUT1', 'PUT2', 'PUT3', 'PUT4']) {
      c.socket.write(w);
      await c.bytes(c.data().length + 4);
    }
    expect(seen).toEqual([`${1}:PUT2`, `${1}:PUT3`]);

    p.onClientData(/hang/, 'blackhole');
    const h = await client(p);
    const other = await client(p);
    h.socket.write('hang');
    expect(await h.ending(200)).toBe('open');
    expect(h.data()).toBe('hang'.slice(0, 0));
    other.socket.write('alive');
    expect(await other.bytes(5)).toBe('alive');
    c.socket.destroy();
    h.socket.destroy();
    other.socket.destroy();
  });

  it('finds a pattern split across two reads', async () => {
    const p = await start();
    p.onClientData(/COMMIT/, 'reset', { deliver: false });
    const c = await client(p);
    c.socket.write('COM');
    await c.bytes(3);
    c.socket.write('MIT');
    expect(await c.ending(EVENT_MS)).toBe('ECONNRESET');
  });

  it('leaves no socket, server or timer behind after close()', async () => {
    const before = handles();
    const p = await startFaultProxy({ target: { host: '127.0.0.1', port: echoPort } });
    p.latency(1000);
    const c = await client(p);
    c.socket.write('pending');
    const hung = await client(p);
    p.blackhole();
    hung.socket.write('x');
    await sleep(20);
    await p.close();
    expect(await c.ending(EVENT_MS)).not.toBe('open');
    expect(await hung.ending(EVENT_MS)).not.toBe('open');
    // The client sockets close a moment after their end was seen.
    await waitFor('the sockets and timers to be released', async () => handles() <= before, EVENT_MS).catch(() => undefined);
    expect(handles()).toBeLessThanOrEqual(before);
  });

  it('loses a PostgreSQL connection right after COMMIT was sent: the server committed', async () => {
    const url = await newDatabase('proxy');
    const p = await start();
    await p.close();
    proxy = await startFaultProxy({ target: targetOf(url) });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('create table t (n int)');
    for (const deliver of [true, false]) {
      const c = new pg.Client({ connectionString: proxy.url(url) });
      c.on('error', () => undefined);
      await c.connect();
      proxy.onClientData(/COMMIT/, 'reset', { deliver });
      await c.query('BEGIN');
      await c.query('insert into t values ($1)', [deliver ? 1 : 2]);
      await expect(c.query('COMMIT')).rejects.toThrow();
      await c.end().catch(() => undefined);
    }
    // Wait for the server to finish with the dropped sessions (the one that never sent COMMIT rolls back as it ends).
    await waitFor('the dropped sessions to end', async () =>
      (await admin.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`)).rows[0].n === 0, EVENT_MS);
    const rows = await admin.query('select n from t order by n');
    expect(rows.rows.map((r) => r.n)).toEqual([1]);
    await admin.end();
  });
});
