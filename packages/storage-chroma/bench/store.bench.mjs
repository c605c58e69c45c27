// One run, side by side, on a real Chroma server (started here in a temp dir) and the real all-MiniLM-L6-v2:
//   add       memories/s stored through addTrace: one memory per call vs 50 memories per call (one embedding batch)
//   retrieve  a Zipf-distributed stream of queries over the bank, store cache off vs on: avg and p95 ms per query,
//             cache hit rate, and the Chroma requests issued (similarity queries + gets)
// The embedder's own cache is off, so "cache on" measures this package's caches only.
// Run: npx nx bench @rb/storage-chroma   (BENCH_MEMORIES=1000 BENCH_QUERIES=1000 BENCH_DISTINCT=400 BENCH_ZIPF_S=1
//      BENCH_ONE_BY_ONE=200 to scale; RB_MODEL_DIR points at the model, default ./.models)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createEmbedder } from '@rb/embed-batch';
import { ChromaMemoryStore, startChroma } from '@rb/storage-chroma';

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const MEMORIES = env('BENCH_MEMORIES', 1000);
const QUERIES = env('BENCH_QUERIES', 1000);
const DISTINCT = env('BENCH_DISTINCT', 400);
const ZIPF_S = env('BENCH_ZIPF_S', 1);
const ONE_BY_ONE = env('BENCH_ONE_BY_ONE', 200);
const BATCH = 50;

let seed = 7; // mulberry32: the same bank and stream every run
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(random() * list.length)];

const SUBJECTS = ['a web form', 'a paginated search', 'a Python list', 'a REST API', 'a SQL query', 'a shopping cart',
  'a login page', 'a git merge', 'a CSV import', 'a date picker', 'a flaky test', 'a Docker build', 'a JSON schema',
  'an npm install', 'a regex', 'a file upload', 'a dropdown menu', 'a rate-limited API', 'a memory leak', 'a cron job'];
const ACTIONS = ['fails silently', 'returns stale results', 'times out', 'rejects valid input', 'loses state on reload',
  'is slow under load', 'hides the next step', 'breaks after an update', 'returns partial data', 'needs a retry'];
const ADVICE = ['read the error message before retrying', 'check every page before concluding', 'verify the input format',
  'wait for the element to load', 'inspect the network response', 'compare with a known-good run', 'reduce the batch size',
  'pin the dependency version', 'log the intermediate state', 'test the smallest failing case'];

function memory(i) {
  const subject = SUBJECTS[i % SUBJECTS.length];
  const action = ACTIONS[Math.floor(i / SUBJECTS.length) % ACTIONS.length];
  const advice = ADVICE[Math.floor(i / (SUBJECTS.length * ACTIONS.length)) % ADVICE.length];
  return {
    id: `m${i}`,
    title: `When ${subject} ${action}`,
    description: `Insight ${i}: what to do when ${subject} ${action}.`,
    content: `If ${subject} ${action}, ${advice}; then ${pick(ADVICE)} and record what changed (case ${i}).`,
    domain: pick(['web', 'code', 'data']),
    tags: [pick(['ui', 'api', 'db', 'build'])],
  };
}
const trace = (id, memories) => ({ id, workspaceId: 'bench', task: `Task ${id}: ${memories[0].title}`, outcome: 'success', memories });

const modelDir = resolve(process.env.RB_MODEL_DIR ?? '.models');
const dir = await mkdtemp(join(tmpdir(), 'rb-chroma-bench-'));
const [server, embedder] = await Promise.all([startChroma({ path: dir }), createEmbedder({ modelDir, cache: false })]);
const open = (prefix, enableMemoryCache) =>
  ChromaMemoryStore.open({ url: server.url, embedder, collectionPrefix: prefix, enableMemoryCache });

try {
  // Add throughput.
  const bank = Array.from({ length: MEMORIES }, (_, i) => memory(i));
  const batched = await open('bank', true);
  let start = performance.now();
  for (let i = 0; i < bank.length; i += BATCH) await batched.addTrace(trace(`b${i}`, bank.slice(i, i + BATCH)));
  const batchedRate = bank.length / ((performance.now() - start) / 1000);
  const single = await open('single', true);
  start = performance.now();
  for (let i = 0; i < ONE_BY_ONE; i++) await single.addTrace(trace(`s${i}`, [bank[i]]));
  const singleRate = ONE_BY_ONE / ((performance.now() - start) / 1000);

  // Zipf query stream: rank r drawn with probability proportional to 1 / r^s.
  const distinct = Array.from({ length: DISTINCT }, (_, i) => `how to handle ${pick(SUBJECTS)} that ${pick(ACTIONS)} (${i})`);
  const weights = distinct.map((_, r) => 1 / (r + 1) ** ZIPF_S);
  const total = weights.reduce((a, b) => a + b, 0);
  const draw = () => {
    let x = random() * total;
    for (let r = 0; r < weights.length; r++) if ((x -= weights[r]) <= 0) return distinct[r];
    return distinct.at(-1);
  };
  const stream = Array.from({ length: QUERIES }, draw);

  const run = async (enableMemoryCache) => {
    const store = await open('bank', enableMemoryCache);
    const times = [];
    for (const query of stream) {
      const t = performance.now();
      await store.retrieveMemories(query, { workspaceId: 'bench', k: 3 });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const stats = store.getCacheStatistics();
    return {
      avg: times.reduce((a, b) => a + b, 0) / times.length,
      p95: times[Math.floor(times.length * 0.95)],
      hitRate: stats.retrievals?.hitRate ?? 0,
      chroma: stats.chroma.queries + stats.chroma.gets,
    };
  };
  const off = await run(false);
  const on = await run(true);

  const f = (n, d = 1) => n.toFixed(d);
  console.log(`bank ${MEMORIES} memories, ${QUERIES} queries (Zipf s=${ZIPF_S} over ${DISTINCT} distinct), k=3, Chroma ${server.url}`);
  console.log('| retrieval | avg ms | p95 ms | hit rate | Chroma requests |');
  console.log('|---|---|---|---|---|');
  console.log(`| cache off | ${f(off.avg)} | ${f(off.p95)} | - | ${off.chroma} |`);
  console.log(`| cache on | ${f(on.avg)} | ${f(on.p95)} | ${f(on.hitRate, 0)}% | ${on.chroma} |`);
  console.log(`| ratio | ${f(off.avg / on.avg, 2)}x faster | ${f(off.p95 / on.p95, 2)}x | | ${f(100 * (1 - on.chroma / off.chroma), 0)}% fewer |`);
  console.log('');
  console.log('| add | memories/s |');
  console.log('|---|---|');
  console.log(`| one memory per addTrace (${ONE_BY_ONE}) | ${f(singleRate)} |`);
  console.log(`| ${BATCH} memories per addTrace (${MEMORIES}) | ${f(batchedRate)} |`);
  console.log(`| ratio | ${f(batchedRate / singleRate, 2)}x |`);
} finally {
  await server.stop();
  await embedder.dispose();
  await rm(dir, { recursive: true, force: true });
}
