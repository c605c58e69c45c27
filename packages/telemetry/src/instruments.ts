import { metrics, type Attributes, type Counter, type Histogram, type MeterProvider } from '@opentelemetry/api';
import { errorTypeOf } from './error-type.js';
import { ATTR_ERROR_TYPE, ATTR_GEN_AI_TOKEN_TYPE } from './semconv.js';

/** Instrumentation scope (meter name) of every instrument below; `getStatistics()` reads this scope. */
export const METER_NAME = '@rb/telemetry';

/** Names of the metric instruments, one per figure the seed's `PerformanceMonitor` tracked. */
export const METRIC = {
  /** Histogram, seconds: duration of each outbound API call (its count is the number of calls). */
  API_CALL_DURATION: 'rb.api.call.duration',
  /** Counter: cache lookups that found a live entry. Attribute `cache.name`. */
  CACHE_HITS: 'rb.cache.hits',
  /** Counter: cache lookups that found nothing or an expired entry. Attribute `cache.name`. */
  CACHE_MISSES: 'rb.cache.misses',
  /** Counter: entries dropped to respect a size bound (not expirations). Attribute `cache.name`. */
  CACHE_EVICTIONS: 'rb.cache.evictions',
  /** Histogram, tokens: the GenAI convention's `gen_ai.client.token.usage`, with `gen_ai.token.type`. */
  TOKEN_USAGE: 'gen_ai.client.token.usage',
  /** Counter: embedding vectors computed by a model (cache hits excluded). */
  EMBEDDINGS_GENERATED: 'rb.embeddings.generated',
  /** Counter: memory items put into a memory cache. */
  MEMORIES_CACHED: 'rb.memories.cached',
} as const;

/** Attribute naming the cache an event belongs to. */
export const ATTR_CACHE_NAME = 'cache.name';

interface Instruments {
  apiCallDuration: Histogram;
  cacheHits: Counter;
  cacheMisses: Counter;
  cacheEvictions: Counter;
  tokenUsage: Histogram;
  embeddingsGenerated: Counter;
  memoriesCached: Counter;
}

// The metrics API has no proxy provider: an instrument made before the SDK starts stays a no-op forever. So the
// instruments are looked up per global provider, which also makes a restarted SDK pick up fresh ones.
const byProvider = new WeakMap<MeterProvider, Instruments>();

function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  let found = byProvider.get(provider);
  if (!found) {
    const meter = provider.getMeter(METER_NAME);
    found = {
      apiCallDuration: meter.createHistogram(METRIC.API_CALL_DURATION, {
        unit: 's',
        description: 'Duration of outbound API calls',
        advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] },
      }),
      cacheHits: meter.createCounter(METRIC.CACHE_HITS, { unit: '{hit}', description: 'Cache hits' }),
      cacheMisses: meter.createCounter(METRIC.CACHE_MISSES, { unit: '{miss}', description: 'Cache misses' }),
      cacheEvictions: meter.createCounter(METRIC.CACHE_EVICTIONS, {
        unit: '{entry}',
        description: 'Cache entries evicted by a size bound',
      }),
      tokenUsage: meter.createHistogram(METRIC.TOKEN_USAGE, {
        unit: '{token}',
        description: 'Tokens used per LLM call',
        advice: { explicitBucketBoundaries: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576] },
      }),
      embeddingsGenerated: meter.createCounter(METRIC.EMBEDDINGS_GENERATED, {
        unit: '{embedding}',
        description: 'Embeddings computed by a model',
      }),
      memoriesCached: meter.createCounter(METRIC.MEMORIES_CACHED, {
        unit: '{memory}',
        description: 'Memory items put into a cache',
      }),
    };
    byProvider.set(provider, found);
  }
  return found;
}

/**
 * Records one outbound API call. Pass `error` (or an `error.type` attribute) for a failed call, so that statistics
 * can count failures.
 */
export function recordApiCall(durationMs: number, attributes: Attributes = {}, error?: unknown): void {
  const attrs = error === undefined ? attributes : { ...attributes, [ATTR_ERROR_TYPE]: errorTypeOf(error) };
  instruments().apiCallDuration.record(durationMs / 1000, attrs);
}

export function recordCacheHit(cacheName: string, count = 1): void {
  instruments().cacheHits.add(count, { [ATTR_CACHE_NAME]: cacheName });
}

export function recordCacheMiss(cacheName: string, count = 1): void {
  instruments().cacheMisses.add(count, { [ATTR_CACHE_NAME]: cacheName });
}

export function recordCacheEviction(cacheName: string, count = 1): void {
  instruments().cacheEvictions.add(count, { [ATTR_CACHE_NAME]: cacheName });
}

/** Records the token usage of one LLM call, as the GenAI conventions ask (`input` and `output` separately). */
export function recordTokenUsage(usage: { input?: number; output?: number }, attributes: Attributes = {}): void {
  const { tokenUsage } = instruments();
  if (usage.input !== undefined) tokenUsage.record(usage.input, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: 'input' });
  if (usage.output !== undefined) tokenUsage.record(usage.output, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: 'output' });
}

export function recordEmbeddingsGenerated(count: number, attributes: Attributes = {}): void {
  instruments().embeddingsGenerated.add(count, attributes);
}

export function recordMemoriesCached(count: number, attributes: Attributes = {}): void {
  instruments().memoriesCached.add(count, attributes);
}
