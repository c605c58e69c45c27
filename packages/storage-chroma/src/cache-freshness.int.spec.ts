import { randomUUID } from 'node:crypto';
import { createTestEmbedder } from '@rb/memory/testing';
import { ChromaMemoryStore } from './chroma-memory-store.js';
import { startChromaProxy, type ChromaProxy, type SeenRequest } from './test-support/chroma-proxy.js';
import { startTestChroma } from './test-support/chroma-fixture.js';
import { LESSONS, traceOf } from './test-support/lessons.js';

// A read that started before an acknowledged write must not put its result into a cache after that write. The proxy
// holds Chroma's answer to the read until the write (not held) was acknowledged, plus 300 ms, so the two surely overlap
// however long the write takes.
const embedder = createTestEmbedder();
let chroma: Awaited<ReturnType<typeof startTestChroma>>;
let proxy: ChromaProxy;
let store: ChromaMemoryStore;
let writer: ChromaMemoryStore;

const isQuery = (r: SeenRequest) => r.path.endsWith('/query');
// A read of memory records by id (not a registry row, whose ids start with "w." or "j.").
const isRecordRead = (r: SeenRequest) =>
  r.path.endsWith('/get') && r.body.includes('"include":["documents"]') && r.body.includes('"ids"') && !/"[wj]\./.test(r.body);

beforeAll(async () => {
  chroma = await startTestChroma();
  proxy = await startChromaProxy(chroma.server.url);
  store = await ChromaMemoryStore.open({ url: proxy.url, embedder, collectionPrefix: 'fresh' });
  writer = await ChromaMemoryStore.open({ url: proxy.url, embedder, collectionPrefix: 'fresh' });
}, 60_000);
afterAll(async () => {
  await store?.close();
  await writer?.close();
  await proxy?.close();
  await chroma?.stop();
}, 60_000);

/** A workspace holding the four lessons (written by `by`); returns their ids by name. */
async function seeded(by = store) {
  const workspaceId = `ws-${randomUUID()}`;
  const lessons = Object.entries(LESSONS).map(([name, lesson]) => ({ ...lesson, id: `${name}-${randomUUID()}` }));
  await by.addTrace(traceOf(workspaceId, lessons));
  const ids = Object.fromEntries(Object.keys(LESSONS).map((name, i) => [name, lessons[i]!.id])) as Record<keyof typeof LESSONS, string>;
  return { workspaceId, ids };
}

/**
 * Starts `read` with Chroma's answers matching `slow` held until `release()` (and 300 ms more); resolves once its
 * request reached the proxy. `release()` is called after the racing write resolved.
 */
async function slowRead<T>(slow: (r: SeenRequest) => boolean, read: () => Promise<T>): Promise<{ result: Promise<T>; release: () => void }> {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const removeRule = proxy.rule({ match: slow, delayMs: 300, until: gate });
  const release = () => {
    removeRule();
    open();
  };
  let arrived!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  const stop = proxy.onRequest((r) => slow(r) && arrived());
  const result = read();
  await reached;
  stop();
  return { result, release };
}

jest.setTimeout(30_000);

describe('no cache serves what an acknowledged write changed (reads held 300 ms by a proxy)', () => {
  it('updateMemory: a retrieval that overlapped it does not cache the old record', async () => {
    const { workspaceId, ids } = await seeded();
    const query = 'sort a python list in place';
    const { result, release } = await slowRead(isQuery, () => store.retrieve({ workspaceId, query, k: 4, minScore: 0 }));
    const updated = await store.updateMemory({ workspaceId, id: ids.sort, patch: { title: 'Sorting Python lists stably' } });
    release();
    expect((await result)[0]?.memory.id).toBe(ids.sort);
    const after = await store.retrieve({ workspaceId, query, k: 4, minScore: 0 });
    expect(after[0]?.memory).toEqual(updated);
  });

  it('deleteMemories: a retrieval that overlapped it does not cache the deleted memory', async () => {
    const { workspaceId, ids } = await seeded();
    const query = 'walk every page of the search results';
    const { result, release } = await slowRead(isQuery, () => store.retrieve({ workspaceId, query, k: 4, minScore: 0 }));
    expect(await store.deleteMemories({ workspaceId, ids: [ids.pages] })).toEqual({ deleted: [ids.pages], notFound: [] });
    release();
    await result;
    const after = await store.retrieve({ workspaceId, query, k: 4, minScore: 0 });
    expect(after.map((r) => r.memory.id)).not.toContain(ids.pages);
  });

  it('addTrace: a retrieval that overlapped it does not cache a list missing the new best match', async () => {
    // Dense retrieval only: with the lexical index on, BM25 alone would bring the new memory back.
    const dense = await ChromaMemoryStore.open({ url: proxy.url, embedder, collectionPrefix: 'fresh', retrieval: { lexicalWeight: 0 } });
    const { workspaceId } = await seeded(dense);
    const query = 'rotate the api keys of the payment service';
    const { result, release } = await slowRead(isQuery, () => dense.retrieve({ workspaceId, query, k: 4, minScore: 0 }));
    const lesson = {
      id: `keys-${randomUUID()}`,
      title: 'Rotate API keys of the payment service',
      description: 'Use when the payment service keys must be rotated.',
      content: 'Create the new api keys first, deploy them to the payment service, then revoke the old keys.',
    };
    await dense.addTrace(traceOf(workspaceId, [lesson]));
    release();
    await result;
    const after = await dense.retrieve({ workspaceId, query, k: 4, minScore: 0 });
    await dense.close();
    expect(after[0]?.memory.id).toBe(lesson.id);
  });

  it('getMemory: a read that overlapped a delete or an update does not cache the old record', async () => {
    // Written by another store, so that this one's record cache starts empty and its reads go to Chroma.
    const { workspaceId, ids } = await seeded(writer);
    const deleting = await slowRead(isRecordRead, () => store.getMemory({ workspaceId, id: ids.docker }));
    await store.deleteMemories({ workspaceId, ids: [ids.docker] });
    deleting.release();
    expect((await deleting.result)?.id).toBe(ids.docker);
    expect(await store.getMemory({ workspaceId, id: ids.docker })).toBeUndefined();

    const updating = await slowRead(isRecordRead, () => store.getMemory({ workspaceId, id: ids.schema }));
    const updated = await store.updateMemory({ workspaceId, id: ids.schema, patch: { content: 'Read the schema with DESCRIBE before any query, then use the real column names.' } });
    updating.release();
    await updating.result;
    expect(await store.getMemory({ workspaceId, id: ids.schema })).toEqual(updated);
  });

  it('keeps serving from the cache what no write touched, and updates cached lists in place', async () => {
    const { workspaceId, ids } = await seeded();
    const query = 'copy the lockfile first in the dockerfile';
    // Lexical scores and recency move with the bank and the clock; the dense candidates come from the cache.
    const dense = (results: { memory: { id: string }; components: { similarity: number } }[]) => results.map((r) => [r.memory.id, r.components.similarity]);
    const first = dense(await store.retrieve({ workspaceId, query, k: 2, minScore: 0 }));
    const queries = () => store.getCacheStatistics().requests['query'] ?? 0;
    const before = queries();
    await store.addTrace(traceOf(workspaceId, [{ ...LESSONS.sort, id: `sort-2-${randomUUID()}`, title: 'Sorting tuples in Python' }]));
    await store.updateMemory({ workspaceId, id: ids.pages, patch: { title: 'Walk all pages of the results' } });
    expect(dense(await store.retrieve({ workspaceId, query, k: 2, minScore: 0 }))).toEqual(first);
    expect(queries()).toBe(before);
  });

  it('loads a queried workspace into the record cache, then asks Chroma for ids and distances only', async () => {
    const reader = await ChromaMemoryStore.open({ url: proxy.url, embedder, collectionPrefix: 'fresh' });
    try {
      const { workspaceId } = await seeded(writer);
      await reader.retrieve({ workspaceId, query: 'sort a python list' }); // starts the warm-up
      const deadline = Date.now() + 10_000;
      while ((reader.getCacheStatistics().records?.size ?? 0) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const from = proxy.requests.length;
      const results = await reader.retrieve({ workspaceId, query: 'read the schema of the sql table', k: 4, minScore: 0 });
      const sent = proxy.requests.slice(from);
      expect(sent.map((r) => r.path.split('/').pop())).toEqual(['query']);
      expect(sent[0]!.body).toContain('"include":["distances"]');
      expect(results[0]?.memory.title).toBe(LESSONS.schema.title);
    } finally {
      await reader.close();
    }
  });
});
