// SIGINT/SIGTERM during a poll: the first signal asks the loop to stop at the next safe point
// (after the current load's transaction commits or rolls back; locks are released on the way out);
// a second signal of either kind exits at once. SIGPIPE and SIGHUP keep Node's defaults.

export interface StopSignals {
  requested: () => boolean;
  signal: () => 'SIGINT' | 'SIGTERM' | undefined;
  dispose: () => void;
}

/** The stop signal this process received, if any: a Data API statement in flight is cancelled then. */
let received: 'SIGINT' | 'SIGTERM' | undefined;
export const stopRequested = (): boolean => received !== undefined;

export function installStopSignals(): StopSignals {
  let got: 'SIGINT' | 'SIGTERM' | undefined;
  let done = false;
  const handler = (sig: 'SIGINT' | 'SIGTERM') => {
    if (got || done) process.exit(sig === 'SIGINT' ? 130 : 143);
    got = sig;
    received = sig;
    process.stderr.write(`rsetl: ${sig} received, stopping after the current load (again to force)\n`);
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    requested: () => got !== undefined,
    signal: () => got,
    // After the work is done a signal still ends the process with its code (never Node's default
    // death by signal, which would report no exit status to cron).
    dispose: () => {
      done = true;
    },
  };
}

/** Resolves on the first SIGINT/SIGTERM (for `dev up`, which just waits). */
export function untilSignal(): Promise<'SIGINT' | 'SIGTERM'> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}
