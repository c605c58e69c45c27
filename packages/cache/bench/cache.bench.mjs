// MemoryCache vs bare lru-cache (same options) on the get-hit path and on put with evictions, measured side by side,
// then the hit rate of a read-through MemoryCache on a Zipf key stream for several cache and key-space sizes.
// Run: npx nx bench @rb/cache   (BENCH_N scales the operation counts; default 500000)
import { MemoryCache } from '@rb/cache';
import { startTelemetry } from '@rb/telemetry/sdk';
import { LRUCache } from 'lru-cache';

const N = Number(process.env.BENCH_N ?? 500_000);
const KEYS = 1000;
const keys = Array.from({ length: KEYS }, (_, i) => `memory:${i}`);
const value = { title: 'Check the schema first', content: 'Read the table schema before writing the query.' };
// Every timed get must hit; checking it also keeps the JIT from dropping the lookup.
const expectHit = (found) => {
  if (found !== value) throw new Error('benchmark bug: a get missed');
};

function nsPerOp(op) {
  for (let i = 0; i < 50_000; i++) op(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) op(i);
  return Number(process.hrtime.bigint() - start) / N;
}

// The best of 3 rounds, alternating the contenders, so that a noisy neighbour on the machine hurts both alike.
function compare(contenders) {
  const best = contenders.map(() => Infinity);
  for (let round = 0; round < 3; round++) {
    contenders.forEach((op, i) => (best[i] = Math.min(best[i], nsPerOp(op))));
  }
  return best;
}

const bare = () => new LRUCache({ max: KEYS, ttl: 3600 * 1000 });
const wrapped = (telemetry) => new MemoryCache({ maxSize: KEYS, ttlSeconds: 3600, telemetry });

function hitPath() {
  const lru = bare();
  const cache = wrapped(true);
  const quiet = wrapped(false);
  for (const key of keys) {
    lru.set(key, value);
    cache.put(key, value);
    quiet.put(key, value);
  }
  return [
    (i) => expectHit(lru.get(keys[i % KEYS])),
    (i) => expectHit(cache.get(keys[i % KEYS])),
    (i) => expectHit(quiet.get(keys[i % KEYS])),
  ];
}

// Twice as many keys as slots: every put past the first KEYS evicts the least recently used entry.
const putKeys = Array.from({ length: 2 * KEYS }, (_, i) => `memory:${i}`);
function putPath() {
  const lru = bare();
  const cache = wrapped(true);
  const quiet = wrapped(false);
  return [
    (i) => lru.set(putKeys[i % putKeys.length], value),
    (i) => cache.put(putKeys[i % putKeys.length], value),
    (i) => quiet.put(putKeys[i % putKeys.length], value),
  ];
}

const rows = [];
const measure = (label, contenders) => rows.push([label, ...compare(contenders)]);
measure('get (hit), no SDK', hitPath());
measure('put (evicting), no SDK', putPath());
const telemetry = startTelemetry({ serviceName: 'bench', exporter: 'none' });
measure('get (hit), SDK started', hitPath());
measure('put (evicting), SDK started', putPath());
await telemetry.shutdown();

const cell = (ns, base, width) => `${ns.toFixed(0)} ns (${(ns / base).toFixed(1)}x)`.padStart(width);
console.log(`ns per operation, best of 3 x ${N} ops; (ratio) to bare lru-cache; max ${KEYS}, ttl 1 h; Node ${process.version}\n`);
console.log('| operation                   | lru-cache | MemoryCache     | MemoryCache, telemetry: false |');
console.log('|-----------------------------|-----------|-----------------|-------------------------------|');
for (const [label, lruNs, cacheNs, quietNs] of rows) {
  console.log(
    `| ${label.padEnd(27)} | ${`${lruNs.toFixed(0)} ns`.padStart(9)} | ${cell(cacheNs, lruNs, 15)} | ${cell(quietNs, lruNs, 29)} |`,
  );
}

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
