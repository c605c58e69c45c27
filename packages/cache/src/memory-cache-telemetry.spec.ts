import { startTelemetry, type TelemetryHandle } from '@rb/telemetry/sdk';
import { MemoryCache } from './memory-cache.js';

describe('MemoryCache telemetry', () => {
  let telemetry: TelemetryHandle;

  beforeEach(() => {
    telemetry = startTelemetry({ exporter: 'none' });
  });

  afterEach(async () => {
    await telemetry.shutdown();
  });

  it('reports a cache created before the SDK started', async () => {
    await telemetry.shutdown();
    const cache = new MemoryCache<string>({ name: 'early' });
    cache.get('x');
    telemetry = startTelemetry({ exporter: 'none' });
    cache.get('x');
    const stats = await telemetry.getStatistics();
    expect(stats.cacheMisses).toBeGreaterThanOrEqual(2);
  });

  it('keeps telemetry counters monotonic across resetStatistics()', async () => {
    const cache = new MemoryCache<string>({ name: 'reset' });
    const before = await telemetry.getStatistics();
    cache.get('a');
    cache.resetStatistics();
    cache.get('b');
    expect(cache.getStatistics().misses).toBe(1);
    expect((await telemetry.getStatistics()).cacheMisses - before.cacheMisses).toBe(2);
  });

  it('feeds hits, misses and evictions to @rb/telemetry, matching its own statistics', async () => {
    const before = await telemetry.getStatistics();
    let time = 0;
    const cache = new MemoryCache<string>({ name: 'memories', maxSize: 2, ttlSeconds: 10, now: () => time });
    cache.put('a', '1');
    cache.get('a');
    cache.get('missing');
    await cache.getOrLoad('b', async () => '2');
    cache.put('c', '3');
    time += 11_000;
    cache.get('b');

    const own = cache.getStatistics();
    expect(own).toMatchObject({ hits: 1, misses: 3, evictions: 1, expirations: 2, size: 0 });
    const after = await telemetry.getStatistics();
    expect({
      hits: after.cacheHits - before.cacheHits,
      misses: after.cacheMisses - before.cacheMisses,
      evictions: after.cacheEvictions - before.cacheEvictions,
    }).toEqual({ hits: own.hits, misses: own.misses, evictions: own.evictions });
  });

  it('records nothing for a cache created with telemetry: false', async () => {
    // Caches of earlier tests may still be alive (and reported); this one must add nothing to them.
    const before = await telemetry.getStatistics();
    const cache = new MemoryCache<string>({ maxSize: 1, telemetry: false });
    cache.put('a', '1');
    cache.put('b', '2');
    cache.get('a');
    cache.get('b');
    expect(cache.getStatistics()).toMatchObject({ hits: 1, misses: 1, evictions: 1 });
    expect(await telemetry.getStatistics()).toMatchObject({
      cacheHits: before.cacheHits,
      cacheMisses: before.cacheMisses,
      cacheEvictions: before.cacheEvictions,
    });
  });
});
