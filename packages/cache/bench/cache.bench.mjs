// MemoryCache vs bare lru-cache (same options) on the get-hit path and on put with evictions, measured side by side,
// for a preallocated size (1000) and a large one (1,000,000, which MemoryCache no longer preallocates); the memory a
// cache of 10 million entries takes at construction; then the hit rate of a read-through MemoryCache on Zipf streams.
// Medians of interleaved rounds, one loop function per contender; times are this process's CPU time (user + system),
// which other jobs on the machine inflate less than wall-clock time.
// Run: npx nx bench @rb/cache   (BENCH_N scales the operation counts; default 500000; BENCH_ROUNDS, default 7)
import { MemoryCache } from '@rb/cache';
import { startTelemetry } from '@rb/telemetry/sdk';
import { LRUCache } from 'lru-cache';

const N = Number(process.env.BENCH_N ?? 500_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const KEYS = 1000;
const keys = Array.from({ length: KEYS }, (_, i) => `memory:${i}`);
const putKeys = Array.from({ length: 2 * KEYS }, (_, i) => `memory:${i}`);
const value = { title: 'Check the schema first', content: 'Read the table schema before writing the query.' };
const TTL_MS = 3600 * 1000;

// Every timed get must hit; checking it also keeps the JIT from dropping the lookup.
function expectHit(found) {
  if (found !== value) throw new Error('benchmark bug: a get missed');
}

// One loop function per contender (made by a factory, so each has its own call site and type feedback).
function hitLoop(cache) {
  return new Function('cache', 'keys', 'expectHit', 'N', 'KEYS', `
    return function loop() {
      for (let i = 0; i < N; i++) expectHit(cache.get(keys[i % KEYS]));
    };`)(cache, keys, expectHit, N, KEYS);
}
function putLoop(cache, verb) {
  return new Function('cache', 'keys', 'value', 'N', `
    return function loop() {
      for (let i = 0; i < N; i++) cache.${verb}(keys[i % keys.length], value);
    };`)(cache, putKeys, value, N);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function compare(loops) {
  const times = loops.map(() => []);
  loops.forEach((loop) => loop()); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? loops.map((_, i) => i) : loops.map((_, i) => loops.length - 1 - i);
    for (const i of order) {
      const start = process.cpuUsage();
      loops[i]();
      const used = process.cpuUsage(start);
      times[i].push(((used.user + used.system) * 1000) / N);
    }
  }
  return times.map(median);
}

// The bare lru-cache configured as MemoryCache configures it for that size.
const bare = (max) => (max <= 65_536 ? new LRUCache({ max, ttl: TTL_MS }) : new LRUCache({ maxSize: max, sizeCalculation: () => 1, ttl: TTL_MS }));
const wrapped = (max, telemetry) => new MemoryCache({ maxSize: max, ttlSeconds: 3600, telemetry });

function hitRow(max) {
  const caches = [bare(max), wrapped(max, true), wrapped(max, false)];
  for (const key of keys) {
    caches[0].set(key, value);
    caches[1].put(key, value);
    caches[2].put(key, value);
  }
  return compare(caches.map(hitLoop));
}

function putRow(max) {
  return compare([putLoop(bare(max), 'set'), putLoop(wrapped(max, true), 'put'), putLoop(wrapped(max, false), 'put')]);
}

const rows = [];
const measure = (label, result) => rows.push([label, ...result]);
measure('get (hit), maxSize 1000', hitRow(KEYS));
measure('get (hit), maxSize 1e6', hitRow(1_000_000));
measure('put (evicting), maxSize 1000', putRow(KEYS));
const telemetry = startTelemetry({ serviceName: 'bench', exporter: 'none' });
measure('get (hit), 1000, SDK started', hitRow(KEYS));
measure('put (evicting), 1000, SDK', putRow(KEYS));
await telemetry.shutdown();

const cell = (ns, base, width) => `${ns.toFixed(0)} ns (${(ns / base).toFixed(2)}x)`.padStart(width);
console.log(`ns of CPU time per operation, medians of ${ROUNDS} interleaved rounds of ${N} ops; (ratio) to bare lru-cache with the same`);
console.log(`configuration; ${KEYS} keys, ttl 1 h; Node ${process.version}\n`);
console.log('| operation                      | lru-cache | MemoryCache      | MemoryCache, telemetry: false |');
console.log('|--------------------------------|-----------|------------------|-------------------------------|');
for (const [label, lruNs, cacheNs, quietNs] of rows) {
  console.log(`| ${label.padEnd(30)} | ${`${lruNs.toFixed(0)} ns`.padStart(9)} | ${cell(cacheNs, lruNs, 16)} | ${cell(quietNs, lruNs, 29)} |`);
}

// Heap taken by constructing one cache of 10 million entries (nothing stored).
function heapAfter(make) {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const cache = make();
  globalThis.gc?.();
  const used = process.memoryUsage().heapUsed - before;
  return [cache, used];
}
const [, lruHeap] = heapAfter(() => new LRUCache({ max: 10_000_000, ttl: TTL_MS }));
const [, cacheHeap] = heapAfter(() => new MemoryCache({ maxSize: 10_000_000, telemetry: false }));
console.log(`\nheap at construction, maxSize 10,000,000: lru-cache (max, preallocated) ${(lruHeap / 2 ** 20).toFixed(0)} MB, MemoryCache ${(cacheHeap / 2 ** 20).toFixed(1)} MB`);

// Zipf(s) over `space` keys: rank r is requested with probability proportional to 1 / r^s. Seeded, so reproducible.
function zipfStream(space, s, length, seed) {
  const cdf = new Float64Array(space);
  let total = 0;
  for (let r = 0; r < space; r++) cdf[r] = total += 1 / Math.pow(r + 1, s);
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const stream = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    const u = random() * total;
    let lo = 0;
    let hi = space - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    stream[i] = lo;
  }
  return stream;
}

// Read-through use, as the storage layer does it: get, and put what was "loaded" on a miss. Statistics are reset
// after a warm-up of one pass, as the seed quoted its 40-60% "after warmup".
function hitRate(cacheSize, stream, warmUp) {
  const cache = new MemoryCache({ maxSize: cacheSize, ttlSeconds: Infinity });
  for (let i = 0; i < stream.length; i++) {
    if (i === warmUp) cache.resetStatistics();
    const key = `memory:${stream[i]}`;
    if (cache.get(key) === undefined) cache.put(key, stream[i]);
  }
  return cache.getStatistics().hitRate;
}

const ZIPF_N = Math.max(100_000, Math.floor(N / 2));
const SPACES = [10_000, 100_000, 1_000_000];
const SIZES = [100, 1_000, 10_000];
const EXPONENTS = [0.8, 1.0];
console.log(`\nHit rate (%) of a read-through MemoryCache on Zipf key streams: ${ZIPF_N} requests after ${ZIPF_N} of warm-up`);
console.log('(* = within the seed\'s 40-60%)\n');
console.log(`| Zipf s | key space | ${SIZES.map((s) => `maxSize ${s}`.padStart(13)).join(' | ')} |`);
console.log(`|--------|-----------|${SIZES.map(() => '-'.repeat(15)).join('|')}|`);
for (const s of EXPONENTS) {
  for (const space of SPACES) {
    const stream = zipfStream(space, s, 2 * ZIPF_N, 42);
    const cells = SIZES.map((size) => {
      const rate = hitRate(size, stream, ZIPF_N);
      return `${rate.toFixed(1)}${rate >= 40 && rate <= 60 ? '*' : ' '}`.padStart(13);
    });
    console.log(`| ${s.toFixed(1).padStart(6)} | ${String(space).padStart(9)} | ${cells.join(' | ')} |`);
  }
}
