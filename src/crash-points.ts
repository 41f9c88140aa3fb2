// Named points where the fault-injection tests kill the process (SIGKILL, no cleanup), to prove
// that a load killed at any step ends, after the next poll, with every event loaded exactly once
// (docs/design.md#exactly-once, docs/design.md#crash-points). Inert unless RSETL_CRASH_AT names the point.

export type CrashPoint =
  | 'after-stage'
  | 'after-copy'
  | 'before-commit'
  | 'after-commit'
  | 'after-advance'
  /** Data API: the COMMIT was submitted; rsetl dies before it reads how it ended. */
  | 'commit-submitted';

export function crashPoint(name: CrashPoint): void {
  if (process.env.RSETL_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}
