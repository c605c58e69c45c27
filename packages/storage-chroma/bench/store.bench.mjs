// One run, side by side, on a real Chroma server (started here in a temp folder) and the real all-MiniLM-L6-v2:
//   retrieval  p50 / p95 of ChromaMemoryStore.retrieve (default options, k = 5, every query new) at 1k and 10k
//              memories, against the floor measured in the same rounds: one query embedding + one unfiltered query
//              through chromadb's own client (nResults 5); also with the late-interaction stage off (the store's own
//              cost without that quality stage, which runs the model again for the task and for uncached candidates);
//   100k       the Chroma part alone (ChromaBackend.queryMemories, 50 candidates, synthetic vectors) at 1k and 100k,
//              against chromadb's client asking the same;
//   cache      hit rate and mean latency, caches on vs off, for three Zipf streams: read-only, with surface variants
//              (case, spaces, punctuation), and with one addTrace every 5 queries;
//   add        memories/s through addTrace, one memory per call vs 20 per call.
// Contenders alternate query by query; figures are medians over rounds. The embedder's own cache is off everywhere.
// Run: npx nx bench @rb/storage-chroma   (BENCH_BANK=10000 BENCH_SYNTHETIC=100000 BENCH_ROUNDS=5 to scale; RB_MODEL_DIR
//      points at the model, default ./.models; --json for machine-readable output)
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createEmbedder } from '@rb/embed-batch';
import { InMemoryMemoryStore } from '@rb/memory';
import { ChromaBackend, ChromaMemoryStore, startChroma } from '@rb/storage-chroma';
import { ChromaClient } from 'chromadb';
import { memory, queries, randomUnit, surfaceVariant, zipfStream } from './bank.mjs';

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const BANK = env('BENCH_BANK', 10_000);
const SMALL = Math.min(1000, BANK);
const SYNTHETIC = env('BENCH_SYNTHETIC', 100_000);
const ROUNDS = env('BENCH_ROUNDS', 5);
const PER_ROUND = env('BENCH_QUERIES', 40);
const STREAM = env('BENCH_STREAM', 600);
const K = 5;
const json = process.argv.includes('--json');
const log = (...args) => (json ? console.error(...args) : console.log(...args));

const now = () => performance.now();
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
};
const median = (values) => percentile(values, 0.5);
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);

/**
 * Runs `contenders` (name -> async fn(input)) over `inputs` in `rounds`, alternating which goes first at each input;
 * returns per contender the median over rounds of p50 and p95, and all samples.
 */
async function interleaved(contenders, inputsOfRound, rounds) {
  const names = Object.keys(contenders);
  const perRound = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    const samples = Object.fromEntries(names.map((n) => [n, []]));
    const inputs = inputsOfRound(round);
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      const order = (i + round) % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        const started = now();
        await contenders[name](input);
        samples[name].push(now() - started);
      }
    }
    for (const name of names) perRound[name].push(samples[name]);
  }
  return Object.fromEntries(
    names.map((n) => [n, { p50: median(perRound[n].map((s) => percentile(s, 0.5))), p95: median(perRound[n].map((s) => percentile(s, 0.95))) }]),
  );
}

const modelDir = resolve(process.env.RB_MODEL_DIR ?? '.models');
const dir = await mkdtemp(join(tmpdir(), 'rb-chroma-bench-'));
const started = Date.now();
const [server, embedder] = await Promise.all([startChroma({ path: join(dir, 'data') }), createEmbedder({ modelDir, cache: false })]);
const client = new ChromaClient({ host: '127.0.0.1', port: server.port });
const results = {};
const opened = [];
const openStore = (options = {}) => {
  const store = new ChromaMemoryStore({ url: server.url, embedder, collectionPrefix: 'bench', ...options });
  opened.push(store);
  return store;
};

/** The chromadb collection holding a workspace's memories, found through the store's registry. */
async function memoriesCollection(prefix, workspaceId) {
  const registry = await client.getCollection({ name: `${prefix}-registry`, embeddingFunction: null });
  const hash = createHash('sha256').update(workspaceId, 'utf8').digest('hex').slice(0, 32);
  const { documents } = await registry.get({ ids: [`w.${hash}`], include: ['documents'] });
  return client.getCollection({ name: JSON.parse(documents[0]).memories.name, embeddingFunction: null });
}

try {
  // Banks: embedded once (in memory), then restored into Chroma from backups, as a user moving a bank would.
  log(`building a bank of ${BANK} memories with the real model...`);
  const builder = new InMemoryMemoryStore({ embedder, retrieval: { lexicalWeight: 0 } });
  const backups = { small: join(dir, 'bank-small'), large: join(dir, 'bank-large') };
  for (let i = 0; i < BANK; i += 20) {
    const memories = Array.from({ length: Math.min(20, BANK - i) }, (_, j) => memory(i + j));
    await builder.addTrace({ workspaceId: 'bank', trace: { task: `Build step ${i}: ${memories[0].title}`, outcome: i % 140 === 0 ? 'failure' : 'success', memories } });
    if (i + 20 === SMALL) await builder.backup({ workspaceId: 'bank', dir: backups.small });
    if ((i + 20) % 2000 === 0) log(`  ${i + 20} memories embedded (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  await builder.backup({ workspaceId: 'bank', dir: backups.large });
  await builder.close();
  const loader = openStore();
  const banks = [['bank-small', backups.small], ['bank-large', backups.large], ['writes-on', backups.small], ['writes-off', backups.small]];
  for (const [workspaceId, backup] of banks) {
    await loader.restore({ dir: backup, workspaceId });
  }
  log(`banks restored into Chroma (${((Date.now() - started) / 1000).toFixed(0)} s)`);

  // Retrieval latency against the floor, every query new (the caches of the store start cold for each).
  results.retrieval = {};
  const store = openStore();
  const uncached = openStore({ enableMemoryCache: false });
  const noLate = openStore({ retrieval: { lateInteraction: false } });
  let offset = 0;
  for (const [label, workspaceId, size] of [['1k', 'bank-small', SMALL], ['10k', 'bank-large', BANK]]) {
    const collection = await memoriesCollection('bench', workspaceId);
    const floor = async (query) => {
      const [vector] = await embedder.generateBatch([query]);
      await collection.query({ queryEmbeddings: [Array.from(vector)], nResults: K, include: ['documents', 'distances'] });
    };
    const warm = queries(20, (offset += 1000));
    for (const query of warm) {
      await Promise.all([floor(query), ...[store, uncached, noLate].map((s) => s.retrieve({ workspaceId, query, k: K }))]);
    }
    // The store loads a queried workspace into its record cache in the background; measured once that is done, i.e.
    // once a new query costs one Chroma request (ids and distances).
    const warmStarted = Date.now();
    for (const cached of [store, noLate]) {
      const requests = () => Object.values(cached.getCacheStatistics().requests).reduce((a, b) => a + b, 0);
      for (let probe = 0; Date.now() - warmStarted < 60_000; probe++) {
        const before = requests();
        await cached.retrieve({ workspaceId, query: `warm-up probe ${probe} for ${label}`, k: K });
        if (requests() - before <= 1) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    results.warmupSeconds = { ...results.warmupSeconds, [label]: (Date.now() - warmStarted) / 1000 };
    const base = (offset += 1000);
    const measured = await interleaved(
      {
        floor,
        store: (query) => store.retrieve({ workspaceId, query, k: K }),
        'store, caches off': (query) => uncached.retrieve({ workspaceId, query, k: K }),
        'store, late interaction off': (query) => noLate.retrieve({ workspaceId, query, k: K }),
      },
      (round) => queries(PER_ROUND, base + round * PER_ROUND),
      ROUNDS,
    );
    results.retrieval[label] = { size, ...measured };
    log(`retrieval at ${label}: floor p50 ${f1(measured.floor.p50)} ms, store p50 ${f1(measured.store.p50)} ms`);
  }

  // The Chroma part alone at 1k and 100k synthetic vectors.
  results.synthetic = {};
  if (SYNTHETIC > 0) {
    const backend = new ChromaBackend({ url: server.url, collectionPrefix: 'synthetic', enableMemoryCache: false });
    await backend.open({ model: 'bench/random-unit-vectors', dimension: 384 });
    const rows = async function* (n) {
      for (let i = 0; i < n; i += 1000) {
        yield Array.from({ length: Math.min(1000, n - i) }, (_, j) => {
          const m = memory((i + j) % 20_000);
          return {
            record: { ...m, id: `s${i + j}`, createdAt: '2026-01-01T00:00:00.000Z', traceId: 't', workspaceId: 'x', outcome: 'success' },
            vector: randomUnit(384),
          };
        });
      }
    };
    for (const [label, n] of [['1k', 1000], [`${SYNTHETIC / 1000}k`, SYNTHETIC]].filter(([, n], i) => i === 0 || n !== 1000)) {
      const workspaceId = `synthetic-${label}`;
      const loadStarted = Date.now();
      await backend.replaceWorkspace({ workspaceId, memories: rows(n), traces: rows(0) });
      log(`${n} synthetic vectors loaded in ${((Date.now() - loadStarted) / 1000).toFixed(0)} s`);
      const collection = await memoriesCollection('synthetic', workspaceId);
      const contenders = {
        'chromadb client': (vector) => collection.query({ queryEmbeddings: [Array.from(vector)], nResults: 50, include: ['documents', 'distances'] }),
        'ChromaBackend.queryMemories': (vector) => backend.queryMemories({ workspaceId, vector, limit: 50, filter: {} }),
      };
      for (let i = 0; i < 20; i++) for (const run of Object.values(contenders)) await run(randomUnit(384));
      results.synthetic[label] = { size: n, ...(await interleaved(contenders, () => Array.from({ length: PER_ROUND }, () => randomUnit(384)), ROUNDS)) };
    }
    await backend.close();
  }

  // Cache on vs off over three streams, fresh stores for each. With writes, each store writes the same memories into
  // its own copy of the bank, so each keeps its lexical index current itself, as a lone server process does.
  results.cache = {};
  const distinct = queries(300, 500_000);
  const streams = [
    ['read-only Zipf', ['bank-small', 'bank-small'], zipfStream(distinct, STREAM), false],
    ['Zipf with surface variants', ['bank-small', 'bank-small'], zipfStream(distinct, STREAM).map(surfaceVariant), false],
    ['Zipf, one addTrace every 5 queries', ['writes-on', 'writes-off'], zipfStream(distinct, STREAM), true],
  ];
  let added = 30_000;
  for (const [name, [onWorkspace, offWorkspace], stream, writes] of streams) {
    const on = openStore();
    const off = openStore({ enableMemoryCache: false });
    const workspaceOf = { on: onWorkspace, off: offWorkspace };
    // Each store's lexical index is built before timing (it is per store, and not what this measures).
    await Promise.all([on.retrieve({ workspaceId: onWorkspace, query: 'warm up' }), off.retrieve({ workspaceId: offWorkspace, query: 'warm up' })]);
    const before = { on: on.getCacheStatistics(), off: off.getCacheStatistics() };
    const latency = { on: [], off: [] };
    for (let i = 0; i < stream.length; i++) {
      if (writes && i > 0 && i % 5 === 0) {
        const m = { ...memory(added % 20_000), id: `added-${added++}` };
        for (const [store, workspaceId] of [[on, onWorkspace], [off, offWorkspace]]) {
          await store.addTrace({ workspaceId, trace: { task: `Stream task ${i}`, outcome: 'success', memories: [m] } });
        }
      }
      for (const which of i % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
        const t0 = now();
        await (which === 'on' ? on : off).retrieve({ workspaceId: workspaceOf[which], query: stream[i], k: K });
        latency[which].push(now() - t0);
      }
    }
    const after = on.getCacheStatistics();
    const hits = after.retrievals.hits - before.on.retrievals.hits;
    const lookups = hits + after.retrievals.misses - before.on.retrievals.misses;
    const chroma = (stats, previous) => Object.values(stats.requests).reduce((a, b) => a + b, 0) - Object.values(previous.requests).reduce((a, b) => a + b, 0);
    results.cache[name] = {
      queries: stream.length,
      hitRate: hits / lookups,
      embeddingHitRate: (after.queryEmbeddings.hits - before.on.queryEmbeddings.hits) / stream.length,
      meanMs: { on: mean(latency.on), off: mean(latency.off) },
      p95Ms: { on: percentile(latency.on, 0.95), off: percentile(latency.off, 0.95) },
      chromaRequestsPerQuery: { on: chroma(after, before.on) / stream.length, off: chroma(off.getCacheStatistics(), before.off) / stream.length },
    };
    log(`${name}: hit rate ${(100 * hits / lookups).toFixed(0)}%, mean ${f1(mean(latency.on))} ms on vs ${f1(mean(latency.off))} ms off`);
    await Promise.all([on.close(), off.close()]);
  }

  // Add throughput: one memory per addTrace vs 20 per addTrace, interleaved rounds, into a workspace that exists.
  const adder = openStore();
  await adder.addTrace({ workspaceId: 'adds', trace: { task: 'warm up', outcome: 'success', memories: [memory(0)] } });
  let next = 40_000;
  const fresh = (n) => Array.from({ length: n }, () => ({ ...memory(next % 20_000), id: `add-${next++}` }));
  const rates = { 'one memory per call': [], '20 memories per call': [] };
  for (let round = 0; round < ROUNDS; round++) {
    const runs = {
      'one memory per call': async () => {
        for (let i = 0; i < 10; i++) await adder.addTrace({ workspaceId: 'adds', trace: { task: `Single ${next}`, outcome: 'success', memories: fresh(1) } });
        return 10;
      },
      '20 memories per call': async () => {
        for (let i = 0; i < 2; i++) await adder.addTrace({ workspaceId: 'adds', trace: { task: `Batch ${next}`, outcome: 'success', memories: fresh(20) } });
        return 40;
      },
    };
    for (const name of round % 2 === 0 ? Object.keys(runs) : Object.keys(runs).reverse()) {
      const t0 = now();
      const count = await runs[name]();
      rates[name].push(count / ((now() - t0) / 1000));
    }
  }
  results.add = Object.fromEntries(Object.entries(rates).map(([name, values]) => [name, median(values)]));
} finally {
  await Promise.allSettled(opened.map((s) => s.close()));
  await embedder.dispose();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}

results.seconds = (Date.now() - started) / 1000;
if (json) {
  console.log(JSON.stringify(results, null, 2));
} else {
  console.log(
    '\n| retrieval (k = 5, real model) | floor p50 | floor p95 | store p50 | store p95 | store / floor p50 | late interaction off p50 | late off / floor | caches off p50 | caches off / floor |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const [label, r] of Object.entries(results.retrieval)) {
    const [off, noLate] = [r['store, caches off'], r['store, late interaction off']];
    console.log(
      `| ${label} memories | ${f1(r.floor.p50)} ms | ${f1(r.floor.p95)} ms | ${f1(r.store.p50)} ms | ${f1(r.store.p95)} ms | ${f2(r.store.p50 / r.floor.p50)}x | ` +
        `${f1(noLate.p50)} ms | ${f2(noLate.p50 / r.floor.p50)}x | ${f1(off.p50)} ms | ${f2(off.p50 / r.floor.p50)}x |`,
    );
  }
  const synth = Object.entries(results.synthetic);
  if (synth.length > 0) {
    console.log('\n| Chroma part, 50 candidates (synthetic vectors) | chromadb client p50 | p95 | ChromaBackend.queryMemories p50 | p95 |');
    console.log('|---|---|---|---|---|');
    for (const [label, r] of synth) {
      const [client, backend] = [r['chromadb client'], r['ChromaBackend.queryMemories']];
      console.log(`| ${label} | ${f1(client.p50)} ms | ${f1(client.p95)} ms | ${f1(backend.p50)} ms | ${f1(backend.p95)} ms |`);
    }
    if (synth.length > 1) {
      const [small, large] = synth.map(([, r]) => r['ChromaBackend.queryMemories'].p50);
      console.log(`p50 at ${synth[1][0]} / p50 at 1k: ${f2(large / small)}x`);
    }
  }
  console.log('\n| stream (k = 5, 1k memories) | retrieval cache hits | query embeddings cached | mean on | mean off | off / on | Chroma requests per query on / off |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [name, c] of Object.entries(results.cache)) {
    console.log(
      `| ${name} | ${(100 * c.hitRate).toFixed(0)}% | ${(100 * c.embeddingHitRate).toFixed(0)}% | ${f1(c.meanMs.on)} ms | ${f1(c.meanMs.off)} ms | ${f2(c.meanMs.off / c.meanMs.on)}x | ${f2(c.chromaRequestsPerQuery.on)} / ${f2(c.chromaRequestsPerQuery.off)} |`,
    );
  }
  const [single, batched] = Object.values(results.add);
  console.log(`\n| add | memories/s |\n|---|---|\n| one memory per addTrace | ${f1(single)} |\n| 20 memories per addTrace | ${f1(batched)} |\n| ratio | ${f2(batched / single)}x |`);
  console.log(`\nThe store's record cache was loaded (in the background) within ${Object.entries(results.warmupSeconds ?? {}).map(([l, t]) => `${t.toFixed(1)} s (${l})`).join(', ')} of the 20 warm-up queries.`);
  console.log(`\n${ROUNDS} interleaved rounds of ${PER_ROUND} queries; streams of ${STREAM} queries over 300 distinct; ${results.seconds.toFixed(0)} s in all.`);
}
