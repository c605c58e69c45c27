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
function run(script, env = {}) {
  status(`${script} ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, script)], {
      cwd: root,
      env: { ...process.env, RB_MODEL_DIR: process.env.RB_MODEL_DIR ?? join(root, '.models'), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const forward = (signal) => child.kill(signal);
    process.once('SIGINT', forward).once('SIGTERM', forward);
    child.once('exit', (code, signal) => {
      process.removeListener('SIGINT', forward).removeListener('SIGTERM', forward);
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
const banks = quick ? [{ memories: 1000, queries: 300 }] : [{ memories: 1000, queries: 1000 }, { memories: 10_000, queries: 1000 }];
figures.retrieval = [];
for (const bank of banks) {
  const out = await run('packages/storage-chroma/bench/store.bench.mjs', {
    BENCH_MEMORIES: String(bank.memories),
    BENCH_QUERIES: String(bank.queries),
    ...(quick ? { BENCH_ONE_BY_ONE: '50' } : {}),
  });
  if (out === undefined) continue;
  const off = row(out, 'cache off');
  const on = row(out, 'cache on');
  figures.retrieval.push({
    memories: bank.memories,
    queries: bank.queries,
    cacheOff: { avgMs: number(off?.[1]), p95Ms: number(off?.[2]), chromaRequests: number(off?.[4]) },
    cacheOn: { avgMs: number(on?.[1]), p95Ms: number(on?.[2]), hitRatePercent: number(on?.[3]), chromaRequests: number(on?.[4]) },
    addMemoriesPerSecond: number(row(out, `50 memories per addTrace`)?.[1]),
  });
}
const cached = figures.retrieval.find((r) => r.memories === 1000);
log();
log('## 2. Memory caching');
log();
if (cached === undefined) log(notMeasured('packages/storage-chroma/bench/store.bench.mjs'));
else {
log(`Here: ChromaMemoryStore on a real Chroma server and the real model, ${cached.memories} memories, ${cached.queries} retrievals drawn from a`);
log('Zipf distribution over 400 distinct queries (k = 3), with the store\'s caches off and on (the embedder\'s own cache off');
log('in both). "DB queries" counts the requests sent to Chroma (packages/storage-chroma/bench/store.bench.mjs).');
log();
log('| Metric | Seed: without cache | Seed: with cache | Seed: improvement | Here: without cache | Here: with cache | Here: improvement |');
log('|---|---|---|---|---|---|---|');
log(`| Avg query time | 120ms | 45ms | 2.7x faster | ${cached.cacheOff.avgMs} ms | ${cached.cacheOn.avgMs} ms | ${fmtX(cached.cacheOff.avgMs / cached.cacheOn.avgMs)} |`);
log(`| Cache hit rate | N/A | 55% | - | - | ${cached.cacheOn.hitRatePercent}% | - |`);
log(
  `| DB queries | 1000 | 450 | 55% reduction | ${cached.cacheOff.chromaRequests} | ${cached.cacheOn.chromaRequests} | ` +
    `${(100 * (1 - cached.cacheOn.chromaRequests / cached.cacheOff.chromaRequests)).toFixed(0)}% reduction |`,
);
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
log('Same benchmark as table 2: retrieve (embed the query, dense candidates from Chroma, BM25 fusion, ranking), ms per call.');
log();
if (figures.retrieval.length === 0) log(notMeasured('packages/storage-chroma/bench/store.bench.mjs'));
else {
  log('| memories | avg, cache off | p95, cache off | avg, cache on | p95, cache on | hit rate | add, memories/s (50 per trace) |');
  log('|---|---|---|---|---|---|---|');
}
for (const r of figures.retrieval) {
  log(`| ${r.memories.toLocaleString('en-US')} | ${r.cacheOff.avgMs} ms | ${r.cacheOff.p95Ms} ms | ${r.cacheOn.avgMs} ms | ${r.cacheOn.p95Ms} ms | ${r.cacheOn.hitRatePercent}% | ${r.addMemoriesPerSecond} |`);
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

if (asJson) {
  process.stdout.write(`${JSON.stringify({ ...figures, failures })}\n`);
}
process.exitCode = failures.length > 0 ? 1 : 0;
