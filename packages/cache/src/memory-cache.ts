import { observeCache, type CacheTotals } from '@rb/telemetry';
import { LRUCache } from 'lru-cache';
import { CacheError, type CacheErrorCode } from './errors.js';
import type { CacheStatistics, MemoryCacheOptions, PutOptions } from './memory-cache-options.js';

const OPTION_NAMES = new Set(['maxSize', 'ttlSeconds', 'name', 'maxBytes', 'sizeOf', 'telemetry', 'now']);

interface PendingLoad<V> {
  readonly promise: Promise<V>;
  readonly tags: readonly string[] | undefined;
}

/**
 * An in-memory LRU cache with a time to live, after the seed's `MemoryCache(max_size=1000, ttl_seconds=3600)`.
 * LRU order, TTL and the byte bound are lru-cache's; this class adds single-flight loading, invalidation by tag and
 * key prefix, and statistics that tell hits, misses, evictions and expirations apart (also sent to @rb/telemetry).
 * Expired entries are removed lazily, when looked up or pushed out: no timers run.
 */
export class MemoryCache<V extends NonNullable<unknown>> {
  readonly name: string;
  readonly maxSize: number;
  readonly #lru: LRUCache<string, V>;
  readonly #maxBytes: number;
  // Loads live beside lru-cache rather than in its fetch(): invalidation must reach pending loads by tag and prefix,
  // which lru-cache's keys() does not list, and a cache under pressure must not abort a caller's load by evicting it.
  readonly #pending = new Map<string, PendingLoad<V>>();
  readonly #tagsByKey = new Map<string, readonly string[]>();
  readonly #keysByTag = new Map<string, Set<string>>();
  // Totals since construction (what telemetry reports, never decreasing); `resetStatistics` moves the baseline.
  readonly #totals: CacheTotals & { expirations: number } = { hits: 0, misses: 0, evictions: 0, expirations: 0 };
  #baseline = { ...this.#totals };

  constructor(options: MemoryCacheOptions<V> = {}) {
    if (typeof options !== 'object' || options === null) {
      throw invalid('INVALID_OPTIONS', 'options', 'an object', options);
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.has(key)) {
        throw new CacheError(
          'INVALID_OPTIONS',
          key,
          `unknown option "${key}"; expected one of ${[...OPTION_NAMES].join(', ')}`,
        );
      }
    }
    const { maxSize = 1000, ttlSeconds = 3600, name = 'memory', maxBytes, sizeOf, telemetry = true, now } = options;
    if (!isPositiveInteger(maxSize)) {
      throw invalid('INVALID_OPTIONS', 'maxSize', 'a positive integer', maxSize);
    }
    const ttl = toTtlMs(ttlSeconds, 'ttlSeconds', 'INVALID_OPTIONS');
    if (typeof name !== 'string' || name === '') {
      throw invalid('INVALID_OPTIONS', 'name', 'a non-empty string', name);
    }
    if ((maxBytes === undefined) !== (sizeOf === undefined)) {
      const field = maxBytes === undefined ? 'maxBytes' : 'sizeOf';
      throw new CacheError('INVALID_OPTIONS', field, 'maxBytes and sizeOf must be given together');
    }
    if (maxBytes !== undefined && !isPositiveInteger(maxBytes)) {
      throw invalid('INVALID_OPTIONS', 'maxBytes', 'a positive integer', maxBytes);
    }
    if (sizeOf !== undefined && typeof sizeOf !== 'function') {
      throw invalid('INVALID_OPTIONS', 'sizeOf', 'a function', sizeOf);
    }
    if (typeof telemetry !== 'boolean') throw invalid('INVALID_OPTIONS', 'telemetry', 'a boolean', telemetry);
    if (now !== undefined && (typeof now !== 'function' || !Number.isFinite(now()))) {
      throw invalid('INVALID_OPTIONS', 'now', 'a function returning milliseconds as a finite number', now);
    }

    this.name = name;
    this.maxSize = maxSize;
    this.#maxBytes = maxBytes ?? 0;
    if (telemetry) observeCache(name, this, (cache) => cache.#totals);
    this.#lru = new LRUCache<string, V>({
      max: maxSize,
      ttl,
      ttlAutopurge: false,
      dispose: (_value, key, reason) => this.#onDispose(key, reason),
      ...(sizeOf !== undefined && {
        maxSize: maxBytes,
        sizeCalculation: (value: V, key: string) => this.#sizeOf(sizeOf, value, key),
      }),
      ...(now !== undefined && injectedClock(now)),
    });
  }

  /** The value stored under `key`, or `undefined` when there is none or it expired. Counts a hit or a miss. */
  get(key: string): V | undefined {
    const value = this.#lru.get(key);
    if (value === undefined) this.#totals.misses++;
    else this.#totals.hits++;
    return value;
  }

  /** Stores `value` under `key` as the most recently used entry. A pending `getOrLoad` of `key` won't overwrite it. */
  put(key: string, value: V, options?: PutOptions): void {
    if (value === undefined || value === null) {
      throw new CacheError('INVALID_ARGUMENT', 'value', `cannot cache ${String(value)} under "${key}"`);
    }
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
    return this.#lru.has(key);
  }

  /** Removes the entry and drops a pending load of `key`. Returns whether there was either. */
  delete(key: string): boolean {
    const hadLoad = this.#pending.delete(key);
    return this.#lru.delete(key) || hadLoad;
  }

  /** Removes every entry and drops every pending load. Statistics are kept (see `resetStatistics`). */
  clear(): void {
    this.#pending.clear();
    this.#lru.clear();
  }

  /**
   * The cached value of `key`, or the result of `loader(key)`, stored before it is returned. Concurrent calls for one
   * key share one load. A load that fails is not cached and every caller waiting on it gets its error. A load that
   * resolves after `delete`, `clear`, an invalidation or a `put` of its key goes to its callers but is not stored.
   * A loader resolving to `undefined` caches nothing.
   */
  async getOrLoad(key: string, loader: (key: string) => V | Promise<V>, options?: PutOptions): Promise<V> {
    if (typeof loader !== 'function') {
      throw invalid('INVALID_ARGUMENT', 'loader', 'a function', loader);
    }
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
      throw invalid('INVALID_ARGUMENT', 'tag', 'a non-empty string', tag);
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
      throw invalid('INVALID_ARGUMENT', 'prefix', 'a non-empty string (clear() drops everything)', prefix);
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
      throw invalid('INVALID_ARGUMENT', 'sizeOf', `a finite number >= 0 (for key "${key}")`, size);
    }
    const rounded = Math.max(1, Math.ceil(size));
    // lru-cache silently refuses a value larger than the bound: count it, since the caller will miss it later.
    if (rounded > this.#maxBytes) this.#totals.evictions++;
    return rounded;
  }

  #store(key: string, value: V, ttl: number | undefined, tags: readonly string[] | undefined): void {
    this.#lru.set(key, value, ttl === undefined ? undefined : { ttl });
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

function toTtlMs(seconds: unknown, field: string, code: CacheErrorCode): number {
  if (seconds === Infinity) return 0;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw invalid(code, field, 'a positive number of seconds or Infinity', seconds);
  }
  return Math.ceil(seconds * 1000);
}

function checkTags(tags: unknown): readonly string[] | undefined {
  if (tags === undefined) return undefined;
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string' && tag !== '')) {
    throw invalid('INVALID_ARGUMENT', 'tags', 'an array of non-empty strings', tags);
  }
  return tags;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function invalid(code: CacheErrorCode, field: string, expected: string, got: unknown): CacheError {
  return new CacheError(code, field, `${field} must be ${expected}, got ${describe(got)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return JSON.stringify(value) ?? 'an array';
  return String(value);
}
