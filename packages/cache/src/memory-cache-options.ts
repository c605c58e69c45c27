/** Options of `new MemoryCache()`. Every field is optional. */
export interface MemoryCacheOptions<V> {
  /** Most entries kept; the least recently used one is evicted to make room. A positive integer. Defaults to `1000`. */
  maxSize?: number;
  /**
   * Seconds an entry lives after it was put, unless a `put` or `getOrLoad` overrides it. A positive number, or
   * `Infinity` for entries that never expire. Defaults to `3600`.
   */
  ttlSeconds?: number;
  /** Name of the cache in telemetry (the `cache.name` attribute). A non-empty string. Defaults to `'memory'`. */
  name?: string;
  /**
   * Upper bound on the summed `sizeOf` of all entries; least recently used entries are evicted to stay under it, and a
   * single value larger than this is not stored. A positive integer; requires `sizeOf`. Defaults to no byte bound.
   */
  maxBytes?: number;
  /**
   * Size of one value in the unit of `maxBytes` (bytes, characters, tokens: your choice). Must return a finite number
   * `>= 0`; it is rounded up to a whole number, at least 1. Required with `maxBytes`. Defaults to none.
   */
  sizeOf?: (value: V, key: string) => number;
  /**
   * Whether hits, misses and evictions are also recorded through @rb/telemetry. Once an app starts the OpenTelemetry
   * SDK, each record costs about 0.5 us (see the benchmark); turn it off for a cache on a very hot path.
   * Defaults to `true`.
   */
  telemetry?: boolean;
  /**
   * The clock TTLs are measured with, in milliseconds (like `Date.now`). Inject one in tests instead of sleeping.
   * Defaults to `performance.now`.
   */
  now?: () => number;
}

/** Per-entry options of `put` and `getOrLoad`. */
export interface PutOptions {
  /** Overrides the cache's `ttlSeconds` for this entry: a positive number or `Infinity`. Defaults to the cache's. */
  ttlSeconds?: number;
  /** Labels to invalidate this entry by, e.g. `['workspace:42']`. Non-empty strings. Defaults to none. */
  tags?: readonly string[];
}

/** Figures of `getStatistics()`, named after the seed's `MemoryCache.get_statistics()`. */
export interface CacheStatistics {
  /** Live entries (expired ones are purged before counting). */
  size: number;
  /** The `maxSize` option. */
  maxSize: number;
  /** Lookups (`get`, `getOrLoad`) that found a live entry. */
  hits: number;
  /** Lookups that found nothing or an expired entry. A `getOrLoad` that joins a pending load is a miss. */
  misses: number;
  /** `hits` as a PERCENTAGE (0-100) of `totalRequests`, as the seed printed it; 0 when there was no lookup. */
  hitRate: number;
  /** Entries dropped to respect `maxSize` or `maxBytes` (a value too large to store counts too). */
  evictions: number;
  /** Entries dropped because their TTL ran out (found by a lookup, pushed out, or purged). Never also an eviction. */
  expirations: number;
  /** `hits + misses`. */
  totalRequests: number;
}
