// The root entry needs only `@opentelemetry/api`: libraries import it and cost almost nothing until an app starts the
// SDK through `@rb/telemetry/sdk`.
export { Instrumentation, createInstrumentation, refreshInstruments, withSpan } from './instrumentation.js';
export type { InstrumentationScope } from './instrumentation.js';
export { recordError, NON_RECORDING_SPAN } from './with-span.js';
export type { WithSpanOptions, StandaloneWithSpanOptions } from './with-span.js';
export { ObservedTotals } from './observed-totals.js';
export type { ObservedCounter } from './observed-totals.js';
export {
  createApiCallDurationHistogram,
  createTokenUsageHistogram,
  createEmbeddingsGeneratedCounter,
  createMemoriesCachedCounter,
  recordApiCall,
  recordTokenUsage,
} from './metric-instruments.js';
export { errorTypeOf } from './error-type.js';
export {
  ATTR_CACHE_NAME,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_OPERATION,
  GEN_AI_TOKEN_TYPE,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_RB_API_CALL_DURATION,
  METRIC_RB_CACHE_EVICTIONS,
  METRIC_RB_CACHE_HITS,
  METRIC_RB_CACHE_MISSES,
  METRIC_RB_EMBEDDINGS_GENERATED,
  METRIC_RB_MEMORIES_CACHED,
  genAiSpanName,
} from './semconv.js';
export type { GenAiOperation } from './semconv.js';
export { TelemetryError } from './errors.js';
export type { TelemetryErrorCode } from './errors.js';
export { VERSION } from './version.js';
