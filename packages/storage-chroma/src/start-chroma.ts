import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryError } from '@rb/memory';
import { stopChild, supervise, type ChildExit, type ChromaServer, type Launched } from './chroma-supervisor.js';
import { resolveStartOptions, type ResolvedStartOptions, type StartChromaOptions } from './start-chroma-options.js';

const TAIL_BYTES = 4096;
const CHILD = fileURLToPath(new URL('../child/chroma-child.mjs', import.meta.url));

/**
 * Runs Chroma's server (the Rust server inside chromadb's npm binding) as a child process and resolves once its
 * heartbeat answers. The child watches a pipe to this process and ends itself when the pipe closes, so it never
 * outlives this process, even one killed with SIGKILL. It does not keep this process alive either: a program that is
 * done exits, and the server with it.
 *
 * A server that dies without `stop()` is started again on the same port (`maxRestarts`, `onEvent`).
 *
 * Chroma exits with code 0 when its port is taken, which would otherwise look like a healthy start against whatever
 * else holds the port; the child is watched for that.
 */
export async function startChroma(options: StartChromaOptions): Promise<ChromaServer> {
  const settings = resolveStartOptions(options);
  const cli = settings.cliPath ?? resolveCli();
  await prepareFolder(settings.path);

  // A picked port can be taken between the probe and the server's bind; only then is another try worth it.
  const attempts = settings.port === 0 ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = settings.port === 0 ? await freePort(settings.host) : await assertBindable(settings.host, settings.port);
    try {
      const first = await launch(cli, settings, port);
      // A restart reuses the port: stores hold this URL.
      return supervise(first, settings, (same) => launch(cli, settings, same).catch((error: unknown) => Promise.reject(error instanceof PortTaken ? error.error : error)));
    } catch (error) {
      if (attempt >= attempts || !(error instanceof PortTaken)) throw error instanceof PortTaken ? error.error : error;
    }
  }
}

class PortTaken {
  constructor(readonly error: MemoryError) {}
}

const unavailable = (message: string, isRetryable = false, cause?: unknown) =>
  new MemoryError({ code: 'BACKEND_UNAVAILABLE', message, isRetryable, ...(cause === undefined ? {} : { cause }) });

async function prepareFolder(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
    if (!(await stat(path)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : String(code ?? cause);
    throw new MemoryError({ code: 'INVALID_OPTIONS', field: 'path', message: `path ${JSON.stringify(path)} cannot be a data folder: ${why}`, cause });
  }
}

async function launch(cli: string, settings: ResolvedStartOptions, port: number): Promise<Launched> {
  const { host, startTimeoutMs } = settings;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const args = [CHILD, cli, 'run', '--path', resolve(settings.path), '--port', String(port), '--host', host];
  // stdin is the lifeline the child watches: this process never writes to it, and its end closes when we die.
  const child = spawn(process.execPath, args, { env: { ...process.env, RUST_LOG: settings.logLevel }, stdio: ['pipe', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-TAIL_BYTES);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.stdin!.on('error', () => undefined); // EPIPE once the child is gone; its exit is reported elsewhere
  const exited = new Promise<ChildExit>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
    child.once('error', () => done({ code: null, signal: null }));
  });

  let exit: ChildExit | undefined;
  void exited.then((e) => (exit = e));
  const deadline = Date.now() + startTimeoutMs;
  while (exit === undefined) {
    if (await heartbeat(url)) break;
    if (Date.now() > deadline) {
      await stopChild(child, exited);
      throw unavailable(`Chroma at ${url} did not answer its heartbeat within ${startTimeoutMs} ms.\n${tail.trim()}`, true);
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 50))]);
  }
  if (exit !== undefined) throw startFailure(exit, url, port, tail);

  // The server runs on without keeping this process alive; the supervisor's exit hook makes a normal exit prompt.
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
  child.unref();
  return { child, exited, url, port };
}

function startFailure(exit: ChildExit, url: string, port: number, tail: string) {
  if (exit.code === 0) {
    return new PortTaken(unavailable(`Chroma exited at start: port ${port} is probably taken (it exits with 0 then); url ${url}`, true));
  }
  const hint = /ERR_DLOPEN_FAILED|GLIBC/.test(tail)
    ? ' The native binding did not load: on glibc < 2.38 pin chromadb-js-bindings-linux-x64-gnu to 1.0.5 (npm overrides).'
    : /Cannot find module|ERR_MODULE_NOT_FOUND/.test(tail)
      ? ' The server binding for this platform (an optional dependency of chromadb) or the CLI is not installed.'
      : '';
  return unavailable(`Chroma exited at start (code ${exit.code}, signal ${exit.signal}).${hint}\n${tail.trim()}`);
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

/** Listens on `port` and closes again, so that a server already there is reported instead of answering our heartbeat. */
async function assertBindable(host: string, port: number): Promise<number> {
  await listenOnce(host, port).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') throw unavailable(`port ${port} is taken on ${host}`);
    throw hostError(host, error);
  });
  return port;
}

async function freePort(host: string): Promise<number> {
  try {
    return await listenOnce(host, 0);
  } catch (error) {
    throw hostError(host, error as NodeJS.ErrnoException);
  }
}

function listenOnce(host: string, port: number): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : port));
    });
  });
}

function hostError(host: string, error: NodeJS.ErrnoException): MemoryError {
  const why =
    error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN'
      ? 'the name does not resolve'
      : error.code === 'EADDRNOTAVAIL'
        ? 'it is not an address of this machine'
        : error.code === 'EACCES'
          ? 'permission denied'
          : String(error.code ?? error.message);
  return new MemoryError({ code: 'INVALID_OPTIONS', field: 'host', message: `cannot listen on host ${JSON.stringify(host)}: ${why}`, cause: error });
}

/** chromadb exports neither `package.json` nor `cli.mjs`, so the CLI is found beside its resolved entry. */
function resolveCli(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('chromadb');
    for (let dir = dirname(entry); dirname(dir) !== dir; dir = dirname(dir)) {
      const cli = join(dir, 'dist', 'cli.mjs');
      if (existsSync(cli)) return cli;
    }
  } catch {
    // Not installed: reported below.
  }
  throw unavailable('could not find chromadb/dist/cli.mjs: install chromadb, or pass cliPath');
}
