// generateTokenVectors against generateBatch on the same embedder: texts/s, medians of 9 interleaved rounds of 100
// fresh texts (5-64 words; cache off). Run from the repository root after a build:
//   flock /tmp/rb-bench.lock node packages/embed-batch/bench/token-vectors.bench.mjs
// Per-token output is ~1.5 KB a piece, which crosses the worker's IPC channel: that transfer is the gap between the two.
import { resolve } from 'node:path';
import { createEmbedder } from '@rb/embed-batch';

const embedder = await createEmbedder({ modelDir: resolve(process.env.RB_MODEL_DIR ?? '.models'), cache: false });
const words = 'memory agent retrieve judge strategy failure success embed vector cache token budget'.split(' ');
const texts = (round) =>
  Array.from({ length: 100 }, (_, i) =>
    `r${round} ` + Array.from({ length: 5 + ((i * 37) % 60) }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' '),
  );
const contenders = {
  generateBatch: (t) => embedder.generateBatch(t),
  generateTokenVectors: (t) => embedder.generateTokenVectors(t),
};
const rates = { generateBatch: [], generateTokenVectors: [] };
let round = 0;
for (const run of Object.values(contenders)) await run(texts(round++)); // warm-up
for (let r = 0; r < 9; r++) {
  const order = r % 2 ? ['generateBatch', 'generateTokenVectors'] : ['generateTokenVectors', 'generateBatch'];
  for (const name of order) {
    const start = performance.now();
    await contenders[name](texts(round++));
    rates[name].push(100 / ((performance.now() - start) / 1000));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const [pooled, tokens] = [median(rates.generateBatch), median(rates.generateTokenVectors)];
console.log(`plan ${embedder.workers}x${embedder.threads}`);
console.log(`generateBatch        ${pooled.toFixed(0)} texts/s`);
console.log(`generateTokenVectors ${tokens.toFixed(0)} texts/s (${(tokens / pooled).toFixed(2)}x generateBatch)`);
await embedder.dispose();
