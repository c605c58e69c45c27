import { randomUUID } from 'node:crypto';
import { createLocalInvalidation } from '@rb/memory';
import { createTestEmbedder } from '@rb/memory/testing';
import { ChromaMemoryStore } from './chroma-memory-store.js';
import type { ChromaMemoryStoreOptions } from './chroma-memory-store-options.js';
import { startTestChroma } from './test-support/chroma-fixture.js';
import { LESSONS, rejection, traceOf } from './test-support/lessons.js';
import { rawChroma } from './test-support/raw-chroma.js';
import { workspaceHash } from './workspace-registry.js';

const embedder = createTestEmbedder();
let chroma: Awaited<ReturnType<typeof startTestChroma>>;
const stores: ChromaMemoryStore[] = [];
const open = async (prefix: string, extra: Partial<ChromaMemoryStoreOptions> = {}) => {
  const store = await ChromaMemoryStore.open({ url: chroma.server.url, embedder, collectionPrefix: prefix, ...extra });
  stores.push(store);
  return store;
};
const lesson = (id: string, title: string) => ({ ...LESSONS.sort, id, title });

jest.setTimeout(60_000);
beforeAll(async () => {
  chroma = await startTestChroma();
}, 60_000);
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});
afterAll(async () => {
  await chroma?.stop();
}, 60_000);

describe('workspaces are isolated by construction', () => {
  it('keeps apart workspace/id pairs that a joined cache key would confuse', async () => {
    const store = await open('keys');
    // Under `workspaceId + sep + id`, each pair would share a key with its partner.
    const pairs: [string, string][][] = ['|', ':', '","', ' '].map((sep, i) => [
      [`a${i}${sep}b`, 'c'],
      [`a${i}`, `b${sep}c`],
    ]);
    for (const pair of pairs) {
      for (const [workspaceId, id] of pair) await store.addTrace(traceOf(workspaceId, [lesson(id, `Lesson ${id} of ${workspaceId}`)]));
      for (const [workspaceId, id] of pair) {
        // Twice: the second read comes from the record cache.
        for (let i = 0; i < 2; i++) expect((await store.getMemory({ workspaceId, id }))?.title).toBe(`Lesson ${id} of ${workspaceId}`);
        const [other] = pair.filter(([w]) => w !== workspaceId);
        expect(await store.getMemory({ workspaceId, id: other![1] })).toBeUndefined();
        const found = await store.retrieve({ workspaceId, query: LESSONS.sort.content, k: 10, minScore: 0 });
        expect(found.map((r) => [r.memory.workspaceId, r.memory.id])).toEqual([[workspaceId, id]]);
      }
    }
  });

  it('lets two workspaces (and two stores, as two processes would) add the same new id at the same moment, 20 rounds', async () => {
    const [one, two] = [await open('race'), await open('race')];
    const [a, b] = ['race-a', 'race-b'];
    for (let round = 0; round < 20; round++) {
      const id = `shared-${round}`;
      await Promise.all([
        one.addTrace(traceOf(a, [lesson(id, `Lesson of workspace A, round ${round}`)])),
        two.addTrace(traceOf(b, [lesson(id, `Lesson of workspace B, round ${round}`)])),
      ]);
      expect((await one.getMemory({ workspaceId: a, id }))?.title).toBe(`Lesson of workspace A, round ${round}`);
      expect((await one.getMemory({ workspaceId: b, id }))?.title).toBe(`Lesson of workspace B, round ${round}`);
      expect((await two.getMemory({ workspaceId: a, id }))?.workspaceId).toBe(a);
    }
  });

  it('lets two stores create one new workspace at once: one pair of collections, both writes kept', async () => {
    const [one, two] = [await open('create'), await open('create')];
    await Promise.all([one.addTrace(traceOf('fresh', [lesson('m1', 'Lesson one')])), two.addTrace(traceOf('fresh', [lesson('m2', 'Lesson two')]))]);
    expect((await one.getMemories({ workspaceId: 'fresh', ids: ['m1', 'm2'] })).map((m) => m?.title)).toEqual(['Lesson one', 'Lesson two']);
    expect((await rawChroma(chroma.server.url, 'create')).collections.sort()).toEqual(
      ['create-registry', `create-${workspaceHash('fresh')}-m`, `create-${workspaceHash('fresh')}-t`].sort(),
    );
  });

  it('takes any workspace id (long, unicode, path-like, prototype names) and names collections safely', async () => {
    const store = await open('names');
    const ids = ['x'.repeat(200), 'Équipe données 🚀', '../../etc/passwd', 'a/b\\c', '__proto__', 'constructor', ' spaced out '];
    for (const workspaceId of ids) await store.addTrace(traceOf(workspaceId, [lesson(`m-${randomUUID()}`, `Lesson of ${workspaceId.slice(0, 40)}`)]));
    expect((await store.listWorkspaces()).sort()).toEqual([...ids].sort());
    const { collections } = await rawChroma(chroma.server.url, 'names');
    expect(collections.every((name) => /^names-(registry|[0-9a-f]{32}-[mt])$/.test(name))).toBe(true);
    expect(collections).toHaveLength(ids.length * 2 + 1);

    expect(await store.deleteWorkspace({ workspaceId: '__proto__' })).toEqual({ memories: 1, traces: 1, dryRun: false });
    expect(await store.listWorkspaces()).not.toContain('__proto__');
    expect((await rawChroma(chroma.server.url, 'names')).collections).toHaveLength(ids.length * 2 - 1);
    expect(await store.retrieve({ workspaceId: '__proto__', query: LESSONS.sort.content, minScore: 0 })).toEqual([]);
  });

  it('lists only workspaces that hold something', async () => {
    const store = await open('listing');
    const { memoryIds } = await store.addTrace(traceOf('emptied', [lesson('m', 'Lesson to delete')]));
    await store.addTrace(traceOf('kept', [lesson('k', 'Lesson to keep')]));
    const { traces } = await store.listTraces({ workspaceId: 'emptied' });
    await store.deleteMemories({ workspaceId: 'emptied', ids: memoryIds });
    await store.deleteOlderThan({ workspaceId: 'emptied', olderThanDays: 0 });
    expect(traces).toHaveLength(1);
    expect(await store.listWorkspaces()).toEqual(['kept']);
  });

  it('refuses to open a bank made with another model', async () => {
    await (await open('model')).addTrace(traceOf('w', [LESSONS.sort]));
    const other = { model: 'another/model', dimension: 384, generateBatch: embedder.generateBatch };
    const error = await rejection(ChromaMemoryStore.open({ url: chroma.server.url, embedder: other, collectionPrefix: 'model' }));
    expect(error).toMatchObject({ code: 'MODEL_MISMATCH', stored: { model: embedder.model, dimension: 384 }, expected: { model: 'another/model' } });
  });
});

describe('another process replacing a workspace', () => {
  it('is seen at once by a store on the same invalidation seam, and by an uncached store through a fresh lookup', async () => {
    const invalidation = createLocalInvalidation();
    const writer = await open('replaced', { invalidation });
    const cached = await open('replaced', { invalidation });
    const uncached = await open('replaced', { enableMemoryCache: false });
    await writer.addTrace(traceOf('w', [lesson('m', 'The first version')]));
    for (const reader of [cached, uncached]) expect((await reader.getMemory({ workspaceId: 'w', id: 'm' }))?.title).toBe('The first version');

    // A backup of another workspace restored over this one: new collections, the old ones dropped.
    await writer.addTrace(traceOf('source', [lesson('m', 'The restored version')]));
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(chroma.dir, 'backup-'));
    try {
      await writer.backup({ workspaceId: 'source', dir });
      await writer.restore({ dir, workspaceId: 'w', mode: 'replace' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    for (const reader of [cached, uncached]) {
      expect((await reader.getMemory({ workspaceId: 'w', id: 'm' }))?.title).toBe('The restored version');
      const [best] = await reader.retrieve({ workspaceId: 'w', query: LESSONS.sort.content, minScore: 0 });
      expect(best?.memory.title).toBe('The restored version');
    }
  });
});
