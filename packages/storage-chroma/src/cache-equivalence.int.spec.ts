import { createLocalInvalidation, InMemoryMemoryStore, type MemoryItemInput, type MemoryStore, type RetrievedMemory } from '@rb/memory';
import { ChromaMemoryStore } from './chroma-memory-store.js';
import { lazyMiniLM, startTestChroma } from './test-support/chroma-fixture.js';

// The retrieval cache must never change a result: a store with its caches on, one with them off (sharing the bank,
// told of the first one's writes through the invalidation seam), and the in-memory store given the same writes answer
// every query of a stream identically, while the stream writes (a trace every 5 queries, updates, deletes).
const miniLM = lazyMiniLM();
let chroma: Awaited<ReturnType<typeof startTestChroma>>;
const NOW = Date.parse('2026-06-01T00:00:00.000Z');
const now = () => NOW;

const SUBJECTS = ['a web form', 'a paginated search', 'a Python list', 'a REST API', 'a SQL query', 'a git merge', 'a CSV import', 'a Docker build'];
const ACTIONS = ['fails silently', 'returns stale results', 'times out', 'rejects valid input', 'is slow under load'];
const ADVICE = ['read the error message before retrying', 'check every page before concluding', 'verify the input format', 'pin the dependency version'];

let next = 0;
function memory(subject: string, action: string, advice: string): MemoryItemInput {
  const i = next++;
  return {
    id: `m-${i}`,
    title: `When ${subject} ${action}`,
    description: `What to do when ${subject} ${action}.`,
    content: `If ${subject} ${action}, ${advice}, then record what changed.`,
    createdAt: new Date(NOW - i * 3_600_000).toISOString(),
    ...(i % 3 === 0 ? { errorContext: { errorType: 'Stuck', failurePattern: `Retried ${subject} blindly.`, correctiveGuidance: advice } } : {}),
  };
}

/** The same memories (records included) in the same order, with scores equal up to float32 rounding. */
function expectSame(actual: RetrievedMemory[], expected: RetrievedMemory[]): void {
  expect(actual.map((r) => r.memory)).toEqual(expected.map((r) => r.memory));
  actual.forEach((r, i) => expect(Math.abs(r.score - expected[i]!.score)).toBeLessThan(1e-5));
}

beforeAll(async () => {
  chroma = await startTestChroma();
}, 60_000);
afterAll(async () => {
  await chroma?.stop();
  await miniLM.dispose();
}, 60_000);

// Dense only too: there the cached candidate lists are the only way a new memory reaches a result (with the default
// hybrid retrieval, BM25 would also bring it in).
it.each([
  ['the default hybrid retrieval', 'hybrid', {}],
  ['dense retrieval only', 'dense', { lexicalWeight: 0 }],
])('gives the same results with the caches on as with them off and as the in-memory store, through writes, with %s', async (_name, prefix, retrieval) => {
  const invalidation = createLocalInvalidation();
  const common = { url: chroma.server.url, embedder: miniLM, now, collectionPrefix: prefix, invalidation, retrieval };
  const cached = new ChromaMemoryStore(common);
  const uncached = new ChromaMemoryStore({ ...common, enableMemoryCache: false });
  const inMemory = new InMemoryMemoryStore({ embedder: miniLM, now, retrieval });
  const writers: MemoryStore[] = [cached, inMemory];
  const workspaceId = 'w';
  try {
    const bank = SUBJECTS.flatMap((subject, s) => ACTIONS.map((action, a) => memory(subject, action, ADVICE[(s + a) % ADVICE.length]!)));
    for (let i = 0; i < bank.length; i += 10) {
      const trace = { task: `Seed ${i}`, outcome: i % 20 === 0 ? ('failure' as const) : ('success' as const), createdAt: new Date(NOW).toISOString(), id: `seed-${i}` };
      for (const store of writers) await store.addTrace({ workspaceId, trace: { ...trace, memories: bank.slice(i, i + 10) } });
    }
    const queries = SUBJECTS.map((subject, i) => `How do I fix ${subject} that ${ACTIONS[i % ACTIONS.length]}?`);
    const variants = (q: string, i: number) => [q, q.toUpperCase(), `  ${q.toLowerCase()}  `, q.replace(/ /g, '  ')][i % 4]!;
    let step = 0;
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 5; i++) {
        const query = variants(queries[(round * 3 + i * i) % queries.length]!, step++);
        const request = { workspaceId, query, k: 5 };
        const [a, b, c] = await Promise.all([cached.retrieve(request), uncached.retrieve(request), inMemory.retrieve(request)]);
        expect(a.length).toBeGreaterThan(0);
        expectSame(a, b);
        expectSame(a, c);
      }
      const subject = SUBJECTS[round % SUBJECTS.length]!;
      if (round % 3 === 2) {
        const id = bank[round]!.id!;
        for (const store of writers) await store.deleteMemories({ workspaceId, ids: [id] });
      } else if (round % 3 === 1) {
        const id = bank[round + 10]!.id!;
        for (const store of writers) await store.updateMemory({ workspaceId, id, patch: { content: `If ${subject} keeps failing, read the logs first and compare with a good run.` } });
      }
      const added = memory(subject, 'breaks after an update', ADVICE[round % ADVICE.length]!);
      for (const store of writers) await store.addTrace({ workspaceId, trace: { id: `t-${round}`, task: `Round ${round}`, outcome: 'success', createdAt: new Date(NOW).toISOString(), memories: [added] } });
    }
    const statistics = cached.getCacheStatistics();
    // The cache did serve: most dense candidate lists and query vectors came from it despite the writes.
    expect(statistics.retrievals!.hitRate).toBeGreaterThan(50);
    expect(statistics.queryEmbeddings!.hits).toBeGreaterThan(0);
  } finally {
    await Promise.all([cached.close(), uncached.close(), inMemory.close()]);
  }
}, 180_000);
