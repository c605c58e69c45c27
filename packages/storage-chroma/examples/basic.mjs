// Start a Chroma server in a temp folder, store one trace with two memories, retrieve the best memory for a new task.
// The embedder is all-MiniLM-L6-v2 through @rb/embed-batch when it is installed (`npm i @rb/embed-batch`; the model in
// RB_MODEL_DIR or ./.models), else the TOY embedder of @rb/memory/testing (word overlap, not meaning), so that the
// example runs with this package alone. With CHROMA_URL set, it uses that server instead of starting one.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestEmbedder } from '@rb/memory/testing';
import { ChromaMemoryStore, startChroma } from '@rb/storage-chroma';

const embedder = await import('@rb/embed-batch').then(
  ({ createEmbedder }) => createEmbedder(),
  () => createTestEmbedder(),
);
console.log(`embedder: ${embedder.model}`);

const dir = await mkdtemp(join(tmpdir(), 'rb-chroma-example-'));
const server = process.env.CHROMA_URL ? undefined : await startChroma({ path: dir }); // free port on 127.0.0.1
const store = await ChromaMemoryStore.open({ url: server?.url ?? process.env.CHROMA_URL, embedder, collectionPrefix: 'example' });
try {
  await store.addTrace({
    workspaceId: 'demo',
    trace: {
      task: 'Find the cheapest laptop on the shop website',
      outcome: 'failure',
      memories: [
        {
          title: 'Walk every page of search results',
          description: 'Use when a shop splits its listings across several pages.',
          content: 'Before concluding that the cheapest item was found, sort by price or visit every result page.',
          errorContext: {
            errorType: 'incomplete search',
            failurePattern: 'answered from the first page only',
            correctiveGuidance: 'sort by price first',
          },
        },
        {
          title: 'Sorting lists in Python',
          description: 'Use when a Python list must be put in order.',
          content: 'Call list.sort() when mutating is fine, or sorted(items, key=...) to get a new sorted list.',
        },
      ],
    },
  });

  const results = await store.retrieve({ workspaceId: 'demo', query: 'Find the cheapest monitor sold on an online shop with many result pages', k: 2 });
  for (const { memory, score, components } of results) {
    console.log(`${score.toFixed(3)} (similarity ${components.similarity.toFixed(3)}, lexical ${(components.lexical ?? 0).toFixed(3)})  ${memory.title}`);
  }
  console.log('statistics', JSON.stringify(await store.getStatistics({ workspaceId: 'demo' })));
  const { retrievals, requests } = store.getCacheStatistics();
  console.log('cache', JSON.stringify({ retrievals, requests }));
} finally {
  await store.close();
  await embedder.dispose?.();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
}
