import { MemoryCache } from './memory-cache.js';

function cacheWithMemories() {
  const cache = new MemoryCache<string>();
  cache.put('ws:1:m1', 'a', { tags: ['ws:1'] });
  cache.put('ws:1:m2', 'b', { tags: ['ws:1', 'domain:sql'] });
  cache.put('ws:10:m3', 'c', { tags: ['ws:10', 'domain:sql'] });
  cache.put('ws:2:m4', 'd');
  return cache;
}

const present = (cache: MemoryCache<string>) =>
  ['ws:1:m1', 'ws:1:m2', 'ws:10:m3', 'ws:2:m4'].filter((key) => cache.has(key));

describe('MemoryCache invalidation', () => {
  it('removes every entry with a tag, and only those', () => {
    const cache = cacheWithMemories();
    expect(cache.invalidateTag('domain:sql')).toBe(2);
    expect(present(cache)).toEqual(['ws:1:m1', 'ws:2:m4']);
    expect(cache.invalidateTag('domain:sql')).toBe(0);
    expect(cache.invalidateTag('ws:1')).toBe(1);
    expect(present(cache)).toEqual(['ws:2:m4']);
  });

  it('removes every entry whose key starts with a prefix, and only those', () => {
    const cache = cacheWithMemories();
    expect(cache.invalidatePrefix('ws:1:')).toBe(2);
    expect(present(cache)).toEqual(['ws:10:m3', 'ws:2:m4']);
  });

  it('forgets the tags of an entry replaced without tags', () => {
    const cache = cacheWithMemories();
    cache.put('ws:1:m1', 'a2');
    cache.put('ws:1:m2', 'b2', { tags: ['other'] });
    expect(cache.invalidateTag('ws:1')).toBe(0);
    expect(cache.get('ws:1:m1')).toBe('a2');
    expect(cache.invalidateTag('other')).toBe(1);
  });

  it('forgets the tags of an evicted entry, so a later untagged value of its key survives', () => {
    const cache = new MemoryCache<string>({ maxSize: 1 });
    cache.put('k', 'tagged', { tags: ['t'] });
    cache.put('other', 'x');
    cache.put('k', 'untagged');
    expect(cache.invalidateTag('t')).toBe(0);
    expect(cache.get('k')).toBe('untagged');
  });

  it('does not count invalidated entries as evictions or expirations', () => {
    const cache = cacheWithMemories();
    cache.invalidateTag('ws:1');
    cache.invalidatePrefix('ws:');
    expect(cache.getStatistics()).toMatchObject({ size: 0, evictions: 0, expirations: 0 });
  });

  it('refuses an empty tag or prefix', () => {
    const cache = cacheWithMemories();
    expect(() => cache.invalidateTag('')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'tag' }));
    expect(() => cache.invalidatePrefix('')).toThrow(/clear\(\) drops everything/);
    expect(present(cache)).toHaveLength(4);
  });
});
