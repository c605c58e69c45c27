import { CacheError } from './errors.js';
import { MemoryCache } from './memory-cache.js';

function clock(start = 0) {
  let time = start;
  return { now: () => time, advance: (ms: number) => void (time += ms) };
}

function caught(fn: () => unknown): CacheError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  if (!CacheError.isInstance(error)) throw new Error(`expected a CacheError, got ${String(error)}`);
  return error;
}

describe('MemoryCache basics', () => {
  it('starts with the seed defaults and empty statistics', () => {
    const cache = new MemoryCache<string>();
    expect(cache.maxSize).toBe(1000);
    expect(cache.name).toBe('memory');
    expect(cache.getStatistics()).toEqual({
      size: 0,
      maxSize: 1000,
      hits: 0,
      misses: 0,
      hitRate: 0,
      evictions: 0,
      expirations: 0,
      totalRequests: 0,
    });
  });

  it('stores, finds, replaces and deletes values; set is put', () => {
    const cache = new MemoryCache<{ title: string }>();
    expect(cache.get('m1')).toBeUndefined();
    cache.put('m1', { title: 'first' });
    cache.set('m2', { title: 'second' });
    expect(cache.get('m1')).toEqual({ title: 'first' });
    expect(cache.get('m2')).toEqual({ title: 'second' });
    cache.put('m1', { title: 'replaced' });
    expect(cache.get('m1')).toEqual({ title: 'replaced' });
    expect(cache.has('m1')).toBe(true);
    expect(cache.delete('m1')).toBe(true);
    expect(cache.delete('m1')).toBe(false);
    expect(cache.has('m1')).toBe(false);
    cache.clear();
    expect(cache.getStatistics().size).toBe(0);
  });

  it('evicts the least recently used entry, where a get counts as a use and has does not', () => {
    const cache = new MemoryCache<number>({ maxSize: 3 });
    cache.put('a', 1);
    cache.put('b', 2);
    cache.put('c', 3);
    cache.get('a');
    cache.has('b');
    cache.put('d', 4);
    expect(['a', 'b', 'c', 'd'].filter((key) => cache.has(key))).toEqual(['a', 'c', 'd']);
    cache.put('e', 5);
    expect(['a', 'c', 'd', 'e'].filter((key) => cache.has(key))).toEqual(['a', 'd', 'e']);
    expect(cache.getStatistics()).toMatchObject({ size: 3, evictions: 2, expirations: 0 });
  });
});

describe('MemoryCache TTL (injected clock)', () => {
  it('serves an entry until its TTL has passed, then counts a miss and an expiration, not an eviction', () => {
    const time = clock();
    const cache = new MemoryCache<string>({ ttlSeconds: 10, now: time.now });
    cache.put('k', 'v');
    time.advance(10_000);
    expect(cache.get('k')).toBe('v');
    time.advance(1);
    expect(cache.has('k')).toBe(false);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.getStatistics()).toMatchObject({ size: 0, hits: 1, misses: 1, expirations: 1, evictions: 0 });
  });

  it('lets one entry override the TTL, including never expiring', () => {
    const time = clock(1_700_000_000_000);
    const cache = new MemoryCache<string>({ ttlSeconds: 60, now: time.now });
    cache.put('short', 's', { ttlSeconds: 1 });
    cache.put('default', 'd');
    cache.put('forever', 'f', { ttlSeconds: Infinity });
    time.advance(1_001);
    expect([cache.get('short'), cache.get('default'), cache.get('forever')]).toEqual([undefined, 'd', 'f']);
    time.advance(24 * 3600 * 1000);
    expect([cache.get('default'), cache.get('forever')]).toEqual([undefined, 'f']);
    expect(cache.getStatistics()).toMatchObject({ expirations: 2, evictions: 0 });
  });

  it('restarts the TTL when a value is put again', () => {
    const time = clock();
    const cache = new MemoryCache<string>({ ttlSeconds: 10, now: time.now });
    cache.put('k', 'v1');
    time.advance(8_000);
    cache.put('k', 'v2');
    time.advance(8_000);
    expect(cache.get('k')).toBe('v2');
  });

  it('counts an expired entry pushed out by the size bound as an expiration', () => {
    const time = clock();
    const cache = new MemoryCache<string>({ maxSize: 2, ttlSeconds: 1, now: time.now });
    cache.put('old', 'x');
    time.advance(2_000);
    cache.put('b', 'y');
    cache.put('c', 'z');
    expect(cache.getStatistics()).toMatchObject({ size: 2, evictions: 0, expirations: 1 });
  });

  it('reports only live entries as its size, purging the expired ones', () => {
    const time = clock();
    const cache = new MemoryCache<string>({ ttlSeconds: 5, now: time.now });
    cache.put('a', '1');
    cache.put('b', '2');
    time.advance(6_000);
    cache.put('c', '3');
    expect(cache.getStatistics()).toMatchObject({ size: 1, expirations: 2, misses: 0 });
  });
});

describe('MemoryCache statistics', () => {
  it('counts hits, misses, total requests and the hit rate as a percentage', () => {
    const cache = new MemoryCache<number>({ maxSize: 2 });
    cache.put('a', 1);
    cache.get('a');
    cache.get('a');
    cache.get('nope');
    cache.put('b', 2);
    cache.put('c', 3);
    cache.has('a');
    expect(cache.getStatistics()).toEqual({
      size: 2,
      maxSize: 2,
      hits: 2,
      misses: 1,
      hitRate: (2 / 3) * 100,
      evictions: 1,
      expirations: 0,
      totalRequests: 3,
    });
  });

  it('resets the counters and keeps the entries', () => {
    const cache = new MemoryCache<number>({ maxSize: 1 });
    cache.put('a', 1);
    cache.put('b', 2);
    cache.get('b');
    cache.get('a');
    cache.resetStatistics();
    expect(cache.getStatistics()).toMatchObject({ size: 1, hits: 0, misses: 0, hitRate: 0, evictions: 0 });
    expect(cache.get('b')).toBe(2);
  });
});

describe('MemoryCache byte bound', () => {
  const sizeOf = (value: string) => value.length;

  it('evicts least recently used entries to stay under maxBytes', () => {
    const cache = new MemoryCache<string>({ maxBytes: 10, sizeOf });
    cache.put('a', 'aaaa');
    cache.put('b', 'bbbb');
    cache.get('a');
    cache.put('c', 'cccc');
    expect(['a', 'b', 'c'].filter((key) => cache.has(key))).toEqual(['a', 'c']);
    cache.put('empty', '');
    expect(cache.get('empty')).toBe('');
    expect(cache.getStatistics()).toMatchObject({ evictions: 1 });
  });

  it('does not store a value larger than maxBytes, drops the old one, and counts an eviction', () => {
    const cache = new MemoryCache<string>({ maxBytes: 10, sizeOf });
    cache.put('k', 'small');
    cache.put('k', 'x'.repeat(11), { tags: ['t'] });
    expect(cache.get('k')).toBeUndefined();
    expect(cache.invalidateTag('t')).toBe(0);
    expect(cache.getStatistics()).toMatchObject({ size: 0, evictions: 1 });
  });

  it('rejects a size that is not a finite number >= 0, naming sizeOf and the key', () => {
    const cache = new MemoryCache<string>({ maxBytes: 10, sizeOf: () => -1 });
    const error = caught(() => cache.put('k', 'v'));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'sizeOf' });
    expect(error.message).toMatch(/"k".*got -1/);
    expect(cache.has('k')).toBe(false);
  });
});

describe('MemoryCache bad input', () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['maxSize: 0', { maxSize: 0 }, 'maxSize', /maxSize must be an integer >= 1 and <= 16777216, got 0/],
    ['maxSize: -5', { maxSize: -5 }, 'maxSize', /got -5/],
    ['maxSize: 1.5', { maxSize: 1.5 }, 'maxSize', /got 1.5/],
    ['maxSize: "100"', { maxSize: '100' }, 'maxSize', /got "100"/],
    ['maxSize: 1e8 (more than a Map holds)', { maxSize: 1e8 }, 'maxSize', /<= 16777216, got 100000000/],
    ['maxSize: 2**32', { maxSize: 2 ** 32 }, 'maxSize', /<= 16777216, got 4294967296/],
    ['maxSize: Infinity', { maxSize: Infinity }, 'maxSize', /an integer/],
    ['ttlSeconds: 0', { ttlSeconds: 0 }, 'ttlSeconds', /positive number of seconds or Infinity, got 0/],
    ['ttlSeconds: -1', { ttlSeconds: -1 }, 'ttlSeconds', /got -1/],
    ['ttlSeconds: NaN', { ttlSeconds: NaN }, 'ttlSeconds', /got NaN/],
    ['ttlSeconds: null', { ttlSeconds: null }, 'ttlSeconds', /got null/],
    ['name: ""', { name: '' }, 'name', /name must be a string of at least 1 characters/],
    ['maxBytes: 100', { maxBytes: 100 }, 'sizeOf', /maxBytes and sizeOf must be given together/],
    ['sizeOf: () => 1', { sizeOf: () => 1 }, 'maxBytes', /given together/],
    ['maxBytes: 0, sizeOf: () => 1', { maxBytes: 0, sizeOf: () => 1 }, 'maxBytes', /an integer >= 1, got 0/],
    ['maxBytes: 10, sizeOf: "length"', { maxBytes: 10, sizeOf: 'length' }, 'sizeOf', /a function/],
    ['telemetry: "yes"', { telemetry: 'yes' }, 'telemetry', /a boolean, got "yes"/],
    ['now: 5', { now: 5 }, 'now', /now must be a function, got 5/],
    ['now: () => NaN', { now: () => NaN }, 'now', /a function returning milliseconds/],
    ['max_size: 10', { max_size: 10 }, 'max_size', /unknown option "max_size"; valid options are maxSize, ttlSeconds/],
  ])('refuses %s at construction, naming %s', (_label, options, field, message) => {
    const error = caught(() => new MemoryCache(options));
    expect(error).toMatchObject({ name: 'CacheError', code: 'INVALID_OPTIONS', field });
    expect(error.message).toMatch(message);
  });

  it('refuses a bad per-entry TTL, bad tags and an undefined value', () => {
    const cache = new MemoryCache<string>();
    expect(caught(() => cache.put('k', 'v', { ttlSeconds: 0 }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'ttlSeconds',
    });
    expect(caught(() => cache.put('k', 'v', { tags: [''] }))).toMatchObject({ field: 'tags' });
    expect(caught(() => cache.put('k', undefined as never))).toMatchObject({ field: 'value' });
    expect(cache.has('k')).toBe(false);
  });

  it('refuses options that are not an object', () => {
    expect(caught(() => new MemoryCache(null as never))).toMatchObject({ code: 'INVALID_OPTIONS', field: 'options' });
  });

  it('refuses keys that are not strings, in every method, naming the key', async () => {
    const cache = new MemoryCache<string>();
    for (const key of [1, {}, Symbol('k'), null, undefined, ['a']] as unknown as string[]) {
      expect(caught(() => cache.put(key, 'v'))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'key' });
      expect(caught(() => cache.get(key))).toMatchObject({ field: 'key' });
      expect(caught(() => cache.has(key))).toMatchObject({ field: 'key' });
      expect(caught(() => cache.delete(key))).toMatchObject({ field: 'key' });
      await expect(cache.getOrLoad(key, async () => 'v')).rejects.toMatchObject({ field: 'key' });
    }
    expect(cache.getStatistics()).toMatchObject({ size: 0, totalRequests: 0 });
  });

  it('keeps the message short for a 10 MB key', () => {
    const cache = new MemoryCache<string>();
    const key = 'k'.repeat(10_000_000);
    const error = caught(() => cache.put(key, null as never));
    expect(error.message.length).toBeLessThan(200);
    expect(error.message).toContain('10000000 characters');
  });

  it('is recognisable across package copies by isInstance', () => {
    expect(CacheError.isInstance(caught(() => new MemoryCache({ maxSize: 0 })))).toBe(true);
    expect(CacheError.isInstance(new Error('other'))).toBe(false);
  });
});
