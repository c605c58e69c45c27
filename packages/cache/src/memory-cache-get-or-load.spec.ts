import { CacheError } from './errors.js';
import { MemoryCache } from './memory-cache.js';

/** A loader the test resolves or rejects by hand, counting its calls. */
function manualLoader<V>() {
  const settle: { resolve: (value: V) => void; reject: (error: unknown) => void }[] = [];
  const loader = jest.fn(
    (_key: string) => new Promise<V>((resolve, reject) => void settle.push({ resolve, reject })),
  );
  return {
    loader,
    resolve: (value: V, call = settle.length - 1) => settle[call].resolve(value),
    reject: (error: unknown, call = settle.length - 1) => settle[call].reject(error),
  };
}

describe('MemoryCache.getOrLoad', () => {
  it('runs the loader once for 100 concurrent calls of one key, and serves the rest from the cache', async () => {
    const cache = new MemoryCache<{ id: string }>();
    const { loader, resolve } = manualLoader<{ id: string }>();
    const calls = Array.from({ length: 100 }, () => cache.getOrLoad('m1', loader));
    resolve({ id: 'm1' });
    const values = await Promise.all(calls);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(loader).toHaveBeenCalledWith('m1');
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toEqual({ id: 'm1' });
    expect(await cache.getOrLoad('m1', loader)).toBe(values[0]);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(cache.getStatistics()).toMatchObject({ hits: 1, misses: 100, totalRequests: 101, size: 1 });
  });

  it('loads different keys independently', async () => {
    const cache = new MemoryCache<string>();
    const values = await Promise.all(['a', 'b', 'a'].map((key) => cache.getOrLoad(key, async (k) => k.toUpperCase())));
    expect(values).toEqual(['A', 'B', 'A']);
    expect(cache.getStatistics().size).toBe(2);
  });

  it('gives every waiting caller the error of a failed load, caches nothing, and loads again next time', async () => {
    const cache = new MemoryCache<string>();
    const { loader, reject } = manualLoader<string>();
    const calls = Array.from({ length: 100 }, () => cache.getOrLoad('k', loader));
    const failure = new Error('database down');
    reject(failure);
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason === failure)).toBe(true);
    expect(cache.has('k')).toBe(false);
    await expect(cache.getOrLoad('k', async () => 'recovered')).resolves.toBe('recovered');
    expect(cache.get('k')).toBe('recovered');
  });

  it('turns a loader that throws synchronously into a rejection', async () => {
    const cache = new MemoryCache<string>();
    const failure = new Error('bad query');
    const call = cache.getOrLoad('k', () => {
      throw failure;
    });
    await expect(call).rejects.toBe(failure);
    expect(cache.has('k')).toBe(false);
  });

  it.each([
    ['delete(key)', (cache: MemoryCache<string>) => cache.delete('k')],
    ['clear()', (cache: MemoryCache<string>) => cache.clear()],
    ['invalidateTag', (cache: MemoryCache<string>) => cache.invalidateTag('ws:1')],
    ['invalidatePrefix', (cache: MemoryCache<string>) => cache.invalidatePrefix('k')],
  ])('does not store a load that resolves after %s, but still answers its callers', async (_name, drop) => {
    const cache = new MemoryCache<string>();
    const { loader, resolve } = manualLoader<string>();
    const stale = cache.getOrLoad('k', loader, { tags: ['ws:1'] });
    drop(cache);
    const fresh = cache.getOrLoad('k', loader, { tags: ['ws:1'] });
    expect(loader).toHaveBeenCalledTimes(2);
    resolve('stale', 0);
    expect(await stale).toBe('stale');
    expect(cache.has('k')).toBe(false);
    resolve('fresh', 1);
    expect(await fresh).toBe('fresh');
    expect(cache.get('k')).toBe('fresh');
  });

  it('keeps a value put while a load was pending', async () => {
    const cache = new MemoryCache<string>();
    const { loader, resolve } = manualLoader<string>();
    const pending = cache.getOrLoad('k', loader);
    cache.put('k', 'written');
    resolve('loaded');
    expect(await pending).toBe('loaded');
    expect(cache.get('k')).toBe('written');
  });

  it('stores the loaded value with the given TTL and tags', async () => {
    let time = 0;
    const cache = new MemoryCache<string>({ now: () => time });
    await cache.getOrLoad('short', async () => 'v', { ttlSeconds: 2 });
    await cache.getOrLoad('tagged', async () => 'v', { tags: ['ws:1'] });
    time += 2_001;
    expect(cache.has('short')).toBe(false);
    expect(cache.invalidateTag('ws:1')).toBe(1);
    expect(cache.has('tagged')).toBe(false);
  });

  it('caches nothing when the loader resolves to undefined', async () => {
    const cache = new MemoryCache<string>();
    await expect(cache.getOrLoad('k', async () => undefined as unknown as string)).resolves.toBeUndefined();
    expect(cache.getStatistics().size).toBe(0);
  });

  it('rejects bad arguments with a CacheError before loading', async () => {
    const cache = new MemoryCache<string>();
    const loader = jest.fn(async () => 'v');
    await expect(cache.getOrLoad('k', 'nope' as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'loader',
    });
    await expect(cache.getOrLoad('k', loader, { ttlSeconds: -1 })).rejects.toBeInstanceOf(CacheError);
    await expect(cache.getOrLoad('k', loader, { tags: 'ws:1' as never })).rejects.toMatchObject({ field: 'tags' });
    expect(loader).not.toHaveBeenCalled();
  });
});
