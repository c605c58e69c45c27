import type { Attributes } from '@opentelemetry/api';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Where finished spans go. */
export type TraceExporterKind = 'otlp' | 'console' | 'none';

/**
 * Options of `startTelemetry`. Every field is optional; an option that is not given falls back to the standard
 * `OTEL_*` environment variable, then to the default stated here.
 */
export interface TelemetryOptions {
  /** `service.name` of every span. Defaults to `OTEL_SERVICE_NAME`, else `"reasoningbank"`. */
  serviceName?: string;
  /** `service.version`. Not set by default. */
  serviceVersion?: string;
  /**
   * `"otlp"` (OTLP/HTTP, JSON), `"console"` (one JSON line per span on stderr), `"none"`, or a `SpanExporter` of your
   * own. Defaults to the first entry of `OTEL_TRACES_EXPORTER`, else `"otlp"`.
   */
  exporter?: TraceExporterKind | SpanExporter;
  /**
   * Base URL of the OTLP/HTTP receiver; `/v1/traces` is appended. Defaults to `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
   * (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT`, else `http://localhost:4318` (a local Jaeger or collector).
   */
  endpoint?: string;
  /** Extra HTTP headers for the OTLP exporter (e.g. an API key). Defaults to `OTEL_EXPORTER_OTLP_HEADERS`. */
  headers?: Record<string, string>;
  /**
   * `"batch"` exports in the background (the right choice for servers); `"simple"` exports each span as it ends (short
   * scripts, tests). `shutdown()` flushes either way. Defaults to `"batch"`.
   */
  spanProcessor?: 'batch' | 'simple';
  /** Extra resource attributes, merged over `OTEL_RESOURCE_ATTRIBUTES`. Defaults to none. */
  resourceAttributes?: Attributes;
  /**
   * Extra metric readers, e.g. a `PeriodicExportingMetricReader` to send metrics to a collector. The in-process
   * reader behind `getStatistics()` is always installed. Defaults to none.
   */
  metricReaders?: MetricReader[];
}
