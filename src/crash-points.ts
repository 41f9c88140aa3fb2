// Named points where the fault-injection tests kill the process (SIGKILL, no cleanup), to prove
// that a load killed at any step ends, after the next poll, with every event loaded exactly once
// (docs/design.md#exactly-once, docs/design.md#crash-points).
//
// Inert in the published build: a point acts only when RSETL_CRASH_AT names it AND the test-only
// marker RSETL_TEST_HOOKS=1 is set, which only the test harnesses that spawn rsetl set
// (test/faults/harness.ts, test/integration/load-cycle.test.ts). A user who sets RSETL_CRASH_AT
// alone gets nothing: no kill, no message.

export type CrashPoint =
  | 'after-stage'
  | 'after-copy'
  /** COPY lanes: every lane committed its stage tables; the load's own transaction has not begun. */
  | 'after-lanes'
  | 'before-commit'
  | 'after-commit'
  | 'after-advance'
  /** Data API: the COMMIT was submitted; rsetl dies before it reads how it ended. */
  | 'commit-submitted';

export function crashPoint(name: CrashPoint): void {
  if (process.env.RSETL_CRASH_AT === name && process.env.RSETL_TEST_HOOKS === '1') process.kill(process.pid, 'SIGKILL');
}
