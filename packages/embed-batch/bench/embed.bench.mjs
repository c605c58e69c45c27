// One run, side by side, on the real all-MiniLM-L6-v2 (q4), same texts (5-120 words each) and thread settings:
//   naive      one pipeline call per text (what the seed's "sequential" column measured)
//   ours       generateBatch: length-sorted batches of 32, dedupe, no cache
//   raw        onnxruntime session.run alone on the same sorted, pre-tokenized batches: the ceiling
//   cached     generateBatch again on the same texts with the cache on
// Run: npx nx bench @rb/embed-batch      (BENCH_SIZES=100,500 BENCH_THREADS=2 to change)
import { env, pipeline, Tensor } from '@huggingface/transformers';
import { createEmbedder, planBatches } from '@rb/embed-batch';
import { resolve } from 'node:path';

const MODEL = 'onnx-community/all-MiniLM-L6-v2-ONNX';
const modelDir = resolve(process.env.RB_MODEL_DIR ?? '.models');
const sizes = (process.env.BENCH_SIZES ?? '100,500,1000').split(',').map(Number);
const threads = Number(process.env.BENCH_THREADS ?? 1);
const batchSize = 32;

const WORDS = ('agent memory retrieve strategy failure success judge trajectory embedding vector cache token budget ' +
  'prompt compress retry pool latency workspace trace refine evaluate contrast sort list python request server')
  .split(' ');
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const text = () => Array.from({ length: 5 + Math.floor(random() * 116) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');

const sessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } };
env.allowRemoteModels = false;
env.localModelPath = modelDir;
const extractor = await pipeline('feature-extraction', MODEL, { dtype: 'q4', device: 'cpu', session_options: sessionOptions });
const ours = await createEmbedder({ modelDir, threads, batchSize, cache: false });
const cached = await createEmbedder({ modelDir, threads, batchSize });
const session = extractor.model.sessions.model;

const seconds = async (fn) => {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
};

async function rawCeiling(texts) {
  const lengths = texts.map((t) => extractor.tokenizer.encode(t).length);
  const feeds = planBatches(lengths, batchSize).map((batch) => {
    const enc = extractor.tokenizer(batch.map((i) => texts[i]), { padding: true, truncation: true });
    const feed = { input_ids: enc.input_ids, attention_mask: enc.attention_mask };
    if (session.inputNames.includes('token_type_ids')) feed.token_type_ids = enc.token_type_ids ?? new Tensor('int64', new BigInt64Array(enc.input_ids.data.length), enc.input_ids.dims);
    return Object.fromEntries(Object.entries(feed).map(([k, v]) => [k, v.ort_tensor ?? v]));
  });
  return seconds(async () => {
    for (const feed of feeds) await session.run(feed);
  });
}

await ours.generateBatch(Array.from({ length: 64 }, text)); // warm-up
console.log(`Embedding throughput, all-MiniLM-L6-v2 q4, ${threads} onnxruntime thread(s), batch ${batchSize}, Node ${process.version}\n`);
console.log('| texts | naive texts/s | ours texts/s | ours vs naive | raw ceiling texts/s | ours / ceiling | cached re-run texts/s |');
console.log('|------:|--------------:|-------------:|--------------:|--------------------:|---------------:|----------------------:|');
for (const n of sizes) {
  const texts = Array.from({ length: n }, text);
  const naive = await seconds(async () => {
    for (const t of texts) await extractor(t, { pooling: 'mean', normalize: true });
  });
  const batched = await seconds(() => ours.generateBatch(texts));
  const raw = await rawCeiling(texts);
  await cached.generateBatch(texts);
  const rerun = await seconds(() => cached.generateBatch(texts));
  const rate = (s) => Math.round(n / s).toLocaleString('en-US');
  console.log(
    `| ${n} | ${rate(naive)} | ${rate(batched)} | ${(naive / batched).toFixed(2)}x | ${rate(raw)} | ${Math.round((raw / batched) * 100)}% | ${rate(rerun)} |`,
  );
}
await Promise.all([ours.dispose(), cached.dispose(), extractor.dispose()]);
