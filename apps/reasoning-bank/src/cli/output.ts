import { Presets, SingleBar } from 'cli-progress';
import { RbError } from '@rb/errors';

/**
 * Exit codes of `rb`, for scripts:
 * - 0: done;
 * - 1: the operation failed (backend down, model error, I/O error);
 * - 2: bad usage or input (an unknown flag, a malformed file, an invalid setting);
 * - 3: something needed is not configured or not working (no LLM for `learn`, a failing `doctor` check).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const;

/** An error that carries the exit code it should end the process with. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The global flags every command shares. */
export interface GlobalFlags {
  json?: boolean;
  workspace?: string;
  dataDir?: string;
  chromaUrl?: string;
  modelDir?: string;
  logLevel?: string;
}

/** Prints a result: JSON on one line with `--json`, else the human rendering. Always on stdout. */
export function printResult(flags: GlobalFlags, value: unknown, human: () => string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
}

/** Which exit code an error ends the process with. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliExit) return error.exitCode;
  if (RbError.isInstance(error)) {
    if (['INVALID_INPUT', 'INVALID_CONFIG', 'INVALID_OPTIONS', 'BACKUP_INVALID', 'UNSAFE_BIND', 'CONFIRMATION_REQUIRED'].includes(error.code)) return EXIT.usage;
    if (['LLM_NOT_CONFIGURED', 'DATA_DIR_LOCKED', 'MODEL_NOT_FOUND', 'MODEL_MISMATCH'].includes(error.code)) return EXIT.unavailable;
  }
  return EXIT.failed;
}

/** The one-line message of an error for the terminal (codes and fields of `@rb` errors; never a cause chain). */
export function describeFailure(error: unknown): string {
  if (RbError.isInstance(error)) return `${error.code}${error.field ? ` (${error.field})` : ''}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** A progress bar on stderr for a long command, silent with `--json` or when stderr is not a terminal. */
export function progressBar(flags: GlobalFlags): { update(done: number, total: number | undefined, phase: string): void; stop(): void } {
  if (flags.json || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: '{phase} [{bar}] {value}/{total}', hideCursor: true, stream: process.stderr }, Presets.shades_classic);
  let started = false;
  return {
    update(done, total, phase) {
      const max = Math.max(total ?? done, done, 1);
      if (!started) {
        bar.start(max, done, { phase });
        started = true;
      } else {
        bar.setTotal(max);
        bar.update(done, { phase });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
