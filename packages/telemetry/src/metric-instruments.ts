import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { errorTypeOf } from './error-type.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOKEN_TYPE,
  GEN_AI_TOKEN_TYPE,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_RB_API_CALL_DURATION,
  METRIC_RB_EMBEDDINGS_GENERATED,
  METRIC_RB_MEMORIES_CACHED,
} from './semconv.js';

// Creators of the instruments behind `getStatistics()`, on the caller's own meter: the name and unit are the contract
// the statistics read, so a package never spells them itself.

/** `rb.api.call.duration`, in seconds (record `ms / 1000`, or use {@link recordApiCall}). */
export function createApiCallDurationHistogram(meter: Meter): Histogram {
  return meter.createHistogram(METRIC_RB_API_CALL_DURATION, {
    unit: 's',
    description: 'Duration of outbound API calls',
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] },
  });
}

/** `gen_ai.client.token.usage`, in tokens (record with {@link recordTokenUsage}). */
export function createTokenUsageHistogram(meter: Meter): Histogram {
  return meter.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
    unit: '{token}',
    description: 'Tokens used per LLM call',
    advice: { explicitBucketBoundaries: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576] },
  });
}

/** `rb.embeddings.generated`: vectors computed by a model. */
export function createEmbeddingsGeneratedCounter(meter: Meter): Counter {
  return meter.createCounter(METRIC_RB_EMBEDDINGS_GENERATED, {
    unit: '{embedding}',
    description: 'Embeddings computed by a model',
  });
}

/** `rb.memories.cached`: memory items put into a cache. */
export function createMemoriesCachedCounter(meter: Meter): Counter {
  return meter.createCounter(METRIC_RB_MEMORIES_CACHED, { unit: '{memory}', description: 'Memory items put into a cache' });
}

/**
 * Records one outbound API call of `durationMs` on a histogram made by {@link createApiCallDurationHistogram}. Pass the
 * `error` of a failed call: its `error.type` makes the statistics count it as failed.
 */
export function recordApiCall(histogram: Histogram, durationMs: number, attributes: Attributes = {}, error?: unknown): void {
  histogram.record(durationMs / 1000, error === undefined ? attributes : { ...attributes, [ATTR_ERROR_TYPE]: errorTypeOf(error) });
}

/** Records the token usage of one LLM call, input and output separately as the GenAI conventions ask. */
export function recordTokenUsage(
  histogram: Histogram,
  usage: { input?: number; output?: number },
  attributes: Attributes = {},
): void {
  if (usage.input !== undefined) histogram.record(usage.input, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE.INPUT });
  if (usage.output !== undefined) histogram.record(usage.output, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE.OUTPUT });
}
