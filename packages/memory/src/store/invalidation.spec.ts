import { InMemoryBackend } from '../in-memory/in-memory-backend.js';
import { createTestEmbedder } from '../testing/test-embedder.js';
import { LESSONS } from '../testing/suite-helpers.js';
import { BackendMemoryStore } from './backend-memory-store.js';
import { createLocalInvalidation, type InvalidationSeam } from './invalidation.js';

// Two stores over one backend stand for two processes sharing one Chroma; the seam is how each hears of the other's
// writes. The lexical index is what a store keeps of a workspace between calls, so it is what the seam must refresh.
const embedder = createTestEmbedder();
const QUERY = 'My unit test is flaky because it sleeps while waiting for time to pass';

describe('the invalidation seam', () => {
  it("lets a store find another store's new memory at once, which without a seam it would not", async () => {
    const backend = new InMemoryBackend();
    const seam = createLocalInvalidation();
    const writer = new BackendMemoryStore({ backend, embedder, invalidation: seam });
    const reader = new BackendMemoryStore({ backend, embedder, invalidation: seam });
    const unaware = new BackendMemoryStore({ backend, embedder });
    try {
      await writer.addTrace({ workspaceId: 'w', trace: { task: 't', outcome: 'success', memories: [LESSONS.gitRebase] } });
      // Both readers build their lexical index of the workspace now.
      expect(await reader.retrieve({ workspaceId: 'w', query: QUERY })).toEqual([]);
      expect(await unaware.retrieve({ workspaceId: 'w', query: QUERY })).toEqual([]);

      await writer.addTrace({ workspaceId: 'w', trace: { task: 't', outcome: 'success', memories: [LESSONS.clock] } });
      const [found] = await reader.retrieve({ workspaceId: 'w', query: QUERY });
      expect(found?.memory.title).toBe(LESSONS.clock.title);
      expect(found?.components.lexical).toBeGreaterThan(0); // its lexical index was rebuilt on the seam's event
      const [stale] = await unaware.retrieve({ workspaceId: 'w', query: QUERY, minScore: 0 });
      expect(stale?.components.lexical ?? 0).toBe(0); // the lexical side has not seen the memory yet
    } finally {
      await Promise.all([writer.close(), reader.close(), unaware.close()]);
    }
  });

  it('never turns an acknowledged write into a failure when the seam throws', async () => {
    const broken: InvalidationSeam = {
      publish: () => {
        throw new Error('pub/sub is down');
      },
      subscribe: () => () => undefined,
    };
    const store = new BackendMemoryStore({ backend: new InMemoryBackend(), embedder, invalidation: broken });
    try {
      const { memoryIds } = await store.addTrace({ workspaceId: 'w', trace: { task: 't', outcome: 'success', memories: [LESSONS.clock] } });
      expect(await store.getMemories({ workspaceId: 'w', ids: memoryIds })).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
