// Entry point of the `rsetl` binary: parse, run, exit with the code the command chose.
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { exitCodeFor, usageErrorFromCommander } from './exit-codes.js';
import { createOutput } from './render.js';
import { describeError } from './exit-codes.js';
import { ignoreClosedPipes } from './closed-pipes.js';

ignoreClosedPipes();
const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    const mapped = usageErrorFromCommander(e);
    if (mapped) createOutput({ json: process.argv.includes('--json') }).error(describeError(mapped));
    process.exitCode = mapped === undefined ? 0 : exitCodeFor(mapped);
  } else {
    createOutput({ json: process.argv.includes('--json') }).error(describeError(e));
    process.exitCode = exitCodeFor(e);
  }
}
