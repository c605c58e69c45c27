// `npm run bench` (or `rb bench`): the seed's four benchmark tables (PERFORMANCE_OPTIMIZATIONS.md) side by side with
// what this repository measures, plus retrieval at 1k and 10k memories and MaTTS wall time, in one run. Every figure
// comes from a package's own benchmark script, run here in a child process one after the other (never two at once);
// this script only chooses the sizes, reads their tables and lays the seed's figures next to them.
//
//   node apps/reasoning-bank/bench/bench.mjs [--quick] [--json]
//   --quick: small sizes (a few minutes), for a smoke run; the default sizes follow the seed's tables.
//   --json:  one JSON object with every figure on stdout, instead of the tables.
// The packages must be built (`npm run bench` builds them). RB_MODEL_DIR points at the model (default ./.models).
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..', '..');
const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const log = (line = '') => {
  if (!asJson) process.stdout.write(`${line}\n`);
};
const status = (line) => process.stderr.write(`[bench] ${line}\n`);

/**
 * Runs one package benchmark and returns its stdout (its stderr passes through, for progress and errors), or
 * undefined when it failed: the other tables are still measured, and the report says which one is missing.
 */
const failures = [];
let interrupted = false;
function run(script, env = {}, args = []) {
  status(`${script} ${[...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...args].join(' ')}`);
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, script), ...args], {
      cwd: root,
      env: { ...process.env, RB_MODEL_DIR: process.env.RB_MODEL_DIR ?? join(root, '.models'), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    // Ctrl-C or SIGTERM stops the benchmark running now and the whole suite.
    const forward = (signal) => {
      interrupted = true;
      child.kill(signal);
    };
    process.once('SIGINT', forward).once('SIGTERM', forward);
    child.once('exit', (code, signal) => {
      process.removeListener('SIGINT', forward).removeListener('SIGTERM', forward);
      if (interrupted) process.exit(130);
      status(`  done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      if (code === 0) return done(out);
      failures.push(`${script} failed (${code ?? signal})`);
      status(`  FAILED (${code ?? signal}); its table is left out`);
      done(undefined);
    });
    child.once('error', fail);
  });
}
const notMeasured = (script) => `Not measured in this run: ${script} failed (its error is on stderr above).`;

/** The cells of the markdown table row whose first cell starts with `first`, or undefined. */
function row(output, first) {
  const line = output.split('\n').find((l) => l.startsWith('|') && l.split('|')[1]?.trim().startsWith(first));
  return line?.split('|').slice(1, -1).map((cell) => cell.trim());
}
const number = (cell) => (cell === undefined ? NaN : Number(cell.replace(/,/g, '').replace(/[^0-9.eE+-]/g, '')));
/** The lines of a section of a benchmark's output, from a line containing `from` up to (not including) `to`. */
function section(output, from, to) {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => l.includes(from));
  if (start < 0) return undefined;
  const end = to === undefined ? -1 : lines.findIndex((l, i) => i > start && l.includes(to));
  return lines.slice(start, end < 0 ? undefined : end).join('\n').trim();
}
const fmtS = (seconds) => (seconds >= 10 ? `${seconds.toFixed(1)} s` : `${seconds.toFixed(2)} s`);
const fmtX = (ratio) => (!Number.isFinite(ratio) ? 'n/a' : ratio >= 1 ? `${ratio.toFixed(1)}x faster` : `${(1 / ratio).toFixed(1)}x SLOWER`);

const figures = { machine: { cores: availableParallelism(), node: process.version, loadAverage: loadavg()[0] }, quick };
log('# ReasoningBank-TS benchmarks next to the seed\'s figures');
log();
log(`${figures.machine.cores} cores, Node ${process.version}, load average ${figures.machine.loadAverage.toFixed(1)} at the start.`);
log('The "seed" columns are copied from the seed\'s PERFORMANCE_OPTIMIZATIONS.md (another system, other hardware, its own');
log('method); the "here" columns are measured in this run, by each package\'s benchmark script. Ratios compare contenders');
log('measured side by side in one run; absolute times depend on this machine and its load, and may be re-measured on a');
log('quiet one.');

// 1. Batch embedding generation ------------------------------------------------------------------------------------
const SEED_EMBED = { 100: ['15.2s', '4.8s', '3.2x faster'], 500: ['76.1s', '23.4s', '3.3x faster'], 1000: ['152.3s', '46.7s', '3.3x faster'] };
const embedSizes = quick ? [100] : [100, 500, 1000];
figures.embeddings = [];
for (const texts of embedSizes) {
  const out = await run('packages/embed-batch/bench/embed.bench.mjs', { BENCH_TEXTS: String(texts), BENCH_ROUNDS: quick ? '1' : '3' });
  if (out === undefined) continue;
  const batch = number(row(out, 'default')?.[1]);
  const naive = Math.max(...out.split('\n').filter((l) => /^\| naive \d+t \|/.test(l)).map((l) => number(l.split('|')[2])));
  figures.embeddings.push({ texts, batchTextsPerSecond: batch, sequentialTextsPerSecond: naive, batchSeconds: texts / batch, sequentialSeconds: texts / naive });
}
log();
log('## 1. Batch embedding generation');
log();
log('Here: all-MiniLM-L6-v2 (q4 ONNX), texts of 5-120 words. "Sequential" is the seed\'s loop (one text per call through a');
log('transformers.js pipeline in the calling thread, the better of 1 and all threads); "batch (32)" is createEmbedder() with');
log('its defaults (batches of up to 32 texts of similar length, one worker process per core). Median of interleaved rounds');
log('(packages/embed-batch/bench/embed.bench.mjs, BENCH_TEXTS = the scenario).');
log();
log('| Scenario | Seed: sequential | Seed: batch (32) | Seed: improvement | Here: sequential | Here: batch (32) | Here: improvement |');
log('|---|---|---|---|---|---|---|');
for (const texts of embedSizes) {
  const seed = SEED_EMBED[texts];
  const e = figures.embeddings.find((x) => x.texts === texts);
  const here = e ? `${fmtS(e.sequentialSeconds)} | ${fmtS(e.batchSeconds)} | ${fmtX(e.sequentialSeconds / e.batchSeconds)}` : 'not measured | - | -';
  log(`| ${texts} texts | ${seed[0]} | ${seed[1]} | ${seed[2]} | ${here} |`);
}

// 2. Memory caching, and retrieval at 1k / 10k memories ------------------------------------------------------------
// One run of @rb/storage-chroma's benchmark (--json) gives both: retrieval latency by bank size, and cache on / off
// over Zipf query streams.
const storeOut = await run(
  'packages/storage-chroma/bench/store.bench.mjs',
  quick ? { BENCH_BANK: '2000', BENCH_SYNTHETIC: '0', BENCH_ROUNDS: '2', BENCH_STREAM: '200' } : {},
  ['--json'],
);
let store;
try {
  store = storeOut && JSON.parse(storeOut.slice(storeOut.indexOf('{')));
} catch {
  failures.push('packages/storage-chroma/bench/store.bench.mjs printed no JSON');
}
figures.store = store;
const cache = store?.cache?.['read-only Zipf'];
log();
log('## 2. Memory caching');
log();
if (!cache) log(notMeasured('packages/storage-chroma/bench/store.bench.mjs'));
else {
  const perThousand = (perQuery) => Math.round(perQuery * 1000);
  log(`Here: ChromaMemoryStore on a real Chroma server and the real model, a bank of 1,000 memories, ${cache.queries} retrievals`);
  log('drawn from a Zipf distribution over 300 distinct queries (k = 5), with the store\'s caches on and off (the embedder\'s');
  log('own cache off in both), alternating query by query. "DB queries" counts the requests sent to Chroma, per 1,000');
  log('retrievals (packages/storage-chroma/bench/store.bench.mjs).');
  log();
  log('| Metric | Seed: without cache | Seed: with cache | Seed: improvement | Here: without cache | Here: with cache | Here: improvement |');
  log('|---|---|---|---|---|---|---|');
  log(`| Avg query time | 120ms | 45ms | 2.7x faster | ${cache.meanMs.off.toFixed(1)} ms | ${cache.meanMs.on.toFixed(1)} ms | ${fmtX(cache.meanMs.off / cache.meanMs.on)} |`);
  log(`| Cache hit rate | N/A | 55% | - | - | ${(100 * cache.hitRate).toFixed(0)}% | - |`);
  const [off, on] = [perThousand(cache.chromaRequestsPerQuery.off), perThousand(cache.chromaRequestsPerQuery.on)];
  log(`| DB queries | 1000 | 450 | 55% reduction | ${off} | ${on} | ${(100 * (1 - on / off)).toFixed(0)}% reduction |`);
  log();
  log('Other streams (the seed has no figure for them):');
  log();
  log('| stream | retrieval cache hits | mean, cache off | mean, cache on | Chroma requests per query, off / on |');
  log('|---|---|---|---|---|');
  for (const [name, c] of Object.entries(store.cache)) {
    log(`| ${name} | ${(100 * c.hitRate).toFixed(0)}% | ${c.meanMs.off.toFixed(1)} ms | ${c.meanMs.on.toFixed(1)} ms | ${c.chromaRequestsPerQuery.off.toFixed(2)} / ${c.chromaRequestsPerQuery.on.toFixed(2)} |`);
  }
}

// 3. Prompt compression ------------------------------------------------------------------------------------------
const compress = await run('packages/compress/bench/compress.bench.mjs', quick ? { BENCH_ROUNDS: '1' } : {});
figures.compression = compress && section(compress, '| category |', 'Throughput');
log();
log('## 3. Prompt compression');
log();
log('Seed: simple task 500 -> 420 tokens (16%), with memories 2500 -> 1750 (30%), complex task 8000 -> 5200 (35%), counted');
log('as characters / 4. Here: real o200k_base token counts on the written corpus of packages/compress/bench/corpus; the');
log('"seed claim" column repeats the seed\'s reduction for each category (packages/compress/bench/compress.bench.mjs).');
log();
log(figures.compression ?? compress?.trim() ?? notMeasured('packages/compress/bench/compress.bench.mjs'));

// 4. Connection pooling ------------------------------------------------------------------------------------------
const pool = await run('packages/http-pool/bench/pool.bench.mjs', quick ? { BENCH_CONCURRENT: '40' } : {});
figures.pooling = pool && section(pool, '| Scenario |', 'Total bench time');
log();
log('## 4. Connection pooling');
log();
log('Here: HTTPS with TLS 1.3 to a local server behind a proxy adding a 20 ms round trip, a fresh connection per request');
log('(the seed\'s unpooled requests.post) against @rb/http-pool\'s pooled keep-alive client; the seed\'s figures are in the');
log('last two columns (packages/http-pool/bench/pool.bench.mjs).');
log();
log(figures.pooling ?? pool?.trim() ?? notMeasured('packages/http-pool/bench/pool.bench.mjs'));

// 5. Retrieval at 1k and 10k memories ----------------------------------------------------------------------------
log();
log('## 5. Retrieval latency by bank size (no seed figure)');
log();
if (!store?.retrieval) log(notMeasured('packages/storage-chroma/bench/store.bench.mjs'));
else {
  log('ChromaMemoryStore.retrieve with its default pipeline (embed the query, dense candidates from Chroma, BM25 fusion,');
  log('ranking, late interaction when the best two are close; k = 5, every query new), next to the floor measured in the');
  log('same rounds: one query embedding plus one unfiltered query through chromadb\'s own client; and without the');
  log('late-interaction stage (the store\'s own cost).');
  log();
  log('| memories | floor p50 | store p50 | store p95 | store / floor p50 | late interaction off p50 | late off / floor | caches off p50 |');
  log('|---|---|---|---|---|---|---|---|');
  for (const r of Object.values(store.retrieval)) {
    const [off, noLate] = [r['store, caches off'], r['store, late interaction off']];
    log(
      `| ${r.size.toLocaleString('en-US')} | ${r.floor.p50.toFixed(1)} ms | ${r.store.p50.toFixed(1)} ms | ${r.store.p95.toFixed(1)} ms | ` +
        `${(r.store.p50 / r.floor.p50).toFixed(2)}x | ${noLate.p50.toFixed(1)} ms | ${(noLate.p50 / r.floor.p50).toFixed(2)}x | ${off.p50.toFixed(1)} ms |`,
    );
  }
  const synthetic = Object.values(store.synthetic ?? {});
  if (synthetic.length > 0) {
    log();
    log('The Chroma part alone (50 candidates, synthetic vectors), chromadb\'s client against ChromaBackend:');
    log();
    log('| vectors | chromadb client p50 | ChromaBackend.queryMemories p50 | p95 |');
    log('|---|---|---|---|');
    for (const r of synthetic) {
      const [client, backend] = [r['chromadb client'], r['ChromaBackend.queryMemories']];
      log(`| ${r.size.toLocaleString('en-US')} | ${client.p50.toFixed(1)} ms | ${backend.p50.toFixed(1)} ms | ${backend.p95.toFixed(1)} ms |`);
    }
  }
  if (store.add) {
    const [single, batched] = Object.values(store.add);
    log();
    log(`Adding memories: ${single.toFixed(0)}/s one per addTrace, ${batched.toFixed(0)}/s twenty per addTrace.`);
  }
}

// 6. MaTTS wall time ---------------------------------------------------------------------------------------------
const agent = await run('packages/agent/bench/agent.bench.mjs', quick ? { ROUNDS: '1' } : {});
figures.matts = agent && section(agent, 'MaTTS wall time', '## Prompt tokens');
log();
log('## 6. MaTTS wall time (no seed figure)');
log();
log('k attempts run concurrently and are contrasted, every model call taking a fixed 200 ms on the test LLM server');
log('(packages/agent/bench/agent.bench.mjs): parallel MaTTS should cost about one run, not k.');
log();
log((figures.matts ?? agent?.trim() ?? notMeasured('packages/agent/bench/agent.bench.mjs')).replace(/^## /, '### '));

if (failures.length > 0) {
  log();
  log(`Left out: ${failures.join('; ')}.`);
}

if (asJson) process.stdout.write(`${JSON.stringify({ ...figures, failures })}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
