import { describeMemoryStore } from '@rb/memory/testing';
import { ChromaMemoryStore } from './chroma-memory-store.js';
import { startChromaProxy, type ChromaProxy } from './test-support/chroma-proxy.js';
import { lazyMiniLM, startTestChroma } from './test-support/chroma-fixture.js';

// The conformance suite of @rb/memory against a real Chroma server and the real all-MiniLM-L6-v2, through a proxy
// the suite cuts to make the backend fail mid-call.
let chroma: Awaited<ReturnType<typeof startTestChroma>>;
let proxy: ChromaProxy;
const miniLM = lazyMiniLM();

beforeAll(async () => {
  chroma = await startTestChroma();
  proxy = await startChromaProxy(chroma.server.url);
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await chroma?.stop();
  await miniLM.dispose();
}, 60_000);

describeMemoryStore(
  'ChromaMemoryStore with MiniLM',
  ({ embedder, now }) => new ChromaMemoryStore({ url: proxy.url, embedder, now, collectionPrefix: 'conformance' }),
  {
    embedder: miniLM,
    breakBackend: async () => {
      proxy.cut();
      return async () => proxy.restore();
    },
    timeoutMs: 60_000,
  },
);
