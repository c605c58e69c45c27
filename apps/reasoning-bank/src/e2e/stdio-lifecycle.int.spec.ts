// The stdio server as a client's child process: stdout carries JSON-RPC and nothing else (logs go to stderr), and
// the server ends cleanly, its embedded Chroma with it, on SIGTERM and at the end of its input.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CLI, assertBuilt, childPids, isRunning, serverEnv, startOtlpReceiver, tempDir, waitFor } from './harness.js';

// Results are JSON the assertions check field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

interface RawServer {
  child: ChildProcessWithoutNullStreams;
  stdout: string[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  request(id: number, method: string, params?: unknown): Promise<Json>;
  notify(method: string, params?: unknown): void;
}

function startRaw(env: Record<string, string>): RawServer {
  assertBuilt();
  const child = spawn(process.execPath, [CLI, 'serve'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  let buffer = '';
  let stderr = '';
  const waiting = new Map<number, (message: Json) => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      stdout.push(line);
      try {
        const message = JSON.parse(line) as Json;
        waiting.get(message['id'])?.(message);
      } catch {
        // recorded in stdout; the test fails on it
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
  return {
    child,
    stdout,
    stderr: () => stderr,
    exited,
    request: (id, method, params) =>
      new Promise((done) => {
        waiting.set(id, done);
        send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
      }),
    notify: (method, params) => send({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) }),
  };
}

async function initialize(server: RawServer): Promise<void> {
  const init = await server.request(1, 'initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'raw-e2e', version: '0' },
  });
  expect(init['result'].serverInfo.name).toBe('reasoning-bank');
  server.notify('notifications/initialized');
}

describe('the stdio server', () => {
  let data: ReturnType<typeof tempDir>;
  beforeAll(() => (data = tempDir()));
  afterAll(() => data.cleanup());

  it('writes only JSON-RPC on stdout and logs on stderr, refuses a second server on its data folder, exports its spans, and leaves no Chroma behind on SIGTERM', async () => {
    const otlp = await startOtlpReceiver();
    const server = startRaw(
      serverEnv(data.path, { RB_LOG_LEVEL: 'debug', OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
    );
    try {
      await initialize(server);
      const listed = await server.request(2, 'tools/list');
      expect(listed['result'].tools.length).toBe(17);
      const stored = await server.request(3, 'tools/call', {
        name: 'store_memory',
        arguments: {
          memory: {
            title: 'Read the error before retrying',
            description: 'Use when a command fails and the next step is a retry.',
            content: 'Read the whole error message first; most failures say what to change, and a blind retry repeats them.',
          },
        },
        _meta: { progressToken: 'p1' },
      });
      expect(stored['result'].isError).toBeUndefined();
      const retrieved = await server.request(4, 'tools/call', { name: 'retrieve_memories', arguments: { query: 'a command failed, should I retry' } });
      expect(retrieved['result'].structuredContent.memories).toHaveLength(1);
      const health = await server.request(5, 'tools/call', { name: 'health', arguments: {} });
      expect(health['result'].structuredContent.store.backend).toMatch(/^chroma \(embedded/);

      // One server owns a data folder: a second one fails at once, saying which process to use instead.
      const second = startRaw(serverEnv(data.path));
      expect((await second.exited).code).toBe(3);
      expect(second.stderr()).toContain(`in use by process ${server.child.pid}`);
      expect(second.stdout).toEqual([]);

      const chroma = childPids(server.child.pid!);
      expect(chroma.length).toBeGreaterThan(0);
      server.child.kill('SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });
      for (const pid of chroma) await waitFor(`Chroma child ${pid} to end`, () => !isRunning(pid));

      expect(server.stdout.length).toBe(5);
      for (const line of server.stdout) expect(JSON.parse(line)).toEqual(expect.objectContaining({ jsonrpc: '2.0' }));
      // The logs went to stderr, as JSON lines.
      const logs = server.stderr().trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { msg: string });
      expect(logs.map((log) => log.msg)).toEqual(expect.arrayContaining(['embedded Chroma started', 'serving MCP on stdio', 'stopping']));

      // Telemetry was on (an OTLP endpoint is configured) and flushed at exit: one SERVER span per tool call, the
      // packages' spans beneath it.
      const call = otlp.spans.find((span) => span.name === 'tools/call retrieve_memories');
      expect(call).toEqual(expect.objectContaining({ service: 'reasoning-bank', scope: '@rb/reasoning-bank', attributes: expect.objectContaining({ 'gen_ai.tool.name': 'retrieve_memories' }) }));
      const children = otlp.spans.filter((span) => span.parentSpanId === call!.spanId);
      expect(children.map((span) => span.scope)).toContain('@rb/memory');
    } finally {
      server.child.kill('SIGKILL');
      await otlp.close();
    }
  }, 90_000);
});
