// Which backend answers belong to which client request. PostgreSQL answers strictly in order and
// ends each simple Query, and each extended batch at its Sync, with one ReadyForQuery; a
// "segment" is what the client sent up to such a point. Knowing the segment lets the session
// hide answers to statements it slipped in (the ParseComplete/BindComplete of an error-raising
// statement that replaces a rejected Parse), clean its own errors, or drop the connection once a
// statement has run (injected faults).

export interface Segment {
  parsesSent: number;
  bindsSent: number;
  parsesSeen: number;
  bindsSeen: number;
  /** Indexes (within the segment) of ParseComplete/BindComplete answers to hide. */
  swallowParse: Set<number>;
  swallowBind: Set<number>;
  /** ErrorResponses here come from the stand-in's own DO block: remove its traces. */
  cleanErrors: boolean;
  /** Relay nothing of this segment; close the connection at its ReadyForQuery. */
  dropAtReady: boolean;
}

export interface Verdict {
  relay: boolean;
  clean: boolean;
  closeConnection: boolean;
}

const PARSE = 0x50;
const BIND = 0x42;
const QUERY = 0x51;
const SYNC = 0x53;
const PARSE_COMPLETE = 0x31;
const BIND_COMPLETE = 0x32;
const ERROR = 0x45;
const READY = 0x5a;

function fresh(): Segment {
  return {
    parsesSent: 0, bindsSent: 0, parsesSeen: 0, bindsSeen: 0,
    swallowParse: new Set(), swallowBind: new Set(), cleanErrors: false, dropAtReady: false,
  };
}

export class ResponseSegments {
  private readonly segments: Segment[] = [fresh()];
  private idleWaiters: (() => void)[] = [];

  /** The segment the client is still adding to. */
  get open(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Requests sent to the backend whose ReadyForQuery has not arrived yet. */
  get pending(): number {
    return this.segments.length - 1;
  }

  /** Records a message about to be sent to the backend. */
  sent(type: number): void {
    const open = this.open;
    if (type === PARSE) open.parsesSent++;
    else if (type === BIND) open.bindsSent++;
    else if (type === QUERY || type === SYNC) this.segments.push(fresh());
  }

  /** The next Parse and Bind sent belong to the stand-in: hide their completion messages. */
  hideNextParseAndBind(): void {
    this.open.swallowParse.add(this.open.parsesSent);
    this.open.swallowBind.add(this.open.bindsSent);
  }

  /** Decides what happens to one backend message. */
  received(type: number): Verdict {
    const head = this.segments[0]!;
    let hidden = false;
    if (type === PARSE_COMPLETE) hidden = head.swallowParse.has(head.parsesSeen++);
    else if (type === BIND_COMPLETE) hidden = head.swallowBind.has(head.bindsSeen++);
    const verdict = {
      relay: !hidden && !head.dropAtReady,
      clean: type === ERROR && head.cleanErrors,
      closeConnection: type === READY && head.dropAtReady,
    };
    if (type === READY) {
      if (this.segments.length > 1) this.segments.shift();
      else this.segments[0] = fresh();
      if (this.pending === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        waiters.forEach((w) => w());
      }
    }
    return verdict;
  }

  /** Resolves once every request sent so far has been answered. */
  whenIdle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
