#!/usr/bin/env node
// The `rb` executable. Exit codes: 0 done, 1 failed, 2 bad usage or input, 3 not configured / not working.
import { CommanderError } from 'commander';
import { createProgram } from './cli/program.js';
import { EXIT, describeFailure, exitCodeOf } from './cli/output.js';

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
}
