import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { StorageError, invalidInput } from './errors.js';

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
}

/** A running Chroma server. It is also sent SIGTERM when this process exits. */
export interface ChromaServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Process id of the server. */
  readonly pid: number;
  /** SIGTERM, then waits for the process to exit (SIGKILL after 5 s). Safe to call twice. */
  stop(): Promise<void>;
}

const TAIL_BYTES = 4096;

/**
 * Runs Chroma's server (the Rust server inside chromadb's npm binding) as a child process and resolves once its
 * heartbeat answers. The child is watched: Chroma exits with code 0 when its port is taken, which would otherwise
 * look like a healthy start against whatever else holds the port.
 */
export async function startChroma(options: StartChromaOptions): Promise<ChromaServer> {
  if (typeof options !== 'object' || options === null) throw invalidInput('options', 'an object', options);
  if (typeof options.path !== 'string' || options.path === '') throw invalidInput('path', 'a non-empty string', options.path);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidInput('port', 'an integer 0-65535', port);
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalidInput('startTimeoutMs', 'a positive number', timeoutMs);
  const cli = options.cliPath ?? resolveCli();
  await mkdir(options.path, { recursive: true });

  // A picked port can be taken between the probe and the server's bind; only then is another try worth it.
  const attempts = port === 0 ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const chosen = port === 0 ? await freePort(host) : port;
    // A server already on the port would answer our heartbeat while ours exits; check the port is bindable first.
    if (port !== 0 && !(await canBind(host, port))) {
      throw new StorageError('SERVER_START_FAILED', `port ${port} is taken on ${host}`, { url: `http://${host}:${port}` });
    }
    try {
      return await launch(cli, options.path, host, chosen, timeoutMs, options.logLevel ?? 'warn');
    } catch (error) {
      if (attempt >= attempts || !(error instanceof PortTaken)) throw error instanceof PortTaken ? error.error : error;
    }
  }
}

class PortTaken {
  constructor(readonly error: StorageError) {}
}

async function launch(
  cli: string,
  path: string,
  host: string,
  port: number,
  timeoutMs: number,
  logLevel: string,
): Promise<ChromaServer> {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const child = spawn(process.execPath, [cli, 'run', '--path', resolve(path), '--port', String(port), '--host', host], {
    env: { ...process.env, RUST_LOG: logLevel },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-TAIL_BYTES);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: string | null }>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
    child.once('error', () => done({ code: null, signal: null }));
  });

  let exit: { code: number | null; signal: string | null } | undefined;
  void exited.then((e) => (exit = e));
  const deadline = Date.now() + timeoutMs;
  while (exit === undefined) {
    if (await heartbeat(url)) break;
    if (Date.now() > deadline) {
      await stopChild(child, exited);
      throw new StorageError('SERVER_START_FAILED', `Chroma at ${url} did not answer its heartbeat within ${timeoutMs} ms.\n${tail}`, { url });
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 50))]);
  }
  if (exit !== undefined) throw startFailure(exit, url, port, tail);

  // A parent that exits without stop() must not leave an orphan server holding the port and the data folder.
  const orphanGuard = () => child.kill('SIGTERM');
  process.once('exit', orphanGuard);
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    pid: child.pid!,
    stop: () =>
      (stopping ??= stopChild(child, exited).finally(() => {
        process.removeListener('exit', orphanGuard);
      })),
  };
}

function startFailure(exit: { code: number | null; signal: string | null }, url: string, port: number, tail: string) {
  if (exit.code === 0) {
    return new PortTaken(
      new StorageError('SERVER_START_FAILED', `Chroma exited at start: port ${port} is probably taken (it exits with 0 then).`, { url }),
    );
  }
  const hint = /ERR_DLOPEN_FAILED|GLIBC/.test(tail)
    ? ' The native binding did not load: on glibc < 2.38 pin chromadb-js-bindings-linux-x64-gnu to 1.0.5 (npm overrides).'
    : /Cannot find module/.test(tail)
      ? ' The server binding for this platform is not installed (an optional dependency of chromadb).'
      : '';
  return new StorageError(
    'SERVER_START_FAILED',
    `Chroma exited at start (code ${exit.code}, signal ${exit.signal}).${hint}\n${tail.trim()}`,
    { url },
  );
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
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

async function heartbeat(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, host, () => server.close(() => done(true)));
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new StorageError('SERVER_START_FAILED', `no free port on ${host}`))));
    });
  });
}

/**
 * chromadb exports neither `package.json` nor `cli.mjs`, so the CLI is found beside its resolved entry. Without
 * `import.meta` (this file also runs as CommonJS under Jest), resolution starts from this module when known, else from
 * the main script and the working directory.
 */
function resolveCli(): string {
  const bases = [typeof __filename === 'string' ? __filename : undefined, process.argv[1], join(process.cwd(), 'index.js')];
  for (const base of bases) {
    if (!base) continue;
    try {
      const entry = createRequire(base).resolve('chromadb');
      for (let dir = dirname(entry); dirname(dir) !== dir; dir = dirname(dir)) {
        const cli = join(dir, 'dist', 'cli.mjs');
        if (existsSync(cli)) return cli;
      }
    } catch {
      // Not resolvable from this base; try the next one.
    }
  }
  throw new StorageError('SERVER_START_FAILED', 'could not find chromadb/dist/cli.mjs: install chromadb, or pass cliPath');
}
