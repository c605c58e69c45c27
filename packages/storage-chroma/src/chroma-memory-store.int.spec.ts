import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createEmbedder, type Embedder } from '@rb/embed-batch';
import { startTelemetry } from '@rb/telemetry/sdk';
import { ChromaMemoryStore } from './chroma-memory-store.js';
import type { MemoryEmbedder } from './chroma-memory-store-options.js';
import { StorageError } from './errors.js';
import { startChroma, type ChromaServer } from './start-chroma.js';
import type { MemoryItemInput, TraceInput } from './types.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);
const modelDir = process.env['RB_MODEL_DIR'] ?? join(__dirname, '..', '..', '..', '.models');

const item = (id: string, title: string, description: string, content: string, extra: Partial<MemoryItemInput> = {}) => ({
  id,
  title,
  description,
  content,
  ...extra,
});

const sorting = item(
  'm-sort',
  'Sorting lists in Python',
  'Use list.sort() to sort in place and sorted() for a copy.',
  'To order a Python list, call list.sort() when mutating is fine, or sorted(list) to get a new sorted list; pass key= for custom order.',
  { domain: 'python', tags: ['python', 'lists'] },
);
const pagination = item(
  'm-page',
  'Walk every page of search results',
  'Web search results are often split across several pages.',
  'Before concluding that an item is missing from a website listing, click through all result pages or raise the page size.',
  { domain: 'web', tags: ['navigation'] },
);
const formError = item(
  'm-form',
  'Read form validation errors',
  'A rejected web form explains what it expects.',
  'When a web form submission fails, read the validation message next to each field and fix the input before submitting again.',
  {
    domain: 'web',
    tags: ['forms'],
    errorContext: {
      errorType: 'validation',
      failurePattern: 'resubmitting the same form input',
      correctiveGuidance: 'read the field messages first',
    },
  },
);

const trace = (id: string, workspaceId: string, memories: MemoryItemInput[], extra: Partial<TraceInput> = {}): TraceInput => ({
  id,
  workspaceId,
  task: `task ${id}: ${memories.map((m) => m.title).join('; ') || 'no memories'}`,
  outcome: 'success',
  createdAt: new Date(NOW - DAY),
  memories,
  ...extra,
});

describe('ChromaMemoryStore on a real Chroma server and the real MiniLM', () => {
  let dir: string;
  let server: ChromaServer;
  let embedder: Embedder;
  let clock = NOW;
  const calls: string[][] = [];
  let counting: MemoryEmbedder;
  let prefixes = 0;

  const open = (extra: Partial<Parameters<typeof ChromaMemoryStore.open>[0]> = {}) =>
    ChromaMemoryStore.open({ url: server.url, embedder: counting, collectionPrefix: `t${++prefixes}`, now: () => clock, ...extra });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rb-chroma-store-'));
    [server, embedder] = await Promise.all([startChroma({ path: join(dir, 'data') }), createEmbedder({ modelDir, threads: 1 })]);
    counting = {
      model: embedder.model,
      dimension: embedder.dimension,
      generateBatch: (texts) => {
        calls.push([...texts]);
        return embedder.generateBatch(texts);
      },
    };
  });
  afterAll(async () => {
    await server?.stop();
    await embedder?.dispose();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    clock = NOW;
    calls.length = 0;
  });

  it('stores a trace with one embedding batch, retrieves the semantically right memory with every score', async () => {
    const store = await open();
    await store.addTrace(trace('t1', 'w1', [sorting, pagination, formError]));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(4);

    const [top] = await store.retrieveMemories('How do I order the elements of an array in Python?', { workspaceId: 'w1' });
    expect(top!.memory).toMatchObject({ id: 'm-sort', traceId: 't1', workspaceId: 'w1', outcome: 'success', tags: ['python', 'lists'] });
    expect(top!.similarity).toBeCloseTo(1 - top!.distance, 10);
    expect(top!.similarity).toBeGreaterThan(0.5);
    expect(top!.recency).toBeCloseTo(2 ** (-1 / 30), 10);
    expect(top!.score).toBeCloseTo(0.6 * top!.similarity + 0.3 * top!.recency + 0.1 * top!.errorBoost, 10);

    const three = await store.retrieveMemories('the website form keeps rejecting my input', { workspaceId: 'w1', k: 3 });
    expect(three.map((r) => r.memory.id)[0]).toBe('m-form');
    expect(three[0]!.errorBoost).toBe(1);
    expect(three.find((r) => r.memory.id === 'm-sort')!.errorBoost).toBe(0);
    expect(three.map((r) => r.score)).toEqual([...three.map((r) => r.score)].sort((a, b) => b - a));

    expect(await store.getTrace('t1', { workspaceId: 'w1' })).toMatchObject({
      task: expect.stringContaining('task t1'),
      createdAt: new Date(NOW - DAY).toISOString(),
      extractedMemoryIds: ['m-sort', 'm-page', 'm-form'],
    });
  });

  it('stores nothing twice when the same call is retried, and nothing at all for invalid input', async () => {
    const store = await open();
    const input = trace('t1', 'w1', [sorting, pagination]);
    await store.addTrace(input);
    await store.addTrace(input);
    expect((await store.getStatistics({ workspaceId: 'w1' })).memories).toBe(2);

    const bad = trace('t2', 'w1', [formError, { ...sorting, id: 'm-new', description: 'short' }]);
    await expect(store.addTrace(bad)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'trace.memories[1].description' });
    expect(await store.getMemory('m-form', { workspaceId: 'w1' })).toBeUndefined();
    expect(await store.getTrace('t2', { workspaceId: 'w1' })).toBeUndefined();
  });

  it('keeps workspaces apart: no reads, retrievals or id takeovers across them', async () => {
    const store = await open();
    await store.addTrace(trace('t1', 'alice', [sorting]));
    await store.addTrace(trace('t2', 'bob', [pagination]));
    const bobs = await store.retrieveMemories('sort a python list', { workspaceId: 'bob', k: 5 });
    expect(bobs.map((r) => r.memory.id)).toEqual(['m-page']);
    expect(await store.getMemory('m-sort', { workspaceId: 'bob' })).toBeUndefined();
    await expect(store.addTrace(trace('t3', 'bob', [sorting]))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect((await store.getMemory('m-sort', { workspaceId: 'alice' }))!.workspaceId).toBe('alice');
    expect((await store.deleteWorkspace({ workspaceId: 'bob' })).memories).toBe(1);
    expect(await store.getMemory('m-sort', { workspaceId: 'alice' })).toBeDefined();
  });

  it('filters by failures, domain, tags and minScore', async () => {
    const store = await open();
    await store.addTrace(trace('ok', 'w', [sorting, pagination]));
    await store.addTrace(trace('bad', 'w', [formError], { outcome: 'failure' }));
    const ids = async (opts: object) =>
      (await store.retrieveMemories('web page', { workspaceId: 'w', k: 10, ...opts })).map((r) => r.memory.id).sort();
    expect(await ids({})).toEqual(['m-form', 'm-page', 'm-sort']);
    expect(await ids({ includeFailures: false })).toEqual(['m-page', 'm-sort']);
    expect(await ids({ domain: 'web' })).toEqual(['m-form', 'm-page']);
    expect(await ids({ tags: ['lists', 'forms'] })).toEqual(['m-form', 'm-sort']);
    expect(await ids({ domain: 'web', includeFailures: false, tags: ['navigation'] })).toEqual(['m-page']);
    const all = await store.retrieveMemories('web page', { workspaceId: 'w', k: 10 });
    const threshold = all[1]!.score;
    expect((await store.retrieveMemories('web page', { workspaceId: 'w', k: 10, minScore: threshold })).length).toBe(2);
    await expect(store.retrieveMemories('x', { workspaceId: 'w', k: 0 })).rejects.toMatchObject({ field: 'k' });
  });

  it('ranks a recent memory above an equally similar old one (true half-life)', async () => {
    const store = await open();
    await store.addTrace(trace('old', 'w', [{ ...sorting, id: 'old', createdAt: new Date(NOW - 60 * DAY) }]));
    await store.addTrace(trace('new', 'w', [{ ...sorting, id: 'new', createdAt: new Date(NOW) }]));
    const [first, second] = await store.retrieveMemories('sort a python list', { workspaceId: 'w', k: 2 });
    expect(first!.memory.id).toBe('new');
    expect(second!.recency).toBeCloseTo(0.25, 10);
    expect(first!.similarity).toBeCloseTo(second!.similarity, 5);
  });

  it('walks genealogy up and down with depth and cycle guards, by filtered queries', async () => {
    const store = await open();
    const base = { title: 'Genealogy memory', description: 'A memory in a family tree.', content: 'Content long enough to be a valid memory item.' };
    await store.addTrace(
      trace('g', 'w', [
        { ...base, id: 'root' },
        { ...base, id: 'child', parentId: 'root', evolutionStage: 1 },
        { ...base, id: 'merged', derivedFrom: ['child', 'other'], evolutionStage: 2 },
        { ...base, id: 'other' },
        { ...base, id: 'grandchild', parentId: 'child', evolutionStage: 2 },
        { ...base, id: 'cycle-a', parentId: 'cycle-b' },
        { ...base, id: 'cycle-b', parentId: 'cycle-a' },
      ]),
    );
    const tree = await store.getGenealogy('child', { workspaceId: 'w' });
    expect(tree!.ancestors.map((e) => [e.memory.id, e.depth])).toEqual([['root', 1]]);
    expect(tree!.descendants.map((e) => [e.memory.id, e.depth]).sort()).toEqual([['grandchild', 1], ['merged', 1]]);
    const down = await store.getGenealogy('root', { workspaceId: 'w', maxDepth: 1 });
    expect(down!.descendants.map((e) => e.memory.id)).toEqual(['child']);
    expect(down!.truncated).toBe(true);
    const cycle = await store.getGenealogy('cycle-a', { workspaceId: 'w' });
    expect(cycle!.ancestors.map((e) => e.memory.id)).toEqual(['cycle-b']);
    expect(cycle!.descendants.map((e) => e.memory.id)).toEqual(['cycle-b']);
    expect(await store.getGenealogy('root', { workspaceId: 'elsewhere' })).toBeUndefined();
  });

  it('deletes by age and by workspace, with a dry-run count first', async () => {
    const store = await open();
    await store.addTrace(trace('old', 'w', [{ ...sorting, createdAt: new Date(NOW - 100 * DAY) }], { createdAt: new Date(NOW - 100 * DAY) }));
    await store.addTrace(trace('new', 'w', [pagination]));
    await store.addTrace(trace('other', 'x', [formError], { createdAt: new Date(NOW - 100 * DAY) }));
    expect(await store.deleteOlderThan({ workspaceId: 'w', olderThanDays: 90, dryRun: true })).toEqual({ memories: 1, traces: 1, dryRun: true });
    expect((await store.getStatistics({ workspaceId: 'w' })).memories).toBe(2);
    expect(await store.deleteOlderThan({ workspaceId: 'w', olderThanDays: 90 })).toEqual({ memories: 1, traces: 1, dryRun: false });
    expect(await store.getMemory('m-sort', { workspaceId: 'w' })).toBeUndefined();
    expect(await store.getStatistics({ workspaceId: 'w' })).toMatchObject({ memories: 1, traces: 1 });
    expect((await store.getStatistics({ workspaceId: 'x' })).memories).toBe(1);
    expect(await store.deleteWorkspace({ workspaceId: 'w', dryRun: true })).toEqual({ memories: 1, traces: 1, dryRun: true });
    await store.deleteWorkspace({ workspaceId: 'w' });
    expect(await store.retrieveMemories('web', { workspaceId: 'w', k: 5 })).toEqual([]);
  });

  it('counts by outcome, domain and error memories', async () => {
    const store = await open();
    await store.addTrace(trace('s', 'w', [sorting, pagination]));
    await store.addTrace(trace('f', 'w', [formError], { outcome: 'failure' }));
    expect(await store.getStatistics({ workspaceId: 'w' })).toEqual({
      memories: 3,
      traces: 2,
      memoriesByOutcome: { success: 2, failure: 1, partial: 0 },
      tracesByOutcome: { success: 1, failure: 1, partial: 0 },
      memoriesByDomain: { python: 1, web: 2 },
      errorMemories: 1,
    });
  });

  it('backs up, is wiped, and restores to equal records and rankings; refuses tampering and another model', async () => {
    const store = await open();
    await store.addTrace(trace('t1', 'w', [sorting, pagination]));
    await store.addTrace(trace('t2', 'w', [formError], { outcome: 'failure' }));
    const before = await store.retrieveMemories('python list', { workspaceId: 'w', k: 3 });
    const backupDir = join(dir, 'backup');
    const manifest = await store.backup({ workspaceId: 'w', dir: backupDir });
    expect(manifest).toMatchObject({ schemaVersion: 1, model: embedder.model, dimension: 384, counts: { memories: 3, traces: 2 } });
    expect(manifest.files['memories.jsonl']!.sha256).toMatch(/^[0-9a-f]{64}$/);

    await store.deleteWorkspace({ workspaceId: 'w' });
    expect(await store.getMemory('m-sort', { workspaceId: 'w' })).toBeUndefined();
    calls.length = 0;
    expect(await store.restore({ dir: backupDir })).toEqual({ memories: 3, traces: 2, workspaceId: 'w' });
    expect(calls).toEqual([]);
    const after = await store.retrieveMemories('python list', { workspaceId: 'w', k: 3 });
    expect(after.map((r) => [r.memory, r.score])).toEqual(before.map((r) => [r.memory, expect.closeTo(r.score, 6)]));
    expect(await store.getTrace('t2', { workspaceId: 'w' })).toMatchObject({ outcome: 'failure' });

    const other = await open({ embedder: { ...counting, model: 'another-model', generateBatch: counting.generateBatch } });
    await expect(other.restore({ dir: backupDir })).rejects.toMatchObject({ code: 'MODEL_MISMATCH' });
    calls.length = 0;
    expect(await other.restore({ dir: backupDir, reembed: true })).toMatchObject({ memories: 3, traces: 2 });
    expect(calls.map((batch) => batch.length)).toEqual([3, 2]);
    expect((await other.retrieveMemories('python list', { workspaceId: 'w' }))[0]!.memory.id).toBe(before[0]!.memory.id);

    const path = join(backupDir, 'traces.jsonl');
    await writeFile(path, (await readFile(path, 'utf8')).replace('failure', 'success'));
    await expect(store.restore({ dir: backupDir })).rejects.toMatchObject({ code: 'BACKUP_INVALID' });
  });

  it('serves repeated reads from the cache and drops entries on update and delete', async () => {
    const store = await open();
    await store.addTrace(trace('t', 'w', [sorting, pagination]));
    const before = store.getCacheStatistics().chroma;
    await store.retrieveMemories('sort a python list', { workspaceId: 'w' });
    await store.retrieveMemories('sort a python list', { workspaceId: 'w' });
    const ordered = await store.getMemories(['m-page', 'nope', 'm-sort'], { workspaceId: 'w' });
    expect(ordered.map((m) => m?.id)).toEqual(['m-page', undefined, 'm-sort']);
    const stats = store.getCacheStatistics();
    expect(stats.chroma.queries - before.queries).toBe(1);
    expect(stats.retrievals!.hits).toBe(1);
    expect(stats.memories!.hits).toBeGreaterThanOrEqual(2);

    const updated = await store.updateMemory('m-sort', { title: 'Sorting Python lists, revised' }, { workspaceId: 'w' });
    expect(updated!.title).toBe('Sorting Python lists, revised');
    expect((await store.getMemory('m-sort', { workspaceId: 'w' }))!.title).toBe('Sorting Python lists, revised');
    const [top] = await store.retrieveMemories('sort a python list', { workspaceId: 'w' });
    expect(top!.memory.title).toBe('Sorting Python lists, revised');
    expect(store.getCacheStatistics().chroma.queries - before.queries).toBe(2);

    expect(await store.deleteMemories(['m-sort'], { workspaceId: 'w' })).toBe(1);
    expect(await store.getMemory('m-sort', { workspaceId: 'w' })).toBeUndefined();
    expect((await store.retrieveMemories('sort a python list', { workspaceId: 'w', k: 5 })).map((r) => r.memory.id)).toEqual(['m-page']);
  });

  it('feeds spans and the seed statistics through @rb/telemetry', async () => {
    const exporter = new InMemorySpanExporter();
    const telemetry = startTelemetry({ exporter, spanProcessor: 'simple' });
    try {
      const store = await open();
      await store.addTrace(trace('t', 'w', [sorting, pagination]));
      await store.retrieveMemories('sort a python list', { workspaceId: 'w' });
      await store.retrieveMemories('sort a python list', { workspaceId: 'w' });
      await telemetry.forceFlush();
      const retrievals = exporter.getFinishedSpans().filter((span) => span.name === 'rb.storage.retrieve');
      expect(retrievals.map((span) => span.attributes['rb.cache.hit'])).toEqual([false, true]);
      expect(exporter.getFinishedSpans().map((span) => span.name)).toContain('rb.storage.add_trace');
      const statistics = await telemetry.getStatistics();
      expect(statistics.memoriesCached).toBe(2);
      expect(statistics.cacheHits).toBeGreaterThan(0);
    } finally {
      await telemetry.shutdown();
    }
  });

  it('refuses vectors of the wrong length from the embedder, writing nothing', async () => {
    const short: MemoryEmbedder = { ...counting, generateBatch: async (texts) => texts.map(() => new Float32Array(12)) };
    const store = await open({ embedder: short });
    await expect(store.addTrace(trace('t', 'w', [sorting]))).rejects.toMatchObject({ code: 'MODEL_MISMATCH' });
    expect(await store.getStatistics({ workspaceId: 'w' })).toMatchObject({ memories: 0, traces: 0 });
  });

  it('refuses to open collections built with another model or dimension', async () => {
    await open({ collectionPrefix: 'shared' });
    const other = { ...counting, model: 'other', dimension: 768 };
    const error = await ChromaMemoryStore.open({ url: server.url, embedder: other, collectionPrefix: 'shared' }).catch((e: unknown) => e);
    expect(StorageError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'MODEL_MISMATCH', stored: { model: embedder.model, dimension: 384 }, expected: { model: 'other', dimension: 768 } });
  });

  it('keeps data across a server restart and reports a server that is down', async () => {
    const path = join(dir, 'restart');
    const first = await startChroma({ path });
    const store = await ChromaMemoryStore.open({ url: first.url, embedder: counting, enableMemoryCache: false });
    await store.addTrace(trace('t', 'w', [sorting]));
    await first.stop();
    await expect(store.getMemory('m-sort', { workspaceId: 'w' })).rejects.toMatchObject({
      code: 'SERVER_UNREACHABLE',
      url: first.url,
      message: expect.stringContaining('startChroma'),
    });
    await expect(ChromaMemoryStore.open({ url: first.url, embedder: counting })).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE' });

    const second = await startChroma({ path });
    try {
      const reopened = await ChromaMemoryStore.open({ url: second.url, embedder: counting });
      expect((await reopened.getMemory('m-sort', { workspaceId: 'w' }))!.title).toBe(sorting.title);
    } finally {
      await second.stop();
    }
  });
});
