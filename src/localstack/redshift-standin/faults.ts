// Failures injected by tests of failure handling: the next statement(s) matching a pattern fail
// with a chosen error, or lose their connection before or after the backend ran them (the lost
// COMMIT whose outcome the client cannot know), or first wait for something the test does to the
// world around the statement (delete or change a staged S3 object right before its COPY).

export interface FaultSpec {
  match: RegExp;
  error?: { code: string; message: string };
  dropConnection?: 'before' | 'after';
  /** Awaited before the statement is handled (then the statement runs, unless error/dropConnection say otherwise). */
  before?: () => Promise<void> | void;
  /** How many matching statements the fault hits; default 1. */
  times?: number;
}

export class Faults {
  private readonly active: { spec: FaultSpec; left: number }[] = [];

  add(spec: FaultSpec): void {
    if (!spec.error && !spec.dropConnection && !spec.before) throw new Error('injectFault needs `error`, `dropConnection` or `before`');
    this.active.push({ spec, left: spec.times ?? 1 });
  }

  clear(): void {
    this.active.length = 0;
  }

  /** The fault that hits this statement text, consuming one of its uses. */
  take(statement: string): FaultSpec | undefined {
    for (const [i, f] of this.active.entries()) {
      f.spec.match.lastIndex = 0;
      if (!f.spec.match.test(statement)) continue;
      if (--f.left <= 0) this.active.splice(i, 1);
      return f.spec;
    }
    return undefined;
  }
}
