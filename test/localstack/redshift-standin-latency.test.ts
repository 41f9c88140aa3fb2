// The stand-in's latency model across sessions (latency.ts): Redshift's cluster-wide commit queue
// (a commit of a transaction that wrote holds it for `commitMs`, one at a time) and its WLM slots
// (at most `maxConcurrentStatements` statements execute at once; transaction control and LOCK take
// none). Ordering and overlap are read from the turns the stand-in records, never from upper bounds
// on wall-clock time.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LatencyTurn } from '../../src/localstack/redshift-standin/index.js';
import { startStandinFixture, type StandinFixture } from './standin-fixture.js';

/** The client's backend pid, from its BackendKeyData (the stand-in passes it through unchanged). */
function pidOf(c: pg.Client): number {
  return (c as unknown as { processID: number }).processID;
}

/** Turns sorted by start never overlap: each starts once the one before it ended. */
function expectOneAtATime(turns: LatencyTurn[]): void {
  const sorted = [...turns].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    expect(sorted[i]!.start, `turn ${i} started before turn ${i - 1} ended: ${JSON.stringify(sorted)}`).toBeGreaterThanOrEqual(sorted[i - 1]!.end);
  }
}

describe('commit queue (commitMs)', () => {
  let fx: StandinFixture;
  beforeAll(async () => {
    fx = await startStandinFixture('standin_commit_queue', { latency: { commitMs: 200 } });
    const c = await fx.connect();
    await c.query('CREATE TABLE t (id INTEGER, who VARCHAR(16))');
  });
  afterAll(async () => {
    await fx?.stop();
  });

  const commitsOf = (clients: pg.Client[]) => {
    const pids = new Set(clients.map(pidOf));
    return fx.standin.latencyRecord().commits.filter((t) => pids.has(t.pid));
  };

  it('three sessions committing at once take their turns one after another, commitMs each', async () => {
    const clients = await Promise.all([0, 1, 2].map(() => fx.connect()));
    for (const [i, c] of clients.entries()) {
      await c.query('BEGIN');
      await c.query(`INSERT INTO t VALUES (${i}, 'queue')`);
    }
    expect(commitsOf(clients), 'writes inside a transaction block wait for its COMMIT').toEqual([]);
    const t0 = Date.now();
    await Promise.all(clients.map((c) => c.query('COMMIT')));
    const total = Date.now() - t0;
    expect(total).toBeGreaterThanOrEqual(600);
    const commits = commitsOf(clients);
    expect(commits).toHaveLength(3);
    expect(new Set(commits.map((t) => t.pid)).size).toBe(3);
    for (const t of commits) expect(t.end - t.start).toBeGreaterThanOrEqual(200);
    expectOneAtATime(commits);
    const direct = await fx.direct();
    expect((await direct.query(`SELECT count(*)::int AS n FROM t WHERE who = 'queue'`)).rows[0].n).toBe(3);
  });

  it('only commits of transactions that wrote queue; a write outside a block (either protocol) commits and queues', async () => {
    const c = await fx.connect();
    await c.query('BEGIN');
    await c.query('SELECT count(*) FROM t');
    await c.query('COMMIT');
    await c.query('BEGIN');
    await c.query(`INSERT INTO t VALUES (10, 'rolled back')`);
    await c.query('ROLLBACK');
    // A failed transaction's COMMIT is a rollback.
    await c.query('BEGIN');
    await c.query(`INSERT INTO t VALUES (11, 'failed')`);
    await expect(c.query('SELECT nosuchcolumn FROM t')).rejects.toThrow();
    await c.query('COMMIT');
    expect(commitsOf([c]), 'read-only, rolled-back and failed transactions').toEqual([]);
    await c.query(`INSERT INTO t VALUES (12, 'autocommit')`);
    await c.query('INSERT INTO t VALUES ($1, $2)', [13, 'extended']);
    await c.query(`BEGIN; INSERT INTO t VALUES (14, 'one message'); COMMIT`);
    const commits = commitsOf([c]);
    expect(commits).toHaveLength(3);
    for (const t of commits) expect(t.end - t.start).toBeGreaterThanOrEqual(200);
  });
});

describe('WLM slots (maxConcurrentStatements)', () => {
  let fx: StandinFixture;
  beforeAll(async () => {
    fx = await startStandinFixture('standin_wlm', { latency: { maxConcurrentStatements: 1 } });
    const c = await fx.connect();
    await c.query('CREATE TABLE w (id INTEGER)');
  });
  afterAll(async () => {
    await fx?.stop();
  });

  const slotsOf = (clients: pg.Client[]) => {
    const pids = new Set(clients.map(pidOf));
    return fx.standin.latencyRecord().statements.filter((t) => pids.has(t.pid));
  };

  it('one slot: two sessions sleeping at once run one after the other', async () => {
    const [a, b] = await Promise.all([fx.connect(), fx.connect()]);
    const queuedBefore = fx.standin.latencyRecord().queuedStatements;
    const t0 = Date.now();
    await Promise.all([a!, b!].map((c) => c.query('SELECT pg_sleep(0.3)')));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
    const turns = slotsOf([a!, b!]);
    expect(turns).toHaveLength(2);
    for (const t of turns) expect(t.end - t.start).toBeGreaterThanOrEqual(300);
    expectOneAtATime(turns);
    // The second waited for the first: it was queued before its turn began.
    const [first, second] = [...turns].sort((x, y) => x.start - y.start);
    expect(second!.start - second!.queuedAt).toBeGreaterThan(0);
    expect(second!.queuedAt).toBeLessThan(first!.end);
    const record = fx.standin.latencyRecord();
    expect(record.peakRunning).toBe(1);
    expect(record.queuedStatements).toBeGreaterThan(queuedBefore);
  });

  it('transaction control and LOCK take no slot: a session waiting for a lock cannot stall the holder', async () => {
    const [holder, waiter] = await Promise.all([fx.connect(), fx.connect()]);
    await holder!.query('BEGIN');
    await holder!.query('LOCK w');
    await waiter!.query('BEGIN');
    const waiting = waiter!.query('LOCK w');
    // The waiter's LOCK is queued behind the holder's lock, not holding the only slot.
    await new Promise((r) => setTimeout(r, 200));
    await holder!.query('INSERT INTO w VALUES (1)');
    await holder!.query('COMMIT');
    await waiting;
    await waiter!.query('INSERT INTO w VALUES (2)');
    await waiter!.query('COMMIT');
    const direct = await fx.direct();
    expect((await direct.query('SELECT count(*)::int AS n FROM w')).rows[0].n).toBe(2);
    // Only the two INSERTs took a slot.
    expect(slotsOf([holder!, waiter!])).toHaveLength(2);
  });
});

describe('without commitMs and maxConcurrentStatements', () => {
  it('records no turns and limits nothing (the default)', async () => {
    const fx = await startStandinFixture('standin_no_queues', { latency: { statementMs: 10 } });
    try {
      const [a, b] = await Promise.all([fx.connect(), fx.connect()]);
      await a!.query('CREATE TABLE n (id INTEGER)');
      await Promise.all([a!, b!].map((c, i) => c.query(`INSERT INTO n VALUES (${i})`)));
      expect(fx.standin.latencyRecord()).toEqual({ commits: [], statements: [], peakRunning: 0, queuedStatements: 0 });
    } finally {
      await fx.stop();
    }
  });
});
