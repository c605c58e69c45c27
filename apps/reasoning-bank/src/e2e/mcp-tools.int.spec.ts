// Every tool through the real protocol, against the built server on stdio (a 2025-11-25 client), with a test LLM
// server speaking the Chat Completions wire format standing in for a paid API.
import type { Client, Tool } from '@modelcontextprotocol/client';
import { startTestLlmServer, type TestLlmServer } from '@rb/agent/testing';
import { childPids, connectStdio, isRunning, outputValidator, scriptSuccessfulRuns, serverEnv, tempDir, waitFor } from './harness.js';

// Results are JSON the assertions check field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const TOOLS = [
  'retrieve_memories',
  'search_knowledge',
  'store_memory',
  'update_memory',
  'delete_memory',
  'get_memory_genealogy',
  'solve_coding_task',
  'learn_from_trajectory',
  'capture_knowledge',
  'get_statistics',
  'manage_workspace',
  'cleanup_old_data',
  'backup_memories',
  'health',
  'get_performance_metrics',
  'manage_cache',
  'compress_prompt',
];
const DESTRUCTIVE = ['update_memory', 'delete_memory', 'manage_workspace', 'cleanup_old_data', 'backup_memories'];
const W = 'tools-spec';

const lesson = {
  title: 'Check every page of results',
  description: 'Use when a search result list may span several pages.',
  content: 'Look at every page of results before concluding an item is missing; the first page is rarely complete.',
};

let llm: TestLlmServer;
let data: ReturnType<typeof tempDir>;
let client: Client;
let serverPid: number;
let tools: Tool[];
let validate: ReturnType<typeof outputValidator>;

beforeAll(async () => {
  llm = await startTestLlmServer();
  scriptSuccessfulRuns(llm);
  data = tempDir();
  ({ client, pid: serverPid } = await connectStdio(serverEnv(data.path, { RB_LLM_BASE_URL: llm.url, RB_LLM_API: 'chat', RB_LLM_MODEL: 'test-model' })));
  tools = (await client.listTools()).tools;
  validate = outputValidator(tools);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await llm?.close();
  data?.cleanup();
});

async function call(name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  return { ...result, text: result.content.map((c) => (c.type === 'text' ? c.text : '')).join('') };
}

/** Calls a tool that must succeed, and checks its structuredContent against the outputSchema it listed. */
async function ok(name: string, args: Record<string, unknown>): Promise<Json> {
  const result = await call(name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.text}`);
  expect(validate(name, result.structuredContent)).toBeUndefined();
  expect(JSON.parse(result.text)).toEqual(result.structuredContent);
  return result.structuredContent as Json;
}

describe('tools/list', () => {
  it('lists every tool once, each with a title, annotations, and input and output schemas', () => {
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
    for (const tool of tools) {
      expect(tool.title).toEqual(expect.any(String));
      expect(tool.description!.length).toBeGreaterThan(20);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.annotations).toEqual(
        expect.objectContaining({
          readOnlyHint: expect.any(Boolean),
          destructiveHint: expect.any(Boolean),
          idempotentHint: expect.any(Boolean),
          openWorldHint: expect.any(Boolean),
        }),
      );
      expect(tool.annotations!.destructiveHint).toBe(DESTRUCTIVE.includes(tool.name));
    }
  });

  it('asks for no secret: no argument is a key, token or password', () => {
    const names = (schema: unknown): string[] =>
      typeof schema !== 'object' || schema === null
        ? []
        : Object.entries(schema as Record<string, unknown>).flatMap(([key, value]) =>
            key === 'properties' && typeof value === 'object' && value !== null
              ? [...Object.keys(value), ...Object.values(value).flatMap(names)]
              : names(value),
          );
    const all = tools.flatMap((t) => names(t.inputSchema));
    expect(all.length).toBeGreaterThan(50);
    expect(all.filter((n) => /key|token|secret|password|auth/i.test(n) && n !== 'max_tokens')).toEqual([]);
  });

  it('offers the memory://{workspace}/{id} resource template', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['memory://{workspace}/{id}']);
  });
});

describe('every tool with valid arguments', () => {
  it('returns structuredContent matching its output schema, and does what it says', async () => {
    const stored = await ok('store_memory', { workspace: W, memory: lesson });
    expect(stored.memory).toEqual(expect.objectContaining({ ...lesson, workspaceId: W, outcome: 'success' }));
    const failure = await ok('store_memory', {
      workspace: W,
      outcome: 'failure',
      task: 'Find the cheapest flight on a travel site',
      memory: {
        title: 'Sort before picking the cheapest',
        description: 'Use when asked for the minimum of a listed value.',
        content: 'Sort the list by the asked value before picking; the default order is relevance, not price.',
        errorContext: { errorType: 'wrong target', failurePattern: 'picked the first result', correctiveGuidance: 'sort by the value first' },
      },
    });

    const retrieved = await ok('retrieve_memories', { workspace: W, query: 'the item is not on the first page of search results', n_results: 2 });
    expect(retrieved.memories[0].memory.id).toBe(stored.memory.id);
    expect(retrieved.memories[0].components.similarity).toBeGreaterThan(0.3);

    const searched = await ok('search_knowledge', { workspace: W, query: 'cheapest price', n_results: 5, min_score: 0, include_failures: true });
    expect(searched.memories.map((m: Json) => m.memory.id)).toContain(failure.memory.id);

    const updated = await ok('update_memory', { workspace: W, id: stored.memory.id, patch: { tags: ['search'], domain: 'web' }, confirm: true });
    expect(updated.memory).toEqual(expect.objectContaining({ tags: ['search'], domain: 'web', updatedAt: expect.any(String) }));

    const genealogy = await ok('get_memory_genealogy', { workspace: W, id: stored.memory.id, max_depth: 3 });
    expect(genealogy).toEqual(expect.objectContaining({ found: true, ancestors: [], descendants: [] }));
    expect((await ok('get_memory_genealogy', { workspace: W, id: 'no-such-id' })).found).toBe(false);

    const stats = await ok('get_statistics', { workspace: W });
    expect(stats).toEqual(expect.objectContaining({ workspace: W, memories: 2, traces: 2, errorMemories: 1 }));

    expect((await ok('manage_workspace', { action: 'list' })).workspaces).toContain(W);
    expect((await ok('manage_workspace', { action: 'stats', workspace: W })).statistics.memories).toBe(2);

    const backup = await ok('backup_memories', { action: 'create', workspace: W, name: 'tools-spec' });
    expect(backup.manifest.counts).toEqual({ memories: 2, traces: 2 });
    expect((await ok('backup_memories', { action: 'validate', name: 'tools-spec' })).manifest.workspaceId).toBe(W);
    expect((await ok('backup_memories', { action: 'list' })).backups.map((b: Json) => b.name)).toContain('tools-spec');
    const restored = await ok('backup_memories', { action: 'restore', name: 'tools-spec', workspace: `${W}-copy`, confirm: true });
    expect(restored.restored).toEqual({ workspaceId: `${W}-copy`, memories: 2, traces: 2 });

    expect(await ok('cleanup_old_data', { workspace: W, older_than_days: 365, dry_run: true })).toEqual({ workspace: W, memories: 0, traces: 0, dryRun: true });

    const compressed = await ok('compress_prompt', { text: `Task:\n\n\n\n${'Sort the list.   '.repeat(40)}`, max_tokens: 30 });
    expect(compressed.finalTokens).toBeLessThanOrEqual(30);
    expect(compressed.originalTokens).toBeGreaterThan(compressed.finalTokens);

    const health = await ok('health', {});
    expect(health).toEqual(expect.objectContaining({ ok: true, defaultWorkspace: 'default', llm: expect.objectContaining({ source: 'endpoint', model: 'test-model' }) }));
    expect(health.store.backend).toMatch(/^chroma \(embedded, /);
    expect(health.embedder.model).toBe('onnx-community/all-MiniLM-L6-v2-ONNX');

    const solved = await ok('solve_coding_task', { workspace: W, task: 'Write a function that returns its argument unchanged.' });
    expect(solved).toEqual(expect.objectContaining({ outcome: 'success', answer: expect.stringContaining('def f') }));
    expect(solved.learned.map((m: Json) => m.title)).toEqual(['Validate inputs before processing']);

    const learned = await ok('learn_from_trajectory', {
      workspace: `${W}-learn`,
      task: 'Parse a date given by a user',
      trajectory: [
        { kind: 'action', output: 'Tried datetime.strptime with one format.' },
        { kind: 'observation', output: 'It failed on 2024/01/02; added a second format and it worked.' },
      ],
      outcome: 'success',
    });
    expect(learned).toEqual(expect.objectContaining({ outcome: 'success', traceId: expect.any(String) }));
    expect(learned.learned).toHaveLength(1);

    const captured = await ok('capture_knowledge', {
      workspace: `${W}-capture`,
      exchanges: [{ question: 'How do I make pip install reproducible?', answer: 'Pin versions in a lock file and install with --require-hashes.' }],
    });
    expect(captured.captured[0].learned).toHaveLength(1);

    const metrics = await ok('get_performance_metrics', {});
    const storeCalls = metrics.tools.find((t: Json) => t.name === 'store_memory');
    expect(storeCalls).toEqual(expect.objectContaining({ calls: 2, errors: 0 }));
    expect(metrics.llm.calls).toBeGreaterThan(0);

    const caches = await ok('manage_cache', { action: 'stats' });
    expect(caches.caches[0]).toEqual(expect.objectContaining({ name: 'embeddings', enabled: true }));
    const cleared = await ok('manage_cache', { action: 'clear' });
    expect(cleared.caches.map((c: Json) => [c.name, c.cleared, c.statistics.size])).toEqual([
      ['embeddings', true, 0],
      ['retrievals', true, 0],
      ['records', true, 0],
      ['query-embeddings', true, 0],
    ]);
    expect((await ok('retrieve_memories', { workspace: W, query: 'make pip install reproducible' })).memories).toBeDefined();

    const deleted = await ok('delete_memory', { workspace: W, ids: [failure.memory.id, 'never-existed'], confirm: true });
    expect(deleted).toEqual({ workspace: W, deleted: [failure.memory.id], notFound: ['never-existed'] });

    const dropped = await ok('manage_workspace', { action: 'delete', workspace: `${W}-copy`, confirm: true });
    expect(dropped.deleted).toEqual({ memories: 2, traces: 2, dryRun: false });
    expect((await ok('manage_workspace', { action: 'list' })).workspaces).not.toContain(`${W}-copy`);

    const resource = await client.readResource({ uri: `memory://${W}/${encodeURIComponent(stored.memory.id)}` });
    expect(JSON.parse((resource.contents[0] as { text: string }).text)).toEqual(expect.objectContaining({ id: stored.memory.id, title: lesson.title }));
  }, 60_000);
});

describe('bad arguments', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['retrieve_memories', { query: 'x', n_results: 0 }, 'n_results'],
    ['search_knowledge', { query: 'x', min_score: 2 }, 'min_score'],
    ['store_memory', { memory: { ...lesson, title: 'ab' } }, 'memory.title'],
    ['store_memory', { memory: lesson, api_key: 'sk-123' }, 'api_key'],
    ['update_memory', { id: 'x', patch: { title: 'A better title' } }, 'confirm'],
    ['delete_memory', { ids: [], confirm: true }, 'ids'],
    ['delete_memory', { ids: ['x'] }, 'confirm'],
    ['get_memory_genealogy', { id: 'x', max_depth: 0 }, 'max_depth'],
    ['get_statistics', { workspace: '' }, 'workspace'],
    ['manage_workspace', { action: 'delete' }, 'workspace'],
    ['manage_workspace', { action: 'delete', workspace: W }, 'confirm'],
    ['cleanup_old_data', { older_than_days: 30 }, 'confirm'],
    ['cleanup_old_data', { older_than_days: -1, dry_run: true }, 'older_than_days'],
    ['backup_memories', { action: 'restore' }, 'name'],
    ['backup_memories', { action: 'create', name: '../outside' }, 'name'],
    ['backup_memories', { action: 'validate', name: 'no-such-backup' }, 'name'],
    ['health', { verbose: true }, 'verbose'],
    ['get_performance_metrics', { reset: true }, 'reset'],
    ['manage_cache', { action: 'purge' }, 'action'],
    ['compress_prompt', { text: 'x', max_tokens: 0 }, 'max_tokens'],
    ['solve_coding_task', { task: 'x', matts_k: 11 }, 'matts_k'],
    ['learn_from_trajectory', { task: 'x' }, 'trajectory'],
    ['capture_knowledge', { exchanges: [] }, 'exchanges'],
  ];

  it.each(cases)('%s %j -> isError naming %s', async (name, args, field) => {
    const result = await call(name, args);
    expect(result.isError).toBe(true);
    // The field is named as the caller wrote it, as a whole word, not merely somewhere in the text.
    expect(result.text).toMatch(new RegExp(`(^|[^\\w.])${field.replace('.', '\\.')}([^\\w]|$)`));
    expect(result.structuredContent).toBeUndefined();
  });

  it('writes nothing when an argument is bad', async () => {
    const before = await ok('get_statistics', { workspace: 'bad-args' });
    const result = await call('store_memory', { workspace: 'bad-args', memory: { ...lesson, content: 'too short' } });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('content');
    expect(await ok('get_statistics', { workspace: 'bad-args' })).toEqual(before);
  });

  it('says when a memory to update does not exist, naming the error code', async () => {
    const result = await call('update_memory', { workspace: W, id: 'missing-memory', patch: { title: 'A better title' }, confirm: true });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^NOT_FOUND/);
  });
});

// Last: it ends the shared server.
describe('the end of the connection', () => {
  it('ends the server when the client closes stdin, and its Chroma with it', async () => {
    const chroma = childPids(serverPid);
    expect(chroma.length).toBeGreaterThan(0);
    await client.close();
    for (const pid of [serverPid, ...chroma]) await waitFor(`process ${pid} to end`, () => !isRunning(pid));
  });
});
