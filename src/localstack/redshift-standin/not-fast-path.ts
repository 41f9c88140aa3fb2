// The fast path of COPY FROM S3 (copy-text-rows.ts) gives up by throwing this.

/** The data needs the exact path: the fast path gives up (nothing of it may be kept). */
export class NotFastPath extends Error {
  constructor(reason: string) {
    super(`not on the fast path: ${reason}`);
  }
}
