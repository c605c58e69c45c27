// Retrieval quality through Chroma against the in-memory store, on the relevance sets of @rb/memory (packages/memory/
// eval: set 1, held-out set 2, both banks in one workspace) with the real MiniLM and default options: the same
// end-to-end measure as the "DEFAULT" row of `npx nx eval @rb/memory`, once per backend, and how many result lists are
// identical between the two.
// Usage: npx nx eval @rb/storage-chroma   (or, after a build: node packages/storage-chroma/eval/chroma-eval.mjs)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmbedder } from '@rb/embed-batch';
import { InMemoryMemoryStore } from '@rb/memory';
import { ChromaMemoryStore, startChroma } from '@rb/storage-chroma';
import { K, measureOrders } from '../../memory/eval/lib/measure.mjs';
import { loadSets } from '../../memory/eval/lib/sets.mjs';
import { EVAL_NOW as NOW, ordersThroughStore } from '../../memory/eval/lib/through-store.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const sets = loadSets(join(here, '../../memory/eval'));
const started = Date.now();
const dir = await mkdtemp(join(tmpdir(), 'rb-chroma-eval-'));
const [server, embedder] = await Promise.all([
  startChroma({ path: join(dir, 'data') }),
  createEmbedder({ modelDir: process.env.RB_MODEL_DIR ?? join(here, '../../../.models') }),
]);

const backends = {
  'in-memory': () => new InMemoryMemoryStore({ embedder, now: () => NOW }),
  chroma: (i) => new ChromaMemoryStore({ url: server.url, embedder, now: () => NOW, collectionPrefix: `eval-${i}` }),
};
const rows = Object.fromEntries(Object.keys(backends).map((name) => [name, []]));
let identical = 0;
let compared = 0;
try {
  for (const [i, set] of sets.entries()) {
    const orders = {};
    for (const [name, open] of Object.entries(backends)) {
      const store = open(i);
      orders[name] = await ordersThroughStore(store, set);
      await store.close();
      for (const [part, indices] of Object.entries(set.parts)) rows[name].push({ part, ...measureOrders(set, indices, (qi) => orders[name][qi]) });
    }
    set.queries.forEach((_, qi) => {
      compared++;
      if (JSON.stringify(orders['in-memory'][qi]) === JSON.stringify(orders.chroma[qi])) identical++;
    });
  }
} finally {
  await embedder.dispose?.();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}

const f = (x) => x.toFixed(2);
const parts = rows['in-memory'].map((r) => r.part);
console.log(`model ${embedder.model}, default options, k = ${K}; sets and parts as in npx nx eval @rb/memory\n`);
console.log(`| backend | ${parts.map((p) => `${p} R@1 | R@3 | hard R@1 | MRR | off-topic rejected`).join(' | ')} |`);
console.log(`|---|${parts.map(() => '---|---|---|---|---|').join('')}`);
for (const [name, measured] of Object.entries(rows)) {
  console.log(`| ${name} | ${measured.map((m) => `${f(m.all.r1)} | ${f(m.all.r3)} | ${f(m.hard.r1)} | ${f(m.all.mrr)} | ${f(m.rejected)}`).join(' | ')} |`);
}
console.log(`\nidentical result lists (ids and order): ${identical} of ${compared} tasks; ${((Date.now() - started) / 1000).toFixed(0)} s`);
