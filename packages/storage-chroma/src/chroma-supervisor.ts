import type { ChildProcess } from 'node:child_process';
import type { ChromaServerEvent, ResolvedStartOptions } from './start-chroma-options.js';

/** A running Chroma server. It stops when this process exits or dies, however that happens. */
export interface ChromaServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`; the same after a restart. */
  readonly url: string;
  readonly port: number;
  /** Process id of the server (a new one after a restart). */
  readonly pid: number;
  /** Ends the server and waits for its exit; no restart follows. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ChildExit {
  code: number | null;
  signal: string | null;
}

/** One server process that answered its heartbeat. */
export interface Launched {
  readonly child: ChildProcess;
  readonly exited: Promise<ChildExit>;
  readonly url: string;
  readonly port: number;
}

const RESTART_WINDOW_MS = 60_000;
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;

/**
 * Watches a launched server: when it exits without `stop()`, launches it again on the same port (backing off, at
 * most `maxRestarts` times a minute), so the URL stores were given stays right. The process-exit hook kills
 * whichever server is current, so none outlives this process.
 */
export function supervise(first: Launched, settings: ResolvedStartOptions, relaunch: (port: number) => Promise<Launched>): ChromaServer {
  let current = first;
  let stopping: Promise<void> | undefined;
  const restarts: number[] = [];
  const tell = (event: ChromaServerEvent) => {
    try {
      settings.onEvent?.(event);
    } catch {
      // A listener's failure must not stop the supervision it is told about.
    }
  };
  const onProcessExit = () => current.child.kill('SIGKILL');
  process.once('exit', onProcessExit);

  const restart = async (): Promise<void> => {
    let lastFailure = '';
    for (;;) {
      const now = Date.now();
      while (restarts.length > 0 && now - restarts[0]! > RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length >= settings.maxRestarts) {
        const why = `${restarts.length} restarts within ${RESTART_WINDOW_MS / 1000} s (maxRestarts ${settings.maxRestarts})`;
        tell({ type: 'gave-up', reason: lastFailure === '' ? why : `${why}; the last failed: ${lastFailure}` });
        return;
      }
      restarts.push(now);
      await sleep(Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (restarts.length - 1)));
      if (stopping) return;
      try {
        const next = await relaunch(current.port);
        if (stopping) {
          await stopChild(next.child, next.exited);
          return;
        }
        current = next;
        watch(next);
        tell({ type: 'restarted', pid: next.child.pid!, restarts: restarts.length });
        return;
      } catch (error) {
        lastFailure = error instanceof Error ? error.message : String(error);
      }
    }
  };
  const watch = (running: Launched) => {
    void running.exited.then((exit) => {
      if (stopping || running !== current) return;
      tell({ type: 'exited', ...exit });
      if (settings.maxRestarts > 0) void restart();
    });
  };
  watch(first);

  return {
    url: first.url,
    port: first.port,
    get pid() {
      return current.child.pid!;
    },
    stop: () =>
      (stopping ??= stopChild(current.child, current.exited).finally(() => {
        process.removeListener('exit', onProcessExit);
      })),
  };
}

/** An unref'd wait: a server being restarted does not keep a finished program alive. */
function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms).unref());
}

/** Ends a server process: end-of-file on its lifeline and SIGTERM, then SIGKILL after 5 s. */
export async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.stdin?.destroy(); // the child ends itself on end-of-file; the signal makes it certain
  child.kill('SIGTERM');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killed = new Promise<void>((done) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      done();
    }, 5000);
  });
  await Promise.race([exited, killed]);
  clearTimeout(timer);
  await exited;
}
