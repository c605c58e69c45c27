/**
 * OpenTelemetry GenAI semantic conventions (https://opentelemetry.io/docs/specs/semconv/gen-ai/), as plain constants so
 * that library packages need no dependency beyond `@opentelemetry/api`.
 */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
/** Standard attribute for the class of an error (`error.type`), set by `withSpan` on failure. */
export const ATTR_ERROR_TYPE = 'error.type';

/** Well-known values of `gen_ai.operation.name`. */
export const GEN_AI_OPERATION = {
  CHAT: 'chat',
  TEXT_COMPLETION: 'text_completion',
  EMBEDDINGS: 'embeddings',
  EXECUTE_TOOL: 'execute_tool',
  INVOKE_AGENT: 'invoke_agent',
} as const;

export type GenAiOperation = (typeof GEN_AI_OPERATION)[keyof typeof GEN_AI_OPERATION];

/** The span name the conventions ask for: `{gen_ai.operation.name} {gen_ai.request.model}`. */
export function genAiSpanName(operation: string, model?: string): string {
  return model ? `${operation} ${model}` : operation;
}

/** `gen_ai.token.type` values of the token-usage histogram. */
export const GEN_AI_TOKEN_TYPE = { INPUT: 'input', OUTPUT: 'output' } as const;

/** Attribute naming the cache a cache metric belongs to. */
export const ATTR_CACHE_NAME = 'cache.name';

// Metric names `getStatistics()` reads, whatever scope (package) records them. A package that records one of these
// figures creates the instrument on its own meter, under exactly this name (the `create*` helpers of
// `metric-instruments.ts` also set the unit the statistics assume).

/** Histogram, seconds: duration of each outbound API call; an `error.type` attribute marks a failed call. */
export const METRIC_RB_API_CALL_DURATION = 'rb.api.call.duration';
/** Histogram, tokens: the GenAI convention's token usage, with `gen_ai.token.type` = `input` | `output`. */
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';
/** Counter (usually observable): cache lookups that found a live entry. Attribute `cache.name`. */
export const METRIC_RB_CACHE_HITS = 'rb.cache.hits';
/** Counter (usually observable): cache lookups that found nothing or an expired entry. Attribute `cache.name`. */
export const METRIC_RB_CACHE_MISSES = 'rb.cache.misses';
/** Counter (usually observable): entries dropped to respect a size bound (not expirations). Attribute `cache.name`. */
export const METRIC_RB_CACHE_EVICTIONS = 'rb.cache.evictions';
/** Counter: embedding vectors computed by a model (cache hits excluded). */
export const METRIC_RB_EMBEDDINGS_GENERATED = 'rb.embeddings.generated';
/** Counter: memory items put into a memory cache. */
export const METRIC_RB_MEMORIES_CACHED = 'rb.memories.cached';
