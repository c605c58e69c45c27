import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbedder } from '@rb/embed-batch';
import { redactUrl } from '@rb/errors';
import { startChroma } from '@rb/storage-chroma';
import type { AppConfig } from '../config/app-options.js';
import { configOf } from './open-app.js';
import { CliExit, EXIT, describeFailure, printResult, type GlobalFlags } from './output.js';

/** One finding of `rb doctor`. */
export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** How to fix it, when it is not ok. */
  fix?: string;
}

const MIN_GLIBC_FOR_NEWER_BINDINGS = [2, 38];

/**
 * `rb doctor`: checks what the server needs, each with how to fix it: Node, the embedding model (loaded and tried),
 * glibc and Chroma's native binding (a real server started in a temp folder, or the configured CHROMA_URL), the data
 * folder, the HTTP port, the LLM endpoint, the OTLP endpoint. Exits 3 when a check fails.
 */
export async function doctorCommand(flags: GlobalFlags & { port?: string }): Promise<void> {
  const config = configOf(flags, flags.port === undefined ? {} : { port: flags.port as unknown as number });
  const checks: Check[] = [];
  const run = async (name: string, check: () => Promise<Omit<Check, 'name'>>) => {
    try {
      checks.push({ name, ...(await check()) });
    } catch (error) {
      checks.push({ name, status: 'fail', detail: describeFailure(error) });
    }
  };
  await run('node', async () => nodeCheck());
  await run('embedding model', () => modelCheck(config));
  await run('glibc', async () => glibcCheck());
  await run('chroma', () => chromaCheck(config));
  await run('data folder', async () => dataDirCheck(config));
  await run('http port', () => portCheck(config));
  await run('llm', () => llmCheck(config));
  await run('telemetry', async () =>
    config.otlpEndpoint
      ? { status: 'ok', detail: `spans go to ${redactUrl(config.otlpEndpoint)} over OTLP/HTTP` }
      : { status: 'ok', detail: 'off (set OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://localhost:4318 for Jaeger, to export spans)' },
  );
  printResult(flags, { ok: checks.every((c) => c.status !== 'fail'), checks }, () =>
    checks.map((c) => `${c.status === 'ok' ? 'ok  ' : c.status === 'warn' ? 'warn' : 'FAIL'}  ${c.name.padEnd(16)} ${c.detail}${c.fix ? `\n      fix: ${c.fix}` : ''}`).join('\n'),
  );
  if (checks.some((c) => c.status === 'fail')) throw new CliExit(EXIT.unavailable, '');
}

function nodeCheck(): Omit<Check, 'name'> {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  if (major > 20 || (major === 20 && minor >= 11)) return { status: 'ok', detail: `Node ${process.version}` };
  return { status: 'fail', detail: `Node ${process.version}`, fix: 'install Node 20.11 or newer (22 or 24 recommended)' };
}

async function modelCheck(config: AppConfig): Promise<Omit<Check, 'name'>> {
  const fix = `run \`npm run fetch-model\` in the repo, or \`npx rb-fetch-model ${config.modelDir}\`, or point RB_MODEL_DIR at the folder holding it`;
  let embedder;
  try {
    embedder = await createEmbedder({ modelDir: config.modelDir, workers: 1, threads: 1, loadTimeoutMs: 30_000 });
  } catch (error) {
    return { status: 'fail', detail: describeFailure(error), fix };
  }
  try {
    const [a, b, c] = await embedder.generateBatch(['How do I sort a list in Python?', 'Python list sorting', 'The weather is nice today']);
    const cos = (x: Float32Array, y: Float32Array) => x.reduce((sum, v, i) => sum + v * y[i]!, 0);
    const related = cos(a!, b!);
    const unrelated = cos(a!, c!);
    const sane = related > 0.6 && unrelated < 0.4;
    return {
      status: sane ? 'ok' : 'fail',
      detail: `${embedder.model} (${embedder.dtype}, ${embedder.dimension} dims) in ${config.modelDir}; related ${related.toFixed(2)}, unrelated ${unrelated.toFixed(2)}`,
      ...(sane ? {} : { fix: `the model gives implausible similarities: fetch it again (${fix})` }),
    };
  } finally {
    await embedder.dispose();
  }
}

function glibcCheck(): Omit<Check, 'name'> {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  const version = header?.glibcVersionRuntime;
  if (version === undefined) return { status: 'ok', detail: 'not a glibc system (Chroma\'s binding for this platform decides)' };
  const [major, minor] = version.split('.').map(Number) as [number, number];
  const older = major < MIN_GLIBC_FOR_NEWER_BINDINGS[0]! || (major === MIN_GLIBC_FOR_NEWER_BINDINGS[0] && minor < MIN_GLIBC_FOR_NEWER_BINDINGS[1]!);
  return {
    status: 'ok',
    detail: `glibc ${version}${older ? ': Chroma bindings newer than 1.0.5 need 2.38; the repo pins 1.0.5 (npm overrides)' : ''}`,
  };
}

async function chromaCheck(config: AppConfig): Promise<Omit<Check, 'name'>> {
  if (config.chromaUrl) {
    const url = `${config.chromaUrl}/api/v2/heartbeat`;
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch((error: unknown) => error as Error);
    if (response instanceof Error) {
      return { status: 'fail', detail: `${redactUrl(config.chromaUrl)} does not answer (${response.message})`, fix: 'start that Chroma server, or unset CHROMA_URL to use the embedded one' };
    }
    await response.body?.cancel();
    return response.ok
      ? { status: 'ok', detail: `remote Chroma at ${redactUrl(config.chromaUrl)} answers its heartbeat` }
      : { status: 'fail', detail: `${redactUrl(config.chromaUrl)} answered ${response.status}`, fix: 'check CHROMA_URL points at a Chroma server (API v2)' };
  }
  // The real check: load the native binding and start a server, as `rb serve` will, in a throwaway folder.
  const dir = mkdtempSync(join(tmpdir(), 'rb-doctor-'));
  try {
    const server = await startChroma({ path: dir, startTimeoutMs: 20_000 });
    await server.stop();
    return { status: 'ok', detail: 'the embedded Chroma server starts (native binding loads)' };
  } catch (error) {
    return {
      status: 'fail',
      detail: describeFailure(error),
      fix: 'reinstall with `npm ci` (the chromadb binding is an optional dependency; on glibc < 2.38 it must be 1.0.5), or run a Chroma server and set CHROMA_URL',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function dataDirCheck(config: AppConfig): Omit<Check, 'name'> {
  try {
    mkdirSync(config.dataDir, { recursive: true });
    accessSync(config.dataDir, constants.W_OK);
  } catch (error) {
    return { status: 'fail', detail: `${config.dataDir} is not writable (${(error as Error).message})`, fix: 'set RB_DATA_DIR to a writable folder' };
  }
  const lock = join(config.dataDir, 'rb.lock');
  if (existsSync(lock)) {
    try {
      const owner = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number; description: string };
      process.kill(owner.pid, 0);
      return { status: 'warn', detail: `${config.dataDir} is in use by process ${owner.pid} (${owner.description})`, fix: 'connect to that server, or stop it before starting another on this folder' };
    } catch {
      // a stale lock: the next server takes it over
    }
  }
  return { status: 'ok', detail: `${config.dataDir} is writable` };
}

function portCheck(config: AppConfig): Promise<Omit<Check, 'name'>> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      done({ status: 'warn', detail: `port ${config.port} on ${config.host} is taken (${error.code})`, fix: 'another server may be running; or use --port / RB_PORT' }),
    );
    server.listen(config.port, config.host, () => server.close(() => done({ status: 'ok', detail: `port ${config.port} on ${config.host} is free for rb serve --http` })));
  });
}

async function llmCheck(config: AppConfig): Promise<Omit<Check, 'name'>> {
  if (!config.llm) {
    return {
      status: 'warn',
      detail: "no endpoint configured: LLM tools use the client's model through MCP sampling when it offers it, otherwise they answer with an error",
      fix: 'set RB_LLM_BASE_URL (e.g. https://api.openai.com/v1 or a local server) and RB_LLM_API_KEY / OPENAI_API_KEY, and RB_LLM_MODEL',
    };
  }
  const shown = `${config.llm.model} via ${config.llm.api} at ${redactUrl(config.llm.baseUrl)}`;
  const headers: Record<string, string> = config.secrets.llmApiKey ? { authorization: `Bearer ${config.secrets.llmApiKey}` } : {};
  // GET /models costs nothing and proves the address and the key.
  const response = await fetch(`${config.llm.baseUrl}/models`, { headers, signal: AbortSignal.timeout(5000) }).catch((error: unknown) => error as Error);
  if (response instanceof Error) return { status: 'fail', detail: `${shown}: unreachable (${response.name})`, fix: 'check RB_LLM_BASE_URL and the network' };
  await response.body?.cancel();
  if (response.status === 401 || response.status === 403) return { status: 'fail', detail: `${shown}: the key was refused (${response.status})`, fix: 'check RB_LLM_API_KEY / OPENAI_API_KEY' };
  if (!response.ok && response.status !== 404) return { status: 'warn', detail: `${shown}: GET /models answered ${response.status}` };
  return { status: 'ok', detail: `${shown} answers` };
}
