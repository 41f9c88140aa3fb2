// Large reads take turns (docs/design.md#read-turns). A load holds everything it has combined
// until its end, so buses that read large windows side by side hold several loads' worth of
// memory at once, while gaining nothing: reading, transforming and staging run on the process's
// one JavaScript thread, so two large reads at once take as long as one after the other. Only
// the warehouse half of a load (COPY, commit: waiting on Redshift) gains from running side by
// side, and it holds next to nothing. A poll pass therefore lets one bus at a time read beyond its
// first page; the others wait with one page read (a load whose window fits a page never waits).

/**
 * Waits for the turn (calling `onWait` first if another holds it); resolves with the function
 * that ends the turn (calling it again does nothing).
 */
export type ReadTurn = (onWait?: () => void) => Promise<() => void>;

/** One turn at a time, granted in the order asked for. */
export function readTurns(): ReadTurn {
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
    return () => {
      if (done) return;
      done = true;
      open--;
      end();
    };
  };
}
