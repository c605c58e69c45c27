import { createRequire } from 'node:module';
import { context, metrics, propagation, trace, type ProxyTracerProvider } from '@opentelemetry/api';
import { NodeSDK, resources, tracing } from '@opentelemetry/sdk-node';
import { redactUrl } from '@rb/errors';
import { TelemetryError } from './errors.js';
import { GuardedExporter, type ExportStatistics } from './guarded-exporter.js';
import { refreshInstruments } from './instrumentation.js';
import { PooledIdGenerator } from './pooled-id-generator.js';
import {
  resolveTelemetryOptions,
  type OtlpProtocol,
  type ResolvedTelemetryOptions,
  type TelemetryOptions,
  type TraceExporterKind,
} from './start-telemetry-options.js';
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
  /** Spans exported and spans whose export failed, for the `"otlp"` exporter (zeros for the others). */
  getExportStatistics(): ExportStatistics;
  /** Exports every finished span now. */
  forceFlush(): Promise<void>;
  /**
   * Delivers the pending spans (within `shutdownTimeoutMillis`), stops the SDK and unregisters it, so that
   * `startTelemetry` may be called again. Never rejects for an export failure, which is reported once on stderr.
   * Idempotent.
   */
  shutdown(): Promise<void>;
}

let active: TelemetryHandle | undefined;
let lastStatistics: TelemetryStatistics | undefined;

/**
 * Configures the OpenTelemetry Node SDK for this process: traces to an OTLP/HTTP receiver (a local collector by
 * default), stderr or nowhere, and an in-process metric reader for `getStatistics()`. Call it once, first thing in
 * your app; library code only uses `@opentelemetry/api` and picks it up. Throws `TelemetryError` (`ALREADY_STARTED`)
 * while a previous handle is running, and (`INVALID_OPTIONS`) on a bad option.
 */
export function startTelemetry(options?: TelemetryOptions): TelemetryHandle {
  if (active) {
    throw new TelemetryError({
      code: 'ALREADY_STARTED',
      message: 'startTelemetry() was already called; call shutdown() on its handle first',
    });
  }
  const settings = resolveTelemetryOptions(options);
  const guarded =
    settings.exporter === 'otlp'
      ? new GuardedExporter({
          create: (timeoutMillis) => createOtlpExporter(settings, timeoutMillis),
          timeoutMillis: settings.exportTimeoutMillis,
          describe: redactUrl(settings.tracesUrl),
          warn: (message) => process.stderr.write(message),
        })
      : undefined;
  const exporter: tracing.SpanExporter | undefined = guarded ?? chosenExporter(settings.exporter);

  const statistics = new StatisticsReader();
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    resource: resources.resourceFromAttributes({
      ...(settings.serviceVersion ? { 'service.version': settings.serviceVersion } : {}),
      ...settings.resourceAttributes,
    }),
    // A batch processor made by the SDK reads the standard OTEL_BSP_* variables; no exporter, no tracer provider.
    ...(exporter === undefined
      ? { spanProcessors: [] }
      : settings.spanProcessor === 'simple'
        ? { spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] }
        : { traceExporter: exporter }),
    idGenerator: new PooledIdGenerator(),
    metricReaders: [statistics, ...settings.metricReaders],
    // Logs stay with the app's logger; the SDK would otherwise try to ship them over OTLP as well.
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  refreshInstruments(); // observable instruments of objects created before the SDK report from now on

  let stopping: Promise<void> | undefined;
  const handle: TelemetryHandle = {
    serviceName: settings.serviceName,
    exporter: typeof settings.exporter === 'string' ? settings.exporter : 'custom',
    getStatistics: async () => (stopping ? (lastStatistics ?? emptyStatistics()) : statistics.read()),
    getExportStatistics: () => ({ ...(guarded?.statistics ?? { exportedSpans: 0, failedSpans: 0 }) }),
    forceFlush: async () => {
      await registeredTracerProvider()?.forceFlush();
    },
    shutdown: () => {
      stopping ??= (async () => {
        lastStatistics = await statistics.read();
        guarded?.beginShutdown(Date.now() + settings.shutdownTimeoutMillis);
        try {
          await withDeadline(sdk.shutdown(), settings.shutdownTimeoutMillis + 500);
        } catch (error) {
          // A custom exporter or metric reader failed to shut down: report it, as the OTLP path does, never reject.
          process.stderr.write(`[@rb/telemetry] shutdown: ${error instanceof Error ? error.message : String(error)}\n`);
        } finally {
          trace.disable();
          metrics.disable();
          context.disable();
          propagation.disable();
          refreshInstruments(); // let go of the stopped provider's instruments
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
  throw new TelemetryError({
    code: 'NOT_STARTED',
    message: 'getStatistics() needs startTelemetry() first; nothing is being measured',
  });
}

function chosenExporter(kind: ResolvedTelemetryOptions['exporter']): tracing.SpanExporter | undefined {
  if (kind === 'console') return new StderrSpanExporter();
  if (kind === 'none' || kind === 'otlp') return undefined;
  return kind;
}

interface OtlpExporterModule {
  OTLPTraceExporter: new (config: {
    url: string;
    headers?: Record<string, string>;
    timeoutMillis: number;
  }) => tracing.SpanExporter;
}

// The OTLP exporters come with @opentelemetry/sdk-node, the one SDK package users install: resolve them from there,
// so that no second peer dependency (or a mismatched copy) is needed.
let fromSdkNode: NodeRequire | undefined;
function createOtlpExporter(settings: ResolvedTelemetryOptions, timeoutMillis: number): tracing.SpanExporter {
  fromSdkNode ??= createRequire(createRequire(import.meta.url).resolve('@opentelemetry/sdk-node'));
  const { OTLPTraceExporter } = fromSdkNode(exporterPackage(settings.protocol)) as OtlpExporterModule;
  return new OTLPTraceExporter({ url: settings.tracesUrl, headers: settings.headers, timeoutMillis });
}

function exporterPackage(protocol: OtlpProtocol): string {
  return protocol === 'http/json' ? '@opentelemetry/exporter-trace-otlp-http' : '@opentelemetry/exporter-trace-otlp-proto';
}

function registeredTracerProvider(): { forceFlush(): Promise<void> } | undefined {
  const provider = trace.getTracerProvider() as ProxyTracerProvider;
  const delegate = typeof provider.getDelegate === 'function' ? provider.getDelegate() : provider;
  const flushable = delegate as { forceFlush?: () => Promise<void> };
  return typeof flushable.forceFlush === 'function' ? (flushable as { forceFlush(): Promise<void> }) : undefined;
}

function withDeadline(promise: Promise<void>, millis: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, millis);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
