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

  it('feeds hits, misses and evictions to @rb/telemetry, matching its own statistics', async () => {
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
    expect(await telemetry.getStatistics()).toMatchObject({
      cacheHits: own.hits,
      cacheMisses: own.misses,
      cacheEvictions: own.evictions,
      cacheHitRate: own.hitRate,
    });
  });

  it('records nothing for a cache created with telemetry: false', async () => {
    const cache = new MemoryCache<string>({ maxSize: 1, telemetry: false });
    cache.put('a', '1');
    cache.put('b', '2');
    cache.get('a');
    cache.get('b');
    expect(cache.getStatistics()).toMatchObject({ hits: 1, misses: 1, evictions: 1 });
    expect(await telemetry.getStatistics()).toMatchObject({ cacheHits: 0, cacheMisses: 0, cacheEvictions: 0 });
  });
});
