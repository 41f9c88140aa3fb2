// Large reads take turns (docs/design.md#read-turns). A load holds everything it has combined
// until its end, so buses that read large windows side by side hold several loads' worth of
// memory at once, while gaining nothing: reading, transforming and staging run on the process's
// one JavaScript thread, so two large reads at once take as long as one after the other. Only
// the warehouse half of a load (COPY, commit: waiting on Redshift) gains from running side by
// side, and it holds next to nothing. A poll pass therefore lets one bus at a time read beyond its
// first page; the others wait with one page read (a load whose window fits a page never waits).
//
// Once the pass is stopping (a stop signal, or another bus's error ended it), a turn is refused:
// a load that has read only its first page gives it up, as nothing of it was staged for Redshift,
// rather than hold the stop up for as long as a whole read of its own.

/**
 * Waits for the turn (calling `onWait` first if another holds it); resolves with the function
 * that ends the turn (calling it again does nothing), or with null when the pass is stopping.
 */
export type ReadTurn = (onWait?: () => void) => Promise<(() => void) | null>;

/** A load gave its read up because the pass is stopping: not a failure, the bus stays due. */
export class ReadGivenUp extends Error {
  constructor(readonly busId: number) {
    super(`bus ${busId}: the load gave up its read, the poll is stopping`);
  }
}

/** One turn at a time, granted in the order asked for; none once `stopping()`. */
export function readTurns(stopping: () => boolean = () => false): ReadTurn {
  let last: Promise<void> = Promise.resolve();
  /** Turns asked for and not yet ended. */
  let open = 0;
  return async (onWait) => {
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const before = last;
    last = before.then(() => ended);
    if (open++ > 0) onWait?.();
    await before;
    let done = false;
    const endTurn = () => {
      if (done) return;
      done = true;
      open--;
      end();
    };
    if (!stopping()) return endTurn;
    endTurn();
    return null;
  };
}
