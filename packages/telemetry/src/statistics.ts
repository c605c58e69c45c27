import { metrics as sdkMetrics } from '@opentelemetry/sdk-node';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOKEN_TYPE,
  GEN_AI_TOKEN_TYPE,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_RB_API_CALL_DURATION,
  METRIC_RB_CACHE_EVICTIONS,
  METRIC_RB_CACHE_HITS,
  METRIC_RB_CACHE_MISSES,
  METRIC_RB_EMBEDDINGS_GENERATED,
  METRIC_RB_MEMORIES_CACHED,
} from './semconv.js';

type ResourceMetrics = sdkMetrics.ResourceMetrics;
const { DataPointType } = sdkMetrics;

/**
 * The figures the seed's `PerformanceMonitor.get_statistics()` printed, read from OpenTelemetry metrics by metric name,
 * whatever package (instrumentation scope) recorded them.
 */
export interface TelemetryStatistics {
  /** Outbound API calls (`rb.api.call.duration`). */
  apiCalls: number;
  /** Of those, calls recorded with an error. */
  apiErrors: number;
  /** Fastest call in milliseconds; 0 when there was none. */
  minApiLatencyMs: number;
  /** Slowest call in milliseconds; 0 when there was none. */
  maxApiLatencyMs: number;
  /** Mean call duration in milliseconds; 0 when there was none. */
  avgApiLatencyMs: number;
  cacheHits: number;
  cacheMisses: number;
  cacheEvictions: number;
  /** Hits as a percentage (0-100) of cache lookups, as the seed printed it; 0 when there was no lookup. */
  cacheHitRate: number;
  inputTokens: number;
  outputTokens: number;
  /** `inputTokens + outputTokens`. */
  totalTokensUsed: number;
  embeddingsGenerated: number;
  memoriesCached: number;
}

/** A metric reader that exports nowhere: `getStatistics()` pulls from it on demand. */
export class StatisticsReader extends sdkMetrics.MetricReader {
  protected override async onForceFlush(): Promise<void> {
    // Nothing is buffered: figures are computed when read.
  }
  protected override async onShutdown(): Promise<void> {
    // Nothing to release.
  }

  #bound = false;

  override setMetricProducer(metricProducer: Parameters<sdkMetrics.MetricReader['setMetricProducer']>[0]): void {
    super.setMetricProducer(metricProducer);
    this.#bound = true;
  }

  /** The figures now; all zeros when the SDK never started (`OTEL_SDK_DISABLED=true`), so nothing was measured. */
  async read(): Promise<TelemetryStatistics> {
    if (!this.#bound) return emptyStatistics();
    const { resourceMetrics, errors } = await this.collect();
    if (errors.length > 0) throw errors[0];
    return toStatistics(resourceMetrics);
  }
}

export function emptyStatistics(): TelemetryStatistics {
  return toStatistics({ scopeMetrics: [] } as unknown as ResourceMetrics);
}

function toStatistics(resourceMetrics: ResourceMetrics): TelemetryStatistics {
  let apiCalls = 0;
  let apiErrors = 0;
  let apiSum = 0;
  let apiMin = Infinity;
  let apiMax = -Infinity;
  let inputTokens = 0;
  let outputTokens = 0;
  const sums: Record<string, number> = {};

  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const name = metric.descriptor.name;
      if (metric.dataPointType === DataPointType.HISTOGRAM) {
        for (const point of metric.dataPoints) {
          const h = point.value;
          if (name === METRIC_RB_API_CALL_DURATION) {
            apiCalls += h.count;
            apiSum += h.sum ?? 0;
            if (h.min !== undefined) apiMin = Math.min(apiMin, h.min);
            if (h.max !== undefined) apiMax = Math.max(apiMax, h.max);
            if (point.attributes[ATTR_ERROR_TYPE] !== undefined) apiErrors += h.count;
          } else if (name === METRIC_GEN_AI_CLIENT_TOKEN_USAGE) {
            const type = point.attributes[ATTR_GEN_AI_TOKEN_TYPE];
            if (type === GEN_AI_TOKEN_TYPE.INPUT) inputTokens += h.sum ?? 0;
            if (type === GEN_AI_TOKEN_TYPE.OUTPUT) outputTokens += h.sum ?? 0;
          }
        }
      } else if (metric.dataPointType === DataPointType.SUM) {
        for (const point of metric.dataPoints) sums[name] = (sums[name] ?? 0) + point.value;
      }
    }
  }

  const cacheHits = sums[METRIC_RB_CACHE_HITS] ?? 0;
  const cacheMisses = sums[METRIC_RB_CACHE_MISSES] ?? 0;
  const lookups = cacheHits + cacheMisses;
  return {
    apiCalls,
    apiErrors,
    minApiLatencyMs: apiCalls > 0 ? apiMin * 1000 : 0,
    maxApiLatencyMs: apiCalls > 0 ? apiMax * 1000 : 0,
    avgApiLatencyMs: apiCalls > 0 ? (apiSum / apiCalls) * 1000 : 0,
    cacheHits,
    cacheMisses,
    cacheEvictions: sums[METRIC_RB_CACHE_EVICTIONS] ?? 0,
    cacheHitRate: lookups > 0 ? (cacheHits / lookups) * 100 : 0,
    inputTokens,
    outputTokens,
    totalTokensUsed: inputTokens + outputTokens,
    embeddingsGenerated: sums[METRIC_RB_EMBEDDINGS_GENERATED] ?? 0,
    memoriesCached: sums[METRIC_RB_MEMORIES_CACHED] ?? 0,
  };
}
