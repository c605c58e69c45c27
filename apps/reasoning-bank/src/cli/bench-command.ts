import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliExit, EXIT, type GlobalFlags } from './output.js';

/** The suite script, beside the built CLI in a checkout of the repository (`apps/reasoning-bank/bench/bench.mjs`). */
function benchScript(): string | undefined {
  const here = dirname(resolve(process.argv[1] ?? '.'));
  const candidates = [join(here, '..', 'bench', 'bench.mjs'), resolve('apps/reasoning-bank/bench/bench.mjs')];
  return candidates.find((path) => existsSync(path));
}

/** `rb bench`: runs the benchmark suite in a child process, its tables on stdout, and exits with its code. */
export async function benchCommand(flags: GlobalFlags & { quick?: boolean }): Promise<void> {
  const script = benchScript();
  if (script === undefined) {
    throw new CliExit(EXIT.unavailable, 'rb bench runs from a checkout of the ReasoningBank-TS repository (it needs the packages\' benchmark scripts); run `npm run bench` there');
  }
  const code = await new Promise<number>((done) => {
    const child = spawn(process.execPath, [script, ...(flags.quick ? ['--quick'] : []), ...(flags.json ? ['--json'] : [])], { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.once('exit', (exitCode, signal) => {
      process.removeListener('SIGINT', forward).removeListener('SIGTERM', forward);
      done(exitCode ?? (signal ? 130 : EXIT.failed));
    });
  });
  if (code !== 0) throw new CliExit(code, '');
}
