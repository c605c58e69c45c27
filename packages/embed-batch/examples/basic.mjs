// Embed a few texts with the real all-MiniLM-L6-v2 and rank them against a query.
// Needs the model on disk: `npx rb-fetch-model` puts it in ./.models (or set RB_MODEL_DIR to a folder holding it).
import { createEmbedder } from '@rb/embed-batch';

const embedder = await createEmbedder(); // offline; model dir from RB_MODEL_DIR, else ./.models
const memories = [
  'When a web form rejects input, read the validation message before retrying.',
  'Sort Python lists in place with list.sort(); sorted() returns a new list.',
  'Paginated search results: check every page before concluding an item is missing.',
  'The weather is nice today.',
];
const [query, ...vectors] = await embedder.generateBatch(['How do I sort a list in Python?', ...memories]);
const cosine = (a, b) => a.reduce((sum, x, i) => sum + x * b[i], 0); // vectors are L2-normalised

const ranked = memories.map((text, i) => ({ text, score: cosine(query, vectors[i]) })).sort((a, b) => b.score - a.score);
for (const { text, score } of ranked) console.log(`${score.toFixed(3)}  ${text}`);

// Per-token vectors (one unit vector per word piece) for late-interaction scoring such as MaxSim.
const [{ pieces, vectors: rows }] = await embedder.generateTokenVectors(['Indexing sorted lists.']);
console.log(`${pieces.join(' ')}: ${rows.length / embedder.dimension} token vectors`);

// Concurrent single calls are coalesced into one batch; a repeat is a cache hit.
await Promise.all(memories.map((m) => embedder.embed(m)));
console.log(`dimension ${embedder.dimension}, cache hit rate ${embedder.getCacheStatistics().hitRate.toFixed(0)}%`);
await embedder.dispose();
