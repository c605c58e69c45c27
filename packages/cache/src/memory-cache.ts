import { describeValue } from '@rb/errors';
import { CacheError } from './errors.js';
import { LRUCache } from 'lru-cache';
import {
  PREALLOCATED_ENTRIES,
  invalid,
  resolveMemoryCacheOptions,
  toTtlMs,
  type CacheStatistics,
  type MemoryCacheOptions,
  type PutOptions,
  type ResolvedMemoryCacheOptions,
} from './memory-cache-options.js';
import { cacheTotals, telemetry, type CacheTotals } from './telemetry.js';

interface PendingLoad<V> {
  readonly promise: Promise<V>;
  readonly tags: readonly string[] | undefined;
}

/**
 * An in-memory LRU cache with a time to live, after the seed's `MemoryCache(max_size=1000, ttl_seconds=3600)`.
 * LRU order, TTL and the byte bound are lru-cache's; this class adds single-flight loading, invalidation by tag and
 * key prefix, and statistics that tell hits, misses, evictions and expirations apart (also reported as OpenTelemetry
 * counters). Expired entries are removed lazily, when looked up or pushed out: no timers run.
 *
 * Keys are strings. A cache that is dropped is garbage-collected with its entries; `dispose()` frees them at once.
 */
export class MemoryCache<V extends NonNullable<unknown>> {
  readonly name: string;
  readonly maxSize: number;
  readonly #lru: LRUCache<string, V>;
  readonly #maxBytes: number;
  // lru-cache bounds the entry count itself only when it preallocates (`max`); above that, this class does.
  readonly #boundsCount: boolean;
  // Loads live beside lru-cache rather than in its fetch(): invalidation must reach pending loads by tag and prefix,
  // which lru-cache's keys() does not list, and a cache under pressure must not abort a caller's load by evicting it.
  readonly #pending = new Map<string, PendingLoad<V>>();
  readonly #tagsByKey = new Map<string, readonly string[]>();
  readonly #keysByTag = new Map<string, Set<string>>();
  // Totals since construction (what telemetry reports, never decreasing); `resetStatistics` moves the baseline. A
  // separate object that does not reference the cache, so telemetry can hold it while the cache itself is collected.
  readonly #totals: CacheTotals & { expirations: number } = { hits: 0, misses: 0, evictions: 0, expirations: 0 };
  #baseline = { ...this.#totals };
  #stopTelemetry: (() => void) | undefined;
  #disposed = false;

  constructor(options: MemoryCacheOptions<V> = {}) {
    const settings = resolveMemoryCacheOptions<V>(options);
    this.name = settings.name;
    this.maxSize = settings.maxSize;
    this.#maxBytes = settings.maxBytes ?? 0;
    const preallocate = settings.maxSize <= PREALLOCATED_ENTRIES;
    this.#boundsCount = !preallocate && settings.sizeOf !== undefined;
    this.#lru = new LRUCache<string, V>(MemoryCache.#lruOptions(this, settings, preallocate));
    if (settings.telemetry) {
      this.#stopTelemetry = cacheTotals.observe(settings.name, this, this.#totals);
      telemetry.refresh(); // the counters exist on the current meter provider from now on
    }
  }

  /** The value stored under `key`, or `undefined` when there is none or it expired. Counts a hit or a miss. */
  get(key: string): V | undefined {
    if (typeof key !== 'string') throw badKey(key);
    const value = this.#lru.get(key);
    if (value === undefined) this.#totals.misses++;
    else this.#totals.hits++;
    return value;
  }

  /**
   * Stores `value` under `key` as the most recently used entry and restarts its TTL. A pending `getOrLoad` of `key`
   * won't overwrite it. `set` is an alias.
   */
  put(key: string, value: V, options?: PutOptions): void {
    if (typeof key !== 'string') throw badKey(key);
    if (value === undefined || value === null) {
      throw invalid('INVALID_ARGUMENT', 'value', `cannot cache ${String(value)} under ${describeValue(key)}`);
    }
    this.#assertUsable();
    const tags = checkTags(options?.tags);
    this.#store(key, value, entryTtl(options), tags);
    if (this.#pending.size !== 0) this.#pending.delete(key);
  }

  /** Alias of `put`, for code written against `Map`-like caches. */
  set(key: string, value: V, options?: PutOptions): void {
    this.put(key, value, options);
  }

  /** Whether a live entry exists. Neither a lookup for the statistics nor a use for the LRU order. */
  has(key: string): boolean {
    if (typeof key !== 'string') throw badKey(key);
    return this.#lru.has(key);
  }

  /** Removes the entry and drops a pending load of `key`. Returns whether there was either. */
  delete(key: string): boolean {
    if (typeof key !== 'string') throw badKey(key);
    const hadLoad = this.#pending.delete(key);
    return this.#lru.delete(key) || hadLoad;
  }

  /** Removes every entry and drops every pending load. Statistics are kept (see `resetStatistics`). */
  clear(): void {
    this.#pending.clear();
    this.#lru.clear();
  }

  /**
   * Empties the cache, drops pending loads and stops its telemetry (what it counted stays in the counters). Later
   * `put` and `getOrLoad` throw `CacheError` (`DISPOSED`); `get` finds nothing. Idempotent; `using` calls it.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.clear();
    this.#stopTelemetry?.();
    this.#stopTelemetry = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * The cached value of `key`, or the result of `loader(key)`, stored before it is returned. Concurrent calls for one
   * key share one load. A load that fails is not cached and every caller waiting on it gets its error. A load that
   * resolves after `delete`, `clear`, an invalidation or a `put` of its key goes to its callers but is not stored.
   * A loader resolving to `undefined` caches nothing.
   */
  async getOrLoad(key: string, loader: (key: string) => V | Promise<V>, options?: PutOptions): Promise<V> {
    if (typeof key !== 'string') throw badKey(key);
    if (typeof loader !== 'function') {
      throw invalid('INVALID_ARGUMENT', 'loader', `loader must be a function, got ${describeValue(loader)}`);
    }
    this.#assertUsable();
    const tags = checkTags(options?.tags);
    const ttl = entryTtl(options);
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending.promise;

    const promise: Promise<V> = new Promise<V>((resolve) => resolve(loader(key))).then(
      (value) => {
        if (this.#pending.get(key)?.promise === promise) {
          this.#pending.delete(key);
          if (value !== undefined && value !== null) this.#store(key, value, ttl, tags);
        }
        return value;
      },
      (error: unknown) => {
        if (this.#pending.get(key)?.promise === promise) this.#pending.delete(key);
        throw error;
      },
    );
    this.#pending.set(key, { promise, tags });
    return promise;
  }

  /** Removes every entry, and drops every pending load, put with `tag`. Returns the number of entries removed. */
  invalidateTag(tag: string): number {
    if (typeof tag !== 'string' || tag === '') {
      throw invalid('INVALID_ARGUMENT', 'tag', `tag must be a non-empty string, got ${describeValue(tag)}`);
    }
    let removed = 0;
    for (const key of [...(this.#keysByTag.get(tag) ?? [])]) {
      if (this.#lru.delete(key)) removed++;
    }
    for (const [key, load] of this.#pending) {
      if (load.tags?.includes(tag)) this.#pending.delete(key);
    }
    return removed;
  }

  /** Removes every entry, and drops every pending load, whose key starts with `prefix`. Returns the entries removed. */
  invalidatePrefix(prefix: string): number {
    if (typeof prefix !== 'string' || prefix === '') {
      throw invalid(
        'INVALID_ARGUMENT',
        'prefix',
        `prefix must be a non-empty string (clear() drops everything), got ${describeValue(prefix)}`,
      );
    }
    this.#lru.purgeStale();
    const keys = [...this.#lru.keys()].filter((key) => key.startsWith(prefix));
    for (const key of keys) this.#lru.delete(key);
    for (const key of this.#pending.keys()) {
      if (key.startsWith(prefix)) this.#pending.delete(key);
    }
    return keys.length;
  }

  /** The seed's statistics. Purges expired entries first, so that `size` counts live entries only. */
  getStatistics(): CacheStatistics {
    this.#lru.purgeStale();
    const hits = this.#totals.hits - this.#baseline.hits;
    const misses = this.#totals.misses - this.#baseline.misses;
    const totalRequests = hits + misses;
    return {
      size: this.#lru.size,
      maxSize: this.maxSize,
      hits,
      misses,
      hitRate: totalRequests === 0 ? 0 : (hits / totalRequests) * 100,
      evictions: this.#totals.evictions - this.#baseline.evictions,
      expirations: this.#totals.expirations - this.#baseline.expirations,
      totalRequests,
    };
  }

  /** Sets hits, misses, evictions and expirations back to 0; the entries stay. */
  resetStatistics(): void {
    this.#baseline = { ...this.#totals };
  }

  // A static method, so that the callbacks lru-cache keeps close over the cache they are given and nothing else.
  static #lruOptions<V extends NonNullable<unknown>>(
    cache: MemoryCache<V>,
    settings: ResolvedMemoryCacheOptions<V>,
    preallocate: boolean,
  ): LRUCache.Options<string, V, unknown> {
    const { sizeOf, maxSize, maxBytes, ttlMs, now } = settings;
    return {
      // Without `max`, lru-cache allocates as entries arrive: the entry bound is then `maxSize` counted in units of
      // 1 (no sizeOf), or enforced by `#store` (with sizeOf, whose unit `maxBytes` has taken).
      ...(preallocate ? { max: maxSize } : sizeOf === undefined ? { maxSize, sizeCalculation: () => 1 } : {}),
      ttl: ttlMs,
      ttlAutopurge: false,
      dispose: (_value, key, reason) => cache.#onDispose(key, reason),
      ...(sizeOf !== undefined && {
        maxSize: maxBytes,
        sizeCalculation: (value: V, key: string) => cache.#sizeOf(sizeOf, value, key),
      }),
      ...(now !== undefined && injectedClock(now)),
    };
  }

  #assertUsable(): void {
    if (this.#disposed) {
      throw new CacheError({ code: 'DISPOSED', message: `cache ${describeValue(this.name)} was disposed` });
    }
  }

  #onDispose(key: string, reason: LRUCache.DisposeReason): void {
    if (reason === 'expire') {
      this.#totals.expirations++;
    } else if (reason === 'evict') {
      // lru-cache evicts the least recently used entry even when it has already expired; that one was dead anyway.
      if (this.#lru.getRemainingTTL(key) < 0) this.#totals.expirations++;
      else this.#totals.evictions++;
    }
    if (this.#tagsByKey.size !== 0) this.#untag(key);
  }

  #sizeOf(sizeOf: (value: V, key: string) => number, value: V, key: string): number {
    const size = sizeOf(value, key);
    if (typeof size !== 'number' || !Number.isFinite(size) || size < 0) {
      throw invalid(
        'INVALID_ARGUMENT',
        'sizeOf',
        `sizeOf must return a finite number >= 0 (for key ${describeValue(key)}), got ${describeValue(size)}`,
      );
    }
    const rounded = Math.max(1, Math.ceil(size));
    // lru-cache silently refuses a value larger than the bound: count it, since the caller will miss it later.
    if (rounded > this.#maxBytes) this.#totals.evictions++;
    return rounded;
  }

  #store(key: string, value: V, ttl: number | undefined, tags: readonly string[] | undefined): void {
    this.#lru.set(key, value, ttl === undefined ? undefined : { ttl });
    // pop() evicts the least recently used entry, with dispose reason "evict", as lru-cache's own bound does.
    if (this.#boundsCount) while (this.#lru.size > this.maxSize) this.#lru.pop();
    if (tags !== undefined || this.#tagsByKey.size !== 0) this.#tag(key, tags);
  }

  // Replaces the tags of `key`; a value that lru-cache refused (too large) gets none.
  #tag(key: string, tags: readonly string[] | undefined): void {
    this.#untag(key);
    if (tags === undefined || tags.length === 0 || !this.#lru.has(key)) return;
    this.#tagsByKey.set(key, tags);
    for (const tag of tags) {
      let keys = this.#keysByTag.get(tag);
      if (keys === undefined) this.#keysByTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  #untag(key: string): void {
    const tags = this.#tagsByKey.get(key);
    if (tags === undefined) return;
    this.#tagsByKey.delete(key);
    for (const tag of tags) {
      const keys = this.#keysByTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.#keysByTag.delete(tag);
    }
  }
}

function injectedClock(now: () => number): Pick<LRUCache.Options<string, never, unknown>, 'perf' | 'ttlResolution'> {
  // lru-cache reads a start time of 0 as "no TTL", so the injected clock is shifted to start at 1. It also caches the
  // time for `ttlResolution` ms of real time, which would hide a test's clock moves: read the clock on every check.
  const origin = now();
  return { perf: { now: () => now() - origin + 1 }, ttlResolution: 0 };
}

function entryTtl(options: PutOptions | undefined): number | undefined {
  return options?.ttlSeconds === undefined ? undefined : toTtlMs(options.ttlSeconds, 'ttlSeconds', 'INVALID_ARGUMENT');
}

function checkTags(tags: unknown): readonly string[] | undefined {
  if (tags === undefined) return undefined;
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string' && tag !== '')) {
    throw invalid('INVALID_ARGUMENT', 'tags', `tags must be an array of non-empty strings, got ${describeValue(tags)}`);
  }
  return tags;
}

function badKey(key: unknown): CacheError {
  return invalid('INVALID_ARGUMENT', 'key', `key must be a string, got ${describeValue(key)}`);
}
