// One run, side by side, on the real all-MiniLM-L6-v2 (q4), same texts (5-120 words each, no duplicates):
//   naive        one pipeline call per text, 1 onnxruntime thread (the seed's "sequential" column)
//   ours 1t      generateBatch: length-sorted batches of 32, 1 thread, no cache
//   ours Nt      the same with N = CPU cores onnxruntime threads
//   ours Nw      the same spread over N worker threads, 1 onnxruntime thread each
//   raw 1t       onnxruntime session.run alone on our batches, pre-tokenized, 1 thread: the ceiling of ours 1t
//   cached       generateBatch again on the same texts with the cache on
// Run: npx nx bench @rb/embed-batch      (BENCH_SIZES=100,500 to change the sizes)
import { env, pipeline, Tensor } from '@huggingface/transformers';
import { createEmbedder, planBatches } from '@rb/embed-batch';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

const MODEL = 'onnx-community/all-MiniLM-L6-v2-ONNX';
const modelDir = resolve(process.env.RB_MODEL_DIR ?? '.models');
const sizes = (process.env.BENCH_SIZES ?? '100,500,1000').split(',').map(Number);
const cores = availableParallelism();
const batchSize = 32;
const MAX_BATCH_TOKENS = 256; // the embedder's default, so raw runs exactly our batches

const WORDS = ('agent memory retrieve strategy failure success judge trajectory embedding vector cache token budget ' +
  'prompt compress retry pool latency workspace trace refine evaluate contrast sort list python request server')
  .split(' ');
let seed = 42; // mulberry32: deterministic, and no duplicate texts (dedupe would flatter "ours")
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const text = () => Array.from({ length: 5 + Math.floor(random() * 116) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');

env.allowRemoteModels = false;
env.localModelPath = modelDir;
const extractor = await pipeline('feature-extraction', MODEL, {
  dtype: 'q4',
  device: 'cpu',
  session_options: { intraOpNumThreads: 1, interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } },
});
const oneThread = await createEmbedder({ modelDir, threads: 1, batchSize, cache: false });
const allThreads = await createEmbedder({ modelDir, threads: cores, batchSize, cache: false });
const workers = await createEmbedder({ modelDir, workers: cores, batchSize, cache: false });
const cached = await createEmbedder({ modelDir, threads: cores, batchSize });
const session = extractor.model.sessions.model;

const seconds = async (fn) => {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
};

async function rawCeiling(texts) {
  const lengths = texts.map((t) => extractor.tokenizer.encode(t).length);
  const feeds = planBatches(lengths, batchSize, MAX_BATCH_TOKENS).map((batch) => {
    const enc = extractor.tokenizer(batch.map((i) => texts[i]), { padding: true, truncation: true });
    const feed = { input_ids: enc.input_ids, attention_mask: enc.attention_mask };
    if (session.inputNames.includes('token_type_ids')) {
      feed.token_type_ids =
        enc.token_type_ids ?? new Tensor('int64', new BigInt64Array(enc.input_ids.data.length), enc.input_ids.dims);
    }
    return Object.fromEntries(Object.entries(feed).map(([k, v]) => [k, v.ort_tensor ?? v]));
  });
  return seconds(async () => {
    for (const feed of feeds) await session.run(feed);
  });
}

for (const e of [oneThread, allThreads, workers]) await e.generateBatch(Array.from({ length: 64 }, text)); // warm-up
console.log(`Embedding throughput (texts/s), all-MiniLM-L6-v2 q4, batch ${batchSize}, ${cores} cores, Node ${process.version}\n`);
console.log(`| texts | naive 1t | ours 1t | ours ${cores}t | ours ${cores}w | best vs naive | seed | ours 1t / raw 1t | cached re-run |`);
console.log('|------:|---------:|--------:|--------:|--------:|--------------:|-----:|-----------------:|--------------:|');
const seedRatio = { 100: '3.2x', 500: '3.3x', 1000: '3.3x' };
for (const n of sizes) {
  const texts = Array.from({ length: n }, text);
  if (new Set(texts).size !== n) throw new Error('duplicate texts in the corpus');
  const naive = await seconds(async () => {
    for (const t of texts) await extractor(t, { pooling: 'mean', normalize: true });
  });
  const ours1 = await seconds(() => oneThread.generateBatch(texts));
  const oursN = await seconds(() => allThreads.generateBatch(texts));
  const oursW = await seconds(() => workers.generateBatch(texts));
  const raw = await rawCeiling(texts);
  await cached.generateBatch(texts);
  const rerun = await seconds(() => cached.generateBatch(texts));
  const rate = (s) => Math.round(n / s).toLocaleString('en-US');
  console.log(
    `| ${n} | ${rate(naive)} | ${rate(ours1)} | ${rate(oursN)} | ${rate(oursW)} | ` +
      `${(naive / Math.min(ours1, oursN, oursW)).toFixed(2)}x | ${seedRatio[n] ?? '-'} | ${Math.round((raw / ours1) * 100)}% | ${rate(rerun)} |`,
  );
}
await Promise.all([oneThread, allThreads, workers, cached].map((e) => e.dispose()));
await extractor.dispose();
