// Shared by the end-to-end specs: the BUILT `rb` server in a child process (stdio or HTTP), fresh data folders, MCP
// clients of both protocol eras, and a scripted test LLM server speaking OpenAI's wire formats.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, StreamableHTTPClientTransport, type Tool } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';
import { AGENT_SCHEMAS, agentStep, type AgentStep, type RecordedLlmRequest, type TestLlmServer } from '@rb/agent/testing';

const appDir = resolve(__dirname, '..', '..');
const repoDir = resolve(appDir, '..', '..');
export const CLI = join(appDir, 'dist', 'cli.js');
export const MODEL_DIR = process.env['RB_MODEL_DIR'] ?? join(repoDir, '.models');

/** Fails early, with what to do, when the server was not built (Nx builds it before these tests). */
export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the app first (npx nx build @rb/reasoning-bank), as \`npm test\` does`);
}

/** A fresh data folder, removed by `cleanup`. */
export function tempDir(prefix = 'rb-e2e-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** The server's environment: only what the test sets (no user settings leak in), logs at warn. */
export function serverEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: dataDir,
    RB_DATA_DIR: dataDir,
    RB_MODEL_DIR: MODEL_DIR,
    RB_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** A server started with `rb serve --http --port 0 --json`, its URL read from its first stdout line. */
export interface HttpServerProcess {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  /** Sends `signal` and resolves with the exit code (or the signal name when killed). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export async function startHttpServerProcess(env: Record<string, string>, args: string[] = []): Promise<HttpServerProcess> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI, 'serve', '--http', '--port', '0', '--json', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
  const url = await new Promise<string>((done, fail) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0]!;
      if (out.includes('\n')) done((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((code) => fail(new Error(`the server exited (${code}) before listening:\n${stderr}`)));
  });
  return {
    url,
    child,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `rb <args>` to completion. */
export function runCli(args: string[], env: Record<string, string>, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assertBuilt();
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(input ?? '');
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

export interface ClientOptions {
  /** Pin the 2026-07-28 revision (stateless) instead of the 2025-11-25 handshake. Defaults to false. */
  modern?: boolean;
  /** Answer sampling requests with this function (declares the `sampling` capability). */
  sampling?: (params: SamplingParams) => Promise<string>;
  headers?: Record<string, string>;
}

export interface SamplingParams {
  systemPrompt?: string;
  messages: { role: 'user' | 'assistant'; content: { type: string; text?: string } }[];
  temperature?: number;
  maxTokens: number;
}

function makeClient(options: ClientOptions): Client {
  const client = new Client(
    { name: 'rb-e2e', version: '0.0.0' },
    {
      ...(options.modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      capabilities: options.sampling ? { sampling: {} } : {},
    },
  );
  if (options.sampling) {
    const answer = options.sampling;
    client.setRequestHandler('sampling/createMessage', async (request) => ({
      role: 'assistant',
      model: 'sampling-test-model',
      content: { type: 'text', text: await answer(request.params as unknown as SamplingParams) },
    }));
  }
  return client;
}

/** A sampling handler that asks the test LLM server (Chat Completions), as a client would ask its own model. */
export function samplingVia(llm: TestLlmServer): (params: SamplingParams) => Promise<string> {
  return async (params) => {
    const messages = [
      ...(params.systemPrompt ? [{ role: 'system', content: params.systemPrompt }] : []),
      ...params.messages.map((m) => ({ role: m.role, content: m.content.text ?? '' })),
    ];
    const response = await fetch(`${llm.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'client-own-model', messages, max_tokens: params.maxTokens }),
    });
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    return body.choices[0]!.message.content;
  };
}

export async function connectHttp(url: string, options: ClientOptions = {}): Promise<Client> {
  const client = makeClient(options);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), options.headers ? { requestInit: { headers: options.headers } } : undefined));
  return client;
}

/** Starts the built server on stdio (the client spawns it) and connects; its stderr is collected. */
export async function connectStdio(env: Record<string, string>, options: ClientOptions = {}): Promise<{ client: Client; pid: number; stderr: () => string }> {
  assertBuilt();
  const client = makeClient(options);
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve'], env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await client.connect(transport);
  return { client, pid: transport.pid!, stderr: () => stderr };
}

/**
 * Validates a tool's `structuredContent` against the JSON `outputSchema` it listed (JSON Schema 2020-12, with AJV),
 * as a step of the test of its own rather than trusting the client's check.
 */
export function outputValidator(tools: readonly Tool[]): (name: string, value: unknown) => string | undefined {
  const ajv = new AjvJsonSchemaValidator();
  const validators = new Map(tools.map((tool) => [tool.name, ajv.getValidator(tool.outputSchema as Record<string, unknown>)]));
  return (name, value) => {
    const validate = validators.get(name);
    if (!validate) return `no outputSchema for ${name}`;
    const result = validate(value);
    return result.valid ? undefined : result.errorMessage;
  };
}

/** Pids of the processes whose parent is `pid` (Linux /proc). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `condition` holds, checking every 20 ms, or fails after `ms` naming what was awaited. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resume) => setTimeout(resume, 20));
  }
}

/**
 * Which agent step a request is: by the structured-output schema it asks for (an endpoint call), or, for a call that
 * came through MCP sampling (which has no structured-output switch), by the schema named in its instructions.
 */
export function isStep(step: AgentStep): (request: RecordedLlmRequest) => boolean {
  if (step === 'answer') {
    const names = Object.values(AGENT_SCHEMAS);
    return (request) => request.schemaName === undefined && !names.some((name) => request.text.includes(`JSON Schema "${name}"`));
  }
  const name = AGENT_SCHEMAS[step];
  return (request) => agentStep(step)(request) || request.text.includes(`JSON Schema "${name}"`);
}

/** Answers of a run that goes well: an answer, a good self-evaluation, a success verdict and one lesson. */
export function scriptSuccessfulRuns(llm: TestLlmServer): void {
  llm.setDefault((request) => {
    if (isStep('evaluation')(request)) return { json: { issues: [], feedback: 'Correct and complete.', score: 0.92 } };
    if (isStep('verdict')(request)) return { json: { reasoning: 'The answer does what was asked.', status: 'success' } };
    if (isStep('memoryItems')(request)) {
      return {
        json: {
          reasoning: 'It worked because the input was validated first.',
          items: [
            {
              title: 'Validate inputs before processing',
              description: 'Use when a function receives data whose shape is not guaranteed.',
              content: 'Check the type and range of each input first and fail with a clear message; later steps can then assume valid data.',
            },
          ],
        },
      };
    }
    if (isStep('contrast')(request)) return { json: { reasoning: 'The first attempt was clearer.', bestAttempt: 0, items: [] } };
    if (isStep('reflection')(request)) return { json: { reflection: 'Checked again; it holds.', answer: 'def f(x):\n    return x' } };
    return { text: 'def f(x):\n    return x' };
  });
}

/** A span as an OTLP/HTTP JSON export carries it, flattened. */
export interface ExportedSpan {
  service: string | undefined;
  scope: string;
  name: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
}

/** A real OTLP/HTTP receiver on 127.0.0.1 (JSON encoding: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json), keeping every span. */
export async function startOtlpReceiver(): Promise<{ endpoint: string; spans: ExportedSpan[]; close(): Promise<void> }> {
  const spans: ExportedSpan[] = [];
  type Value = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
  const value = (v: Value) => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body || '{}') as {
        resourceSpans?: {
          resource?: { attributes?: { key: string; value: Value }[] };
          scopeSpans?: { scope?: { name: string }; spans?: { name: string; spanId: string; parentSpanId?: string; attributes?: { key: string; value: Value }[] }[] }[];
        }[];
      };
      for (const resource of parsed.resourceSpans ?? []) {
        const service = resource.resource?.attributes?.find((a) => a.key === 'service.name');
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              service: service ? String(value(service.value)) : undefined,
              scope: scope.scope?.name ?? '',
              name: span.name,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, value(a.value)])),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
