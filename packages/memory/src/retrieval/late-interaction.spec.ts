import { InMemoryMemoryStore } from '../in-memory/in-memory-memory-store.js';
import type { MemoryEmbedder, MemoryTokenVectors } from '../memory-embedder.js';
import type { MemoryItemInput } from '../memory-item.js';
import { expectMemoryError, testGlobals } from '../testing/suite-helpers.js';
import { createTestEmbedder } from '../testing/test-embedder.js';
import { contentRows, maxSimDirections, symmetricMaxSim, TokenVectorCache } from './late-interaction.js';

const DIM = 64;
/** A unit row with a 1 at `at`: rows of different words are orthogonal, so MaxSim counts shared words. */
const row = (at: number) => Float32Array.from({ length: DIM }, (_, i) => (i === at ? 1 : 0));
const rows = (...ats: number[]) => {
  const out = new Float32Array(ats.length * DIM);
  ats.forEach((at, i) => out.set(row(at), i * DIM));
  return out;
};

describe('late interaction, piece by piece', () => {
  it('keeps the pieces of content words only, a word and its ## pieces together', () => {
    const text: MemoryTokenVectors = { pieces: ['the', 'index', '##ing', 'is', 'slow', '.'], vectors: rows(0, 1, 2, 3, 4, 5) };
    expect(Array.from(contentRows(text, DIM))).toEqual(Array.from(rows(1, 2, 4)));
  });

  it('keeps every piece of a text made of stop words only', () => {
    const text: MemoryTokenVectors = { pieces: ['what', 'is', 'it', '?'], vectors: rows(0, 1, 2, 3) };
    expect(contentRows(text, DIM)).toBe(text.vectors);
  });

  it('scores symmetric MaxSim: the mean of both directions of best matches', () => {
    expect(symmetricMaxSim(rows(1, 2), rows(1, 2), DIM)).toBeCloseTo(1);
    expect(symmetricMaxSim(rows(1, 2), rows(3, 4), DIM)).toBeCloseTo(0);
    // The task's one word is matched (1); half of the memory's words are (0.5).
    expect(maxSimDirections(rows(1), rows(1, 2), DIM)).toEqual({ taskToMemory: 1, memoryToTask: 0.5 });
    expect(symmetricMaxSim(rows(1), rows(1, 2), DIM)).toBeCloseTo(0.75);
    expect(symmetricMaxSim(new Float32Array(0), rows(1), DIM)).toBe(0);
  });

  it('caches rows per workspace, id and text, least recently used dropped first past its bytes', () => {
    const entry = rows(1, 2); // 512 bytes
    const cache = new TokenVectorCache(2 * (entry.byteLength + 8));
    cache.set('w', 'a', 'text', entry);
    cache.set('w', 'b', 'text', entry);
    expect(cache.get('w', 'a', 'text')).toBe(entry); // a is now the most recently used
    cache.set('w', 'c', 'text', entry);
    expect(cache.get('w', 'b', 'text')).toBeUndefined();
    expect(cache.get('w', 'a', 'text')).toBe(entry);
    expect(cache.get('w', 'a', 'changed text')).toBeUndefined();
    expect(cache.get('other', 'a', 'text')).toBeUndefined();
    new TokenVectorCache(0).set('w', 'a', 'text', entry); // keeps nothing, throws nothing
  });
});

// A model for the store-level tests: pooled vectors from the word-hashing test embedder, token vectors that know two
// words mean the same ("automobile" and "car"), which the pooled vectors do not. So the stage is visible in the order.
const SYNONYMS: Record<string, string> = { automobile: 'car' };
function tokenEmbedder(): MemoryEmbedder & { tokenCalls: string[][]; breakTokens: () => void } {
  const pooled = createTestEmbedder();
  const ids = new Map<string, number>();
  const tokenCalls: string[][] = [];
  let broken = false;
  return {
    model: pooled.model,
    dimension: pooled.dimension,
    generateBatch: (texts) => pooled.generateBatch(texts),
    tokenCalls,
    breakTokens: () => (broken = true),
    async generateTokenVectors(texts) {
      tokenCalls.push([...texts]);
      return texts.map((text) => {
        const pieces = text.toLowerCase().match(/[a-z]+|[^\sa-z]/g) ?? [];
        const vectors = new Float32Array(pieces.length * pooled.dimension);
        pieces.forEach((piece, i) => {
          const word = SYNONYMS[piece] ?? piece;
          if (!ids.has(word)) ids.set(word, ids.size % pooled.dimension);
          vectors[i * pooled.dimension + ids.get(word)!] = broken ? Number.NaN : 1;
        });
        return { pieces, vectors };
      });
    },
  };
}

const lesson = (topic: string): MemoryItemInput => ({ title: topic, description: `Use for ${topic}.`, content: `Notes on ${topic} for the team.` });
const AUTOMOBILE = lesson('automobile engine repair');
const CAR_WASH = lesson('car wash');
const TASK = 'car repair';

async function storeWith(embedder: MemoryEmbedder, retrieval = {}) {
  const store = new InMemoryMemoryStore({ embedder, retrieval });
  await store.addTrace({ workspaceId: 'w', trace: { task: 't', outcome: 'success', memories: [AUTOMOBILE, CAR_WASH] } });
  return store;
}

describe('the late-interaction stage of retrieve', () => {
  it('rescores the best candidates with token vectors when the embedder has them, and says so in components', async () => {
    const embedder = tokenEmbedder();
    const pooledOnly = await storeWith(createTestEmbedder());
    const late = await storeWith(embedder);
    try {
      // Pooled vectors see "car" in the car wash lesson; token vectors see that an automobile is a car.
      const [pooledFirst] = await pooledOnly.retrieve({ workspaceId: 'w', query: TASK, minScore: 0 });
      expect(pooledFirst?.memory.title).toBe(CAR_WASH.title);
      expect(pooledFirst?.components.late).toBeUndefined();

      const results = await late.retrieve({ workspaceId: 'w', query: TASK, k: 2, minScore: 0 });
      expect(results.map((r) => r.memory.title)).toEqual([AUTOMOBILE.title, CAR_WASH.title]);
      const { late: lateScore, lexical, relevance } = results[0]!.components;
      expect(lateScore).toBeGreaterThan(results[1]!.components.late!);
      expect(relevance).toBeCloseTo(lateScore! + 0.2 * lexical!);
    } finally {
      await Promise.all([pooledOnly.close(), late.close()]);
    }
  });

  it('encodes a memory once, and again only when its text changes', async () => {
    const embedder = tokenEmbedder();
    const store = await storeWith(embedder);
    try {
      await store.retrieve({ workspaceId: 'w', query: TASK, k: 2, minScore: 0 });
      await store.retrieve({ workspaceId: 'w', query: 'automobile wash', k: 2, minScore: 0 });
      const encodedMemories = () => embedder.tokenCalls.flat().filter((text) => text.includes('Notes on'));
      expect(encodedMemories()).toHaveLength(2);

      const [first] = await store.retrieve({ workspaceId: 'w', query: TASK, minScore: 0 });
      await store.updateMemory({ workspaceId: 'w', id: first!.memory.id, patch: { content: 'Notes on automobile repair and brakes.' } });
      await store.retrieve({ workspaceId: 'w', query: TASK, k: 2, minScore: 0 });
      expect(encodedMemories()).toHaveLength(3);
      expect(encodedMemories().at(-1)).toContain('brakes');
    } finally {
      await store.close();
    }
  });

  it('applies lateMinScore to the rescored relevance, and a request minScore replaces it', async () => {
    const store = await storeWith(tokenEmbedder(), { lateMinScore: 5 });
    try {
      expect(await store.retrieve({ workspaceId: 'w', query: TASK })).toEqual([]);
      expect(await store.retrieve({ workspaceId: 'w', query: TASK, minScore: 0 })).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('keeps a clear winner without running the model again (lateGap)', async () => {
    const embedder = tokenEmbedder();
    const store = await storeWith(embedder, { lateGap: 1e-6 });
    try {
      const [first] = await store.retrieve({ workspaceId: 'w', query: TASK, minScore: 0 });
      expect(first?.memory.title).toBe(CAR_WASH.title);
      expect(first?.components.late).toBeUndefined();
      expect(embedder.tokenCalls).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('does nothing with lateInteraction: false', async () => {
    const embedder = tokenEmbedder();
    const store = await storeWith(embedder, { lateInteraction: false });
    try {
      const [first] = await store.retrieve({ workspaceId: 'w', query: TASK, minScore: 0 });
      expect(first?.memory.title).toBe(CAR_WASH.title);
      expect(embedder.tokenCalls).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('fails with EMBEDDING_FAILED when the token vectors are unusable', async () => {
    const embedder = tokenEmbedder();
    const store = await storeWith(embedder);
    try {
      embedder.breakTokens();
      await expectMemoryError(testGlobals().expect, store.retrieve({ workspaceId: 'w', query: TASK }), 'EMBEDDING_FAILED');
      const shapeless: MemoryEmbedder = { ...embedder, generateTokenVectors: async (texts) => texts.map(() => ({ pieces: ['a'], vectors: new Float32Array(3) })) };
      const other = await storeWith(shapeless);
      await expectMemoryError(testGlobals().expect, other.retrieve({ workspaceId: 'w', query: TASK }), 'EMBEDDING_FAILED');
      await other.close();
    } finally {
      await store.close();
    }
  });

  it('refuses bad late-interaction options, naming the field', () => {
    const embedder = tokenEmbedder();
    for (const [retrieval, field] of [
      [{ lateCandidates: 0 }, 'retrieval.lateCandidates'],
      [{ lateGap: 0 }, 'retrieval.lateGap'],
      [{ lateMinScore: -1 }, 'retrieval.lateMinScore'],
      [{ lateCacheBytes: 1.5 }, 'retrieval.lateCacheBytes'],
      [{ lateInteraction: 'yes' }, 'retrieval.lateInteraction'],
    ] as const) {
      expect(() => new InMemoryMemoryStore({ embedder, retrieval: retrieval as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', field }));
    }
  });
});
