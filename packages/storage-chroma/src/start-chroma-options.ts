import { OptionReader } from '@rb/errors';
import { MemoryError } from '@rb/memory';

/** Options of `startChroma`. */
export interface StartChromaOptions {
  /** Folder the server persists to; created if missing. Required. */
  path: string;
  /** TCP port. Defaults to `0`: a free port is picked (and picked again if another process wins the race). */
  port?: number;
  /** Interface to listen on. Defaults to `"127.0.0.1"`. */
  host?: string;
  /** Give up when the heartbeat has not answered after this long. Defaults to `15000` ms. */
  startTimeoutMs?: number;
  /** Server log filter (`RUST_LOG`). Defaults to `"warn"`: per-request logs are noise. */
  logLevel?: string;
  /** Path of chromadb's `dist/cli.mjs`. Defaults to the one of the `chromadb` package this package resolves. */
  cliPath?: string;
  /**
   * A server that dies without `stop()` (killed, out of memory, crashed) is started again on the same port and data
   * folder, so a store using its URL carries on after a second or two (calls made meanwhile fail with a retryable
   * `BACKEND_UNAVAILABLE`). At most this many restarts within a minute, then it stays down. `0` turns restarts off.
   * Defaults to `5`.
   */
  maxRestarts?: number;
  /** Told of each unexpected exit, restart and give-up, e.g. to log them. Defaults to none. */
  onEvent?: (event: ChromaServerEvent) => void;
}

/** What happened to a server `startChroma` started, besides `stop()`. */
export type ChromaServerEvent =
  | { type: 'exited'; code: number | null; signal: string | null }
  | { type: 'restarted'; pid: number; restarts: number }
  | { type: 'gave-up'; reason: string };

export interface ResolvedStartOptions {
  path: string;
  port: number;
  host: string;
  startTimeoutMs: number;
  logLevel: string;
  cliPath: string | undefined;
  maxRestarts: number;
  onEvent: ((event: ChromaServerEvent) => void) | undefined;
}

const KNOWN = ['path', 'port', 'host', 'startTimeoutMs', 'logLevel', 'cliPath', 'maxRestarts', 'onEvent'] as const;

export const invalidOption = (field: string, message: string): MemoryError =>
  new MemoryError({ code: 'INVALID_OPTIONS', field, message });

export function resolveStartOptions(options: StartChromaOptions): ResolvedStartOptions {
  if (options === undefined) throw invalidOption('path', 'startChroma needs options with a path');
  const read = new OptionReader(options, KNOWN, invalidOption);
  const path = read.string('path', undefined, { maxLength: 4096 });
  if (path === undefined) throw invalidOption('path', 'path must be a folder path, got undefined');
  const logLevel = read.string('logLevel', 'warn', { maxLength: 200 });
  // RUST_LOG reaches the server's environment: one line of filter directives, nothing else.
  if (!/^[\w.:,=/-]+$/.test(logLevel)) read.fail('logLevel', 'a RUST_LOG filter such as "warn" or "info,chroma=debug"', logLevel);
  return {
    path,
    port: read.integer('port', { default: 0, min: 0, max: 65_535 }),
    host: read.string('host', '127.0.0.1', { maxLength: 253 }),
    startTimeoutMs: read.number('startTimeoutMs', { default: 15_000, above: 0, max: 600_000 }),
    logLevel,
    cliPath: read.string('cliPath', undefined, { maxLength: 4096 }),
    maxRestarts: read.integer('maxRestarts', { default: 5, min: 0, max: 1000 }),
    onEvent: read.function<(event: ChromaServerEvent) => void, undefined>('onEvent', undefined),
  };
}
