import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startTelemetry } from '@rb/telemetry/sdk';
import { CacheError } from './errors.js';
import { MemoryCache } from './memory-cache.js';
import { SCOPE, cacheTotals } from './telemetry.js';

// The same as running with --expose-gc: a full collection on demand.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// A WeakRef keeps its target until the current job ends, and finalization callbacks run as later tasks.
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  await new Promise((resolve) => setImmediate(resolve));
}

// In a function of its own, so that no cache stays in a register or on the stack of the test.
function dropCaches(count: number, options: { telemetry?: boolean } = {}): WeakRef<MemoryCache<string>>[] {
  const refs: WeakRef<MemoryCache<string>>[] = [];
  for (let i = 0; i < count; i++) {
    const cache = new MemoryCache<string>({ name: 'dropped', maxSize: 100, ...options });
    for (let k = 0; k < 20; k++) cache.put(`k${k}`, 'v'.repeat(100));
    cache.get('k1');
    cache.get('missing');
    refs.push(new WeakRef(cache));
  }
  return refs;
}

describe('a dropped MemoryCache', () => {
  it('is garbage-collected with telemetry on, and what it counted stays in the counters', async () => {
    const telemetry = startTelemetry({ exporter: 'none' });
    try {
      const before = await telemetry.getStatistics();
      const refs = dropCaches(2000);
      await collect();
      expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
      const after = await telemetry.getStatistics();
      expect(after.cacheHits - before.cacheHits).toBe(2000);
      expect(after.cacheMisses - before.cacheMisses).toBe(2000);
    } finally {
      await telemetry.shutdown();
    }
  });

  it('is garbage-collected when no SDK was ever started', async () => {
    const observedBefore = cacheTotals.size;
    const refs = dropCaches(500);
    await collect();
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(cacheTotals.size).toBeLessThanOrEqual(observedBefore);
  });
});

describe('MemoryCache.dispose()', () => {
  it('empties the cache, stops its telemetry, and refuses later writes with DISPOSED', async () => {
    const cache = new MemoryCache<string>({ name: 'disposed' });
    cache.put('a', '1');
    const observed = cacheTotals.size;
    cache.dispose();
    cache.dispose(); // idempotent
    expect(cacheTotals.size).toBe(observed - 1);
    expect(cache.get('a')).toBeUndefined();
    expect(() => cache.put('b', '2')).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    await expect(cache.getOrLoad('b', async () => '2')).rejects.toMatchObject({ name: 'CacheError', code: 'DISPOSED' });
    expect(CacheError.isInstance(captured(() => cache.set('c', '3')))).toBe(true);
  });

  it('runs at the end of a `using` block', () => {
    let outside: MemoryCache<string> | undefined;
    {
      using cache = new MemoryCache<string>();
      cache.put('a', '1');
      outside = cache;
    }
    expect(() => outside!.put('a', '1')).toThrow(/disposed/);
  });
});

describe('large maxSize', () => {
  it('reserves nothing up front for 10 million entries, and still bounds the count', () => {
    const before = process.memoryUsage().heapUsed;
    const caches = Array.from({ length: 3 }, () => new MemoryCache<number>({ maxSize: 10_000_000, telemetry: false }));
    // Preallocating 10M slots takes hundreds of MB per cache; growing as entries arrive takes next to nothing.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
    const cache = caches[0]!;
    for (let i = 0; i < 1000; i++) cache.put(`k${i}`, i);
    expect(cache.getStatistics()).toMatchObject({ size: 1000, maxSize: 10_000_000, evictions: 0 });
  });

  it.each([
    ['without sizeOf', {}],
    ['with a byte bound', { maxBytes: 1_000_000, sizeOf: () => 1 }],
  ])('evicts the least recently used entry past a maxSize that is not preallocated (%s)', (_label, extra) => {
    const cache = new MemoryCache<number>({ maxSize: 70_000, telemetry: false, ...extra });
    for (let i = 0; i < 70_003; i++) {
      cache.put(`k${i}`, i);
      if (i === 5) cache.get('k0'); // k0 becomes recently used: k1, k2, k3 go first
    }
    expect(cache.getStatistics()).toMatchObject({ size: 70_000, evictions: 3 });
    expect(['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => cache.has(k))).toEqual([true, false, false, false, true]);
  });
});

describe('@rb/cache telemetry scope', () => {
  it("is named after package.json", () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name: string; version: string };
    expect(SCOPE).toEqual({ name: manifest.name, version: manifest.version });
  });
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
