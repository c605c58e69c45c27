#!/usr/bin/env node
// The `rb` executable. Exit codes: 0 done, 1 failed, 2 bad usage or input, 3 not configured / not working.
import { CommanderError } from 'commander';
import { createProgram } from './cli/program.js';
import { EXIT, describeFailure, exitCodeOf } from './cli/output.js';

// The parts a command waits on (model workers, the Chroma child) deliberately do not keep a process alive; the
// command does, until it is done: otherwise Node could exit mid-await with code 13 when only those are pending.
const keepAlive = setInterval(() => undefined, 60_000);
try {
  await createProgram().parseAsync(process.argv);
  process.exitCode = EXIT.ok;
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version end with code 0 and are already printed; usage errors are printed by commander too.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    const message = describeFailure(error);
    if (message) process.stderr.write(`rb: ${message}\n`);
    process.exitCode = exitCodeOf(error);
  }
} finally {
  clearInterval(keepAlive);
}
