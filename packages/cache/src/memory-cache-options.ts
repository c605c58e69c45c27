import { OptionReader, describeValue } from '@rb/errors';
import { CacheError, type CacheErrorCode } from './errors.js';

/** Options of `new MemoryCache()`. Every field is optional. */
export interface MemoryCacheOptions<V> {
  /**
   * Most entries kept; the least recently used one is evicted to make room. A positive integer up to 16,777,216 (2^24,
   * the most entries a JavaScript `Map` holds). Space is reserved up front only up to 65,536 entries; a larger bound
   * costs memory only as entries arrive. Defaults to `1000`.
   */
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
   * Whether hits, misses and evictions are reported as the `rb.cache.*` OpenTelemetry counters (read from the cache's
   * own fields when metrics are collected; nothing is done per lookup). Defaults to `true`.
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

/** The most entries a cache may hold: a JavaScript `Map` (lru-cache's index) refuses more than 2^24. */
export const MAX_ENTRIES = 2 ** 24;
/** Up to this many entries, lru-cache's arrays are allocated up front (fastest); above, they grow with the entries. */
export const PREALLOCATED_ENTRIES = 65_536;

export interface ResolvedMemoryCacheOptions<V> {
  maxSize: number;
  /** Milliseconds; 0 = never expires (lru-cache's convention). */
  ttlMs: number;
  name: string;
  maxBytes: number | undefined;
  sizeOf: ((value: V, key: string) => number) | undefined;
  telemetry: boolean;
  now: (() => number) | undefined;
}

const KNOWN = ['maxSize', 'ttlSeconds', 'name', 'maxBytes', 'sizeOf', 'telemetry', 'now'] as const;

export const invalid = (code: CacheErrorCode, field: string, message: string): CacheError =>
  new CacheError({ code, field, message });

/** Reads and checks the options; throws `CacheError` (`INVALID_OPTIONS`) naming the field. */
export function resolveMemoryCacheOptions<V>(options: unknown): ResolvedMemoryCacheOptions<V> {
  const read = new OptionReader(options, KNOWN, (field, message) => invalid('INVALID_OPTIONS', field, message));
  const maxSize = read.integer('maxSize', { default: 1000, min: 1, max: MAX_ENTRIES });
  const ttlSeconds = read.raw('ttlSeconds');
  const ttlMs = toTtlMs(ttlSeconds === undefined ? 3600 : ttlSeconds, 'ttlSeconds', 'INVALID_OPTIONS');
  const name = read.string('name', 'memory');
  const maxBytes = read.integer('maxBytes', { default: undefined, min: 1 });
  const sizeOf = read.function<(value: V, key: string) => number, undefined>('sizeOf', undefined);
  if ((maxBytes === undefined) !== (sizeOf === undefined)) {
    const field = maxBytes === undefined ? 'maxBytes' : 'sizeOf';
    throw invalid('INVALID_OPTIONS', field, 'maxBytes and sizeOf must be given together');
  }
  const telemetry = read.boolean('telemetry', true);
  const now = read.function<() => number, undefined>('now', undefined);
  if (now !== undefined && !Number.isFinite(now())) {
    read.fail('now', 'a function returning milliseconds as a finite number', now);
  }
  return { maxSize, ttlMs, name, maxBytes, sizeOf, telemetry, now };
}

/** A TTL in seconds (positive, or `Infinity`) as lru-cache milliseconds (0 = never expires). */
export function toTtlMs(seconds: unknown, field: string, code: CacheErrorCode): number {
  if (seconds === Infinity) return 0;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw invalid(code, field, `${field} must be a positive number of seconds or Infinity, got ${describeValue(seconds)}`);
  }
  return Math.ceil(seconds * 1000);
}
