// A read-through cache of memory items in front of a slow store, with single-flight loading and invalidation of one
// workspace. Run after `npm i @rb/cache`: node basic.mjs
import { MemoryCache } from '@rb/cache';

const store = new Map([
  ['ws:1:m1', { title: 'Check the schema first', workspaceId: 'ws:1' }],
  ['ws:1:m2', { title: 'Retry on 429 with backoff', workspaceId: 'ws:1' }],
  ['ws:2:m3', { title: 'Prefer small diffs', workspaceId: 'ws:2' }],
]);
let storeReads = 0;
const loadFromStore = async (id) => {
  storeReads++;
  await new Promise((resolve) => setTimeout(resolve, 20));
  return store.get(id);
};

const cache = new MemoryCache({ name: 'memories', maxSize: 1000, ttlSeconds: 3600 });
const remember = (id) => cache.getOrLoad(id, loadFromStore, { tags: [store.get(id).workspaceId] });

// Ten agents ask for the same memory at once: the store is read once.
await Promise.all(Array.from({ length: 10 }, () => remember('ws:1:m1')));
console.log(`10 concurrent reads of ws:1:m1 -> ${storeReads} store read`);

for (const id of ['ws:1:m1', 'ws:1:m2', 'ws:2:m3', 'ws:1:m2']) await remember(id);
console.log(`after 4 more reads: ${storeReads} store reads`);

// Workspace 1 was edited: drop its cached memories, keep the others.
console.log(`invalidated ${cache.invalidateTag('ws:1')} entries of ws:1; ws:2:m3 still cached: ${cache.has('ws:2:m3')}`);

const stats = cache.getStatistics();
console.log(`size ${stats.size}/${stats.maxSize}, hits ${stats.hits}, misses ${stats.misses}, hit rate ${stats.hitRate.toFixed(1)}%`);
