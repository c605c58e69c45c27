import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { TelemetryError } from './errors.js';
import { instruments } from './instruments.js';
import type { TelemetryOptions, TraceExporterKind } from './start-telemetry-options.js';
import { StatisticsReader, emptyStatistics, type TelemetryStatistics } from './statistics.js';
import { StderrSpanExporter } from './stderr-span-exporter.js';

/** What `startTelemetry` returns: the running SDK. */
export interface TelemetryHandle {
  /** The resolved `service.name`. */
  readonly serviceName: string;
  /** The resolved exporter: `"otlp"`, `"console"`, `"none"` or `"custom"`. */
  readonly exporter: TraceExporterKind | 'custom';
  /** The seed's `get_statistics()`, from the in-process metric reader. After `shutdown()`, the last figures. */
  getStatistics(): Promise<TelemetryStatistics>;
  /** Exports every finished span now. */
  forceFlush(): Promise<void>;
  /** Flushes every pending span, stops the SDK and unregisters it, so `startTelemetry` may be called again. Idempotent. */
  shutdown(): Promise<void>;
}

const DEFAULT_SERVICE_NAME = 'reasoningbank';
const EXPORTERS: readonly TraceExporterKind[] = ['otlp', 'console', 'none'];

let active: TelemetryHandle | undefined;
let lastStatistics: TelemetryStatistics | undefined;

/**
 * Configures the OpenTelemetry Node SDK for this process: traces to OTLP/HTTP (a local Jaeger by default), stderr or
 * nowhere, and an in-process metric reader for `getStatistics()`. Call it once, first thing in your app; library code
 * only uses `@opentelemetry/api` and picks it up. Throws `TelemetryError` (`ALREADY_STARTED`) while a previous handle
 * is running, and (`INVALID_OPTIONS`) on a bad option.
 */
export function startTelemetry(options: TelemetryOptions = {}): TelemetryHandle {
  if (active) {
    throw new TelemetryError('ALREADY_STARTED', 'startTelemetry() was already called; call shutdown() on its handle first');
  }
  const serviceName = options.serviceName ?? (process.env['OTEL_SERVICE_NAME'] || DEFAULT_SERVICE_NAME);
  if (typeof serviceName !== 'string' || serviceName.trim() === '') {
    throw new TelemetryError('INVALID_OPTIONS', 'serviceName must be a non-empty string');
  }
  const exporterOption = options.exporter ?? exporterFromEnv();
  const exporter = createExporter(exporterOption, options);
  const processorKind = options.spanProcessor ?? 'batch';
  if (processorKind !== 'batch' && processorKind !== 'simple') {
    throw new TelemetryError('INVALID_OPTIONS', `spanProcessor must be "batch" or "simple", got ${String(processorKind)}`);
  }

  const processor = exporter
    ? processorKind === 'simple'
      ? new SimpleSpanProcessor(exporter)
      : new BatchSpanProcessor(exporter)
    : undefined;
  const statistics = new StatisticsReader();
  const sdk = new NodeSDK({
    serviceName,
    resource: resourceFromAttributes({
      ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
      ...options.resourceAttributes,
    }),
    spanProcessors: processor ? [processor] : [],
    metricReaders: [statistics, ...(options.metricReaders ?? [])],
    // Logs stay with the app's logger; the SDK would otherwise try to ship them over OTLP as well.
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  instruments(); // on the new provider at once, so caches observed earlier are reported

  let stopping: Promise<void> | undefined;
  const handle: TelemetryHandle = {
    serviceName,
    exporter: typeof exporterOption === 'string' ? exporterOption : 'custom',
    getStatistics: async () => (stopping ? (lastStatistics ?? emptyStatistics()) : statistics.read()),
    forceFlush: async () => {
      await processor?.forceFlush();
    },
    shutdown: () => {
      stopping ??= (async () => {
        lastStatistics = await statistics.read();
        try {
          await sdk.shutdown();
        } finally {
          trace.disable();
          metrics.disable();
          context.disable();
          propagation.disable();
          if (active === handle) active = undefined;
        }
      })();
      return stopping;
    },
  };
  active = handle;
  return handle;
}

/**
 * The seed's `get_statistics()` for the telemetry started in this process (or the last figures of one that was shut
 * down). Throws `TelemetryError` (`NOT_STARTED`) when `startTelemetry` was never called, since every figure would be 0.
 */
export async function getStatistics(): Promise<TelemetryStatistics> {
  if (active) return active.getStatistics();
  if (lastStatistics) return lastStatistics;
  throw new TelemetryError('NOT_STARTED', 'getStatistics() needs startTelemetry() first; nothing is being measured');
}

function exporterFromEnv(): TraceExporterKind {
  const first = (process.env['OTEL_TRACES_EXPORTER'] ?? '').split(',')[0]?.trim().toLowerCase();
  if (!first) return 'otlp';
  if ((EXPORTERS as readonly string[]).includes(first)) return first as TraceExporterKind;
  throw new TelemetryError('INVALID_OPTIONS', `OTEL_TRACES_EXPORTER=${first} is not one of ${EXPORTERS.join(', ')}`);
}

function createExporter(kind: TraceExporterKind | SpanExporter, options: TelemetryOptions): SpanExporter | undefined {
  if (typeof kind === 'object' && kind !== null && typeof kind.export === 'function') return kind;
  switch (kind) {
    case 'none':
      return undefined;
    case 'console':
      return new StderrSpanExporter();
    case 'otlp':
      return new OTLPTraceExporter({ url: tracesUrl(options.endpoint), headers: options.headers });
    default:
      throw new TelemetryError(
        'INVALID_OPTIONS',
        `exporter must be one of ${EXPORTERS.join(', ')} or a SpanExporter, got ${JSON.stringify(kind)}`,
      );
  }
}

/** `undefined` lets the exporter read `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT` itself, with its own default. */
function tracesUrl(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (cause) {
    throw new TelemetryError('INVALID_OPTIONS', `endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`, {
      cause,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TelemetryError('INVALID_OPTIONS', `endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}
