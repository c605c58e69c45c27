// The built server over Streamable HTTP: 2025-11-25 sessions and stateless 2026-07-28 requests on one endpoint,
// workspaces isolated between clients, the LLM source chosen per client (no endpoint is configured here), HTTP
// safety (Host, Origin, bearer token, body size, non-loopback binds), and a clean stop on SIGTERM.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { Client } from '@modelcontextprotocol/client';
import { startTestLlmServer, type TestLlmServer } from '@rb/agent/testing';
import {
  childPids,
  connectHttp,
  isRunning,
  runCli,
  samplingVia,
  scriptSuccessfulRuns,
  serverEnv,
  startHttpServerProcess,
  tempDir,
  waitFor,
  type HttpServerProcess,
} from './harness.js';

// Results are JSON the assertions check field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const lesson = (title: string) => ({
  title,
  description: 'Use when a deployment must be rolled back quickly.',
  content: 'Keep the previous release tagged and deployable, so a rollback is one command rather than a rebuild.',
});

let data: ReturnType<typeof tempDir>;
let server: HttpServerProcess;
let llm: TestLlmServer;
const clients: Client[] = [];

beforeAll(async () => {
  data = tempDir();
  llm = await startTestLlmServer();
  scriptSuccessfulRuns(llm);
  server = await startHttpServerProcess(serverEnv(data.path, { RB_WORKSPACE: 'shared-default' }));
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await server?.stop('SIGKILL');
  await llm?.close();
  data?.cleanup();
});

async function client(options: Parameters<typeof connectHttp>[1] = {}): Promise<Client> {
  const c = await connectHttp(server.url, options);
  clients.push(c);
  return c;
}

async function call(c: Client, name: string, args: Record<string, unknown>) {
  const result = await c.callTool({ name, arguments: args });
  return { ...result, text: result.content.map((x) => (x.type === 'text' ? x.text : '')).join(''), data: result.structuredContent as Json };
}

describe('two protocol eras on one endpoint', () => {
  it('serves a 2025-11-25 client in a session and a 2026-07-28 client statelessly, with the same tools', async () => {
    const legacy = await client();
    const modern = await client({ modern: true });
    expect(legacy.getProtocolEra()).toBe('legacy');
    expect(modern.getProtocolEra()).toBe('modern');
    const [a, b] = await Promise.all([legacy.listTools(), modern.listTools()]);
    expect(b.tools.map((t) => t.name)).toEqual(a.tools.map((t) => t.name));
    expect(a.tools).toHaveLength(17);

    const stored = await call(modern, 'store_memory', { workspace: 'eras', memory: lesson('Tag every release') });
    expect(stored.isError).toBeFalsy();
    const found = await call(legacy, 'retrieve_memories', { workspace: 'eras', query: 'roll back a bad deployment' });
    expect(found.data['memories'][0].memory.id).toBe(stored.data['memory'].id);
  });

  it('answers a modern request without creating a session', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'health',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'health',
          arguments: {},
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '0' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    const text = await response.text();
    expect(response.headers.get('mcp-session-id')).toBeNull();
    expect(text).toContain('"structuredContent"');
  });
});

describe('workspaces', () => {
  it('keeps two sessions in different workspaces apart unless one names the other\'s', async () => {
    const alice = await client();
    const bob = await client();
    const stored = await call(alice, 'store_memory', { workspace: 'alice-project', memory: lesson('Keep the previous release deployable') });
    expect(stored.data['workspace']).toBe('alice-project');

    const bobsOwn = await call(bob, 'search_knowledge', { workspace: 'bob-project', query: 'roll back a deployment', min_score: 0 });
    expect(bobsOwn.data['memories']).toEqual([]);
    const bobsDefault = await call(bob, 'search_knowledge', { query: 'roll back a deployment', min_score: 0 });
    expect(bobsDefault.data['workspace']).toBe('shared-default');
    expect(bobsDefault.data['memories']).toEqual([]);
    expect((await call(bob, 'get_statistics', { workspace: 'bob-project' })).data['memories']).toBe(0);

    // Naming it is the only way in, and ids stay scoped: the same id in another workspace is another record.
    const named = await call(bob, 'retrieve_memories', { workspace: 'alice-project', query: 'roll back a deployment' });
    expect(named.data['memories'][0].memory.id).toBe(stored.data['memory'].id);
    const deleted = await call(bob, 'delete_memory', { workspace: 'bob-project', ids: [stored.data['memory'].id], confirm: true });
    expect(deleted.data).toEqual({ workspace: 'bob-project', deleted: [], notFound: [stored.data['memory'].id] });
    expect((await call(alice, 'get_statistics', { workspace: 'alice-project' })).data['memories']).toBe(1);
  });
});

describe('the LLM source', () => {
  it('answers LLM tools with an error saying what to configure, while the memory tools work', async () => {
    const c = await client();
    const result = await call(c, 'solve_coding_task', { task: 'Write a function that reverses a string.' });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^LLM_NOT_CONFIGURED/);
    expect(result.text).toContain('RB_LLM_BASE_URL');
    expect((await call(c, 'health', {})).data['llm']).toEqual({ source: 'none' });
    expect((await call(c, 'get_statistics', {})).isError).toBeFalsy();
  });

  it("uses the client's own model through sampling when the client offers it", async () => {
    const before = llm.requests.length;
    const c = await client({ sampling: samplingVia(llm) });
    expect((await call(c, 'health', {})).data['llm']).toEqual({ source: 'sampling' });
    const solved = await call(c, 'solve_coding_task', { workspace: 'sampling', task: 'Write a function that returns its argument unchanged.' });
    expect(solved.isError).toBeFalsy();
    expect(solved.data['outcome']).toBe('success');
    expect(solved.data['answer']).toContain('def f');
    expect(solved.data['learned'].map((m: { title: string }) => m.title)).toEqual(['Validate inputs before processing']);
    // Every model call of the run went through the client (and from there to its model).
    const viaClient = llm.requests.slice(before);
    expect(viaClient.length).toBeGreaterThanOrEqual(4);
    expect(viaClient.every((r) => r.model === 'client-own-model')).toBe(true);

    const learned = await call(c, 'learn_from_trajectory', {
      workspace: 'sampling',
      task: 'Upgrade a dependency with a breaking change',
      trajectory: 'Read the changelog, updated two call sites, ran the tests: all green.',
    });
    expect(learned.isError).toBeFalsy();
    expect(learned.data['outcome']).toBe('success');
  });

  it('does not offer sampling on the stateless 2026-07-28 revision, which has no server-to-client requests', async () => {
    const c = await client({ modern: true, sampling: samplingVia(llm) });
    const result = await call(c, 'learn_from_trajectory', { task: 'x', trajectory: 'y' });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^LLM_NOT_CONFIGURED/);
  });
});

describe('HTTP safety', () => {
  const initialize = (headers: Record<string, string>, body = '') =>
    fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body:
        body ||
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '0' } } }),
    });

  it('refuses a browser page of another origin, and a DNS-rebound Host', async () => {
    expect((await initialize({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await initialize({ origin: 'http://localhost:5173' })).status).toBe(200);
    // fetch() will not send a Host of our choosing; node:http will, as a rebinding attacker's page effectively does.
    const status = await new Promise<number | undefined>((done, fail) => {
      const url = new URL(server.url);
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          done(res.statusCode);
        },
      );
      req.once('error', fail);
      req.end('{}');
    });
    expect(status).toBe(403);
  });

  it('refuses a body over the size limit before reading it', async () => {
    const response = await initialize({}, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(5 * 1024 * 1024) } }));
    expect(response.status).toBe(413);
  });

  it('answers /health and nothing but /mcp', async () => {
    const base = server.url.replace(/\/mcp$/, '');
    expect(await (await fetch(`${base}/health`)).json()).toEqual(expect.objectContaining({ ok: true }));
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });

  it('refuses to bind beyond loopback without RB_AUTH_TOKEN, saying what to set', async () => {
    const other = tempDir();
    try {
      const result = await runCli(['serve', '--http', '--host', '0.0.0.0', '--port', '0'], serverEnv(other.path));
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('RB_AUTH_TOKEN');
    } finally {
      other.cleanup();
    }
  });

  it('requires the bearer token when RB_AUTH_TOKEN is set, and never echoes it', async () => {
    const other = tempDir();
    const token = 'rb-test-token-0123456789abcdef';
    const guarded = await startHttpServerProcess(serverEnv(other.path, { RB_AUTH_TOKEN: token }));
    try {
      const bare = await fetch(guarded.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(bare.status).toBe(401);
      expect(bare.headers.get('www-authenticate')).toContain('Bearer');
      const wrong = await fetch(guarded.url, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
      expect(wrong.status).toBe(401);
      await expect(connectHttp(guarded.url)).rejects.toThrow();
      const authorized = await connectHttp(guarded.url, { headers: { authorization: `Bearer ${token}` } });
      expect((await authorized.listTools()).tools).toHaveLength(17);
      await authorized.close();
    } finally {
      expect(await guarded.stop()).toBe(0);
      expect(guarded.stderr()).not.toContain(token);
      other.cleanup();
    }
  }, 60_000);
});

describe('the embedded Chroma', () => {
  const chromaPids = () =>
    childPids(server.child.pid!).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('chroma-child');
      } catch {
        return false; // ended while we looked
      }
    });

  it('is started again when killed, and the memory tools work on in the same session with the data kept', async () => {
    const c = await client();
    const stored = await call(c, 'store_memory', { workspace: 'survivor', memory: lesson('Tag every release before deploying it') });
    const [killed] = chromaPids();
    expect(killed).toBeDefined();
    process.kill(killed!, 'SIGKILL');

    await waitFor('a new Chroma process', () => chromaPids().some((pid) => pid !== killed));
    let found: Json | undefined;
    await waitFor('retrieve_memories to answer again', async () => {
      const result = await call(c, 'retrieve_memories', { workspace: 'survivor', query: 'roll back a deployment' });
      found = result.isError ? undefined : result.data;
      return found !== undefined;
    });
    expect(found!['memories'][0].memory.id).toBe(stored.data['memory'].id);
    expect(server.stderr()).toContain('embedded Chroma restarted');
  }, 60_000);
});

// Last: it stops the shared server.
describe('SIGTERM', () => {
  it('ends open sessions, stops the server with code 0 and leaves no Chroma process', async () => {
    await client();
    const chroma = childPids(server.child.pid!);
    expect(chroma.length).toBeGreaterThan(0);
    expect(await server.stop('SIGTERM')).toBe(0);
    for (const pid of chroma) await waitFor(`Chroma child ${pid} to end`, () => !isRunning(pid));
  });
});
