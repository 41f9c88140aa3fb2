// Everything the bench starts (PostgreSQL, stacks, rsetl children, temp folders) registers how to
// undo it here; `cleanup()` runs the tasks newest first, on success, on failure and on SIGINT/SIGTERM.

type Task = { name: string; run: () => Promise<void> | void };

const tasks: Task[] = [];
let running: Promise<void> | undefined;

/** Registers an undo step; the returned function unregisters it (after doing it by hand). */
export function onCleanup(name: string, run: Task['run']): () => void {
  const task = { name, run };
  tasks.push(task);
  return () => {
    const i = tasks.indexOf(task);
    if (i >= 0) tasks.splice(i, 1);
  };
}

export function cleanup(): Promise<void> {
  running ??= (async () => {
    while (tasks.length > 0) {
      const t = tasks.pop()!;
      try {
        await t.run();
      } catch (e) {
        process.stderr.write(`bench cleanup: ${t.name}: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
  })().finally(() => {
    running = undefined;
  });
  return running;
}

/** SIGINT/SIGTERM stop the bench cleanly (children killed, servers stopped, folders removed). */
export function installSignalCleanup(): void {
  const handler = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
