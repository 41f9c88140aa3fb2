// `rsetl doctor | head -1`: once the reader has gone, every write to the pipe fails with EPIPE,
// which Node raises as an 'error' event on process.stdout — unhandled, it kills the process
// with a stack trace in the middle of the work. The output is nobody's any more, but the work is
// still the operator's: writes to a closed stream are dropped, and the command finishes and exits
// with the code it would have had.

const GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export function ignoreClosedPipes(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (GONE.has(String(e.code))) return;
      // Anything else on stdout/stderr (a full disk behind a redirect) is not ours to hide, but
      // it must not crash the work either: note it once where it can still be seen.
      if (stream !== process.stderr && process.stderr.writable) process.stderr.write(`rsetl: output failed: ${e.message}\n`);
    });
  }
}
