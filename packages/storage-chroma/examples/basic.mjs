// Start a Chroma server in a temp folder, store one trace with two memories, retrieve the best memory for a new task.
// Needs the all-MiniLM-L6-v2 model on disk: RB_MODEL_DIR (or ./.models) must hold it (`npm run fetch-model` in the repo).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbedder } from '@rb/embed-batch';
import { ChromaMemoryStore, createId, startChroma } from '@rb/storage-chroma';

const dir = await mkdtemp(join(tmpdir(), 'rb-chroma-example-'));
const server = await startChroma({ path: dir }); // free port on 127.0.0.1
const embedder = await createEmbedder();
try {
  const store = await ChromaMemoryStore.open({ url: server.url, embedder });
  await store.addTrace({
    id: createId(),
    workspaceId: 'demo',
    task: 'Find the cheapest laptop on the shop website',
    outcome: 'failure',
    memories: [
      {
        id: createId(),
        title: 'Walk every page of search results',
        description: 'Shop listings are split across several pages.',
        content: 'Before concluding that the cheapest item was found, sort by price or visit every result page.',
        errorContext: {
          errorType: 'incomplete search',
          failurePattern: 'answered from the first page only',
          correctiveGuidance: 'sort by price first',
        },
      },
      {
        id: createId(),
        title: 'Sorting lists in Python',
        description: 'list.sort() sorts in place, sorted() returns a copy.',
        content: 'Call list.sort() when mutating is fine, or sorted(items, key=...) to get a new sorted list.',
      },
    ],
  });

  const results = await store.retrieveMemories('What is the lowest priced phone in the online store?', { workspaceId: 'demo', k: 2 });
  for (const r of results) {
    console.log(
      `${r.score.toFixed(3)} (similarity ${r.similarity.toFixed(3)}, recency ${r.recency.toFixed(3)}, error boost ${r.errorBoost})  ${r.memory.title}`,
    );
  }
  console.log('statistics', JSON.stringify(await store.getStatistics({ workspaceId: 'demo' })));
} finally {
  await embedder.dispose();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
