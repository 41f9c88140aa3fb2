// The stand-in's latency model (for the bench and tests of concurrency): what a statement costs on
// a real cluster whatever PostgreSQL takes, and the two places where a cluster makes sessions wait
// for each other:
// - a fixed pause per statement (`statementMs`) and per COPY from S3 (`copyMs`, on top);
// - WLM slots (`maxConcurrentStatements`): at most that many statements execute at once across all
//   sessions, the others queue in arrival order. Transaction control, LOCK and SET/SHOW/RESET run
//   on Redshift's leader node and take no slot here: a session holding locks can always COMMIT, so
//   a lock wait in a slot cannot stall the cluster;
// - the commit queue (`commitMs`): Redshift commits one transaction at a time, cluster-wide. The
//   COMMIT/END of a transaction that wrote, and a write outside a transaction block (autocommit),
//   wait their turn, hold it for `commitMs` and until the backend has answered, one at a time. (An
//   autocommit write takes its turn before it runs, so it holds the queue while it executes too:
//   coarser than Redshift, which queues only its commit; rsetl's loads write inside BEGIN … COMMIT.)
// Every option defaults to 0 (no pause, no limit, no queue): the stand-in then behaves as without it.
import { setTimeout as sleep } from 'node:timers/promises';
import { isSignificant, splitStatements, tokenize } from '../../sql/tokens.js';

export interface StandinLatency {
  /** Pause before each statement (a simple query, or an extended batch at its Sync). */
  statementMs?: number;
  /** Further pause before each COPY from S3. */
  copyMs?: number;
  /** Each commit of a transaction that wrote holds the cluster-wide commit queue this long. */
  commitMs?: number;
  /** WLM slots: statements executing at once across all sessions (0 = unlimited). */
  maxConcurrentStatements?: number;
}

/** One turn in the commit queue or in a WLM slot, as the stand-in saw it (Date.now() ms). */
export interface LatencyTurn {
  /** The backend pid of the session. */
  pid: number;
  /** When it asked for the turn, when it got it, and when it gave it back. */
  queuedAt: number;
  start: number;
  end: number;
}

/** What the latency model recorded since the stand-in started (the latest 10,000 turns of each kind). */
export interface LatencyRecord {
  commits: LatencyTurn[];
  statements: LatencyTurn[];
  /** Most statements that held a WLM slot at once / that ever waited for one. */
  peakRunning: number;
  queuedStatements: number;
}

const KEEP = 10_000;
/** Statements Redshift runs on the leader node: no WLM slot. */
const LEADER = new Set(['BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'LOCK', 'SET', 'SHOW', 'RESET', 'DEALLOCATE', 'DISCARD']);
const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY', 'CREATE', 'DROP', 'ALTER', 'TRUNCATE', 'GRANT', 'REVOKE', 'REFRESH', 'COMMENT']);

/** A FIFO semaphore of `size` permits. */
class Turns {
  private held = 0;
  private readonly waiting: (() => void)[] = [];
  peak = 0;
  queued = 0;

  constructor(private readonly size: number) {}

  async take(): Promise<void> {
    if (this.held >= this.size) {
      this.queued++;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.held++;
    this.peak = Math.max(this.peak, this.held);
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held--;
  }
}

/** The cluster-wide part of the model, shared by every session of one stand-in. */
export class ClusterLatency {
  readonly statementMs: number;
  readonly copyMs: number;
  readonly commitMs: number;
  readonly maxConcurrentStatements: number;
  private readonly slots: Turns | undefined;
  private readonly commitQueue: Turns | undefined;
  private readonly commits: LatencyTurn[] = [];
  private readonly statements: LatencyTurn[] = [];

  constructor(options: StandinLatency = {}) {
    const ms = (v: number | undefined, name: string) => {
      if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new Error(`latency.${name}: expected a number >= 0, got ${v}`);
      return v ?? 0;
    };
    this.statementMs = ms(options.statementMs, 'statementMs');
    this.copyMs = ms(options.copyMs, 'copyMs');
    this.commitMs = ms(options.commitMs, 'commitMs');
    this.maxConcurrentStatements = Math.floor(ms(options.maxConcurrentStatements, 'maxConcurrentStatements'));
    this.slots = this.maxConcurrentStatements > 0 ? new Turns(this.maxConcurrentStatements) : undefined;
    this.commitQueue = this.commitMs > 0 ? new Turns(1) : undefined;
  }

  /** Whether statements need classifying at all (a queue or a limit is set). */
  get queues(): boolean {
    return this.slots !== undefined || this.commitQueue !== undefined;
  }

  record(): LatencyRecord {
    return {
      commits: [...this.commits],
      statements: [...this.statements],
      peakRunning: this.slots?.peak ?? 0,
      queuedStatements: this.slots?.queued ?? 0,
    };
  }

  /**
   * Before a statement is forwarded: waits for a WLM slot (when it needs one), pauses
   * `statementMs`, and for a commit waits its turn in the commit queue and pauses `commitMs`.
   * Returns what gives the slot and the turn back; the session calls it once the backend answered
   * (or the session ended). Calling it again does nothing.
   */
  async before(pid: number, plan: StatementPlan): Promise<() => void> {
    const releases: (() => void)[] = [];
    const release = () => {
      for (const r of releases.splice(0)) r();
    };
    try {
      if (plan.slot && this.slots) releases.push(await this.turn(this.slots, this.statements, pid));
      if (this.statementMs > 0) await sleep(this.statementMs);
      if (plan.commit && this.commitQueue) {
        releases.push(await this.turn(this.commitQueue, this.commits, pid));
        await sleep(this.commitMs);
      }
    } catch (e) {
      release();
      throw e;
    }
    return release;
  }

  private async turn(turns: Turns, log: LatencyTurn[], pid: number): Promise<() => void> {
    const queuedAt = Date.now();
    await turns.take();
    const entry: LatencyTurn = { pid, queuedAt, start: Date.now(), end: Number.NaN };
    let given = false;
    return () => {
      if (given) return;
      given = true;
      entry.end = Date.now();
      log.push(entry);
      if (log.length > KEEP) log.splice(0, log.length - KEEP);
      turns.give();
    };
  }
}

/** What one client request needs from the model. */
export interface StatementPlan {
  /** It executes on the compute nodes: a WLM slot. */
  slot: boolean;
  /** It commits a transaction that wrote: a turn in the commit queue. */
  commit: boolean;
}

/**
 * A session's view of its transaction for the commit queue: whether the open transaction block
 * has written. `plan` classifies one request (a simple query's text, or the Parse texts of an
 * extended batch; none: a prepared statement executed again) from the transaction status the
 * backend last reported.
 */
export class TransactionWrites {
  private wrote = false;

  plan(texts: string[], status: 'I' | 'T' | 'E', backslashEscapes: boolean): StatementPlan {
    if (texts.length === 0) return { slot: true, commit: false };
    let inBlock = status !== 'I';
    let failed = status === 'E';
    if (!inBlock) this.wrote = false;
    let slot = false;
    let commit = false;
    for (const text of texts) {
      for (const statement of splitStatements(tokenize(text, { backslashEscapes }))) {
        const first = statement.find(isSignificant);
        const word = first?.kind === 'word' ? first.text.toUpperCase() : '';
        if (!LEADER.has(word)) slot = true;
        if (word === 'BEGIN' || word === 'START') {
          inBlock = true;
          failed = false;
        } else if (word === 'COMMIT' || word === 'END') {
          if (inBlock && this.wrote && !failed) commit = true;
          inBlock = false;
          this.wrote = false;
        } else if (word === 'ROLLBACK' || word === 'ABORT') {
          inBlock = false;
          this.wrote = false;
        } else if (WRITES.has(word)) {
          if (inBlock) this.wrote = true;
          else commit = true;
        }
      }
    }
    return { slot, commit };
  }
}
