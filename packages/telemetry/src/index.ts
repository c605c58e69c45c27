// The root entry needs only `@opentelemetry/api`: libraries import it and cost almost nothing until an app starts the
// SDK through `@rb/telemetry/sdk`.
export { withSpan, recordError } from './with-span.js';
export type { WithSpanOptions } from './with-span.js';
export type { CacheTotals } from './instruments.js';
export {
  METER_NAME,
  METRIC,
  ATTR_CACHE_NAME,
  recordApiCall,
  recordCacheHit,
  recordCacheMiss,
  recordCacheEviction,
  observeCache,
  recordTokenUsage,
  recordEmbeddingsGenerated,
  recordMemoriesCached,
} from './instruments.js';
export {
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
  genAiSpanName,
} from './semconv.js';
export type { GenAiOperation } from './semconv.js';
export { TelemetryError } from './errors.js';
export type { TelemetryErrorCode } from './errors.js';
