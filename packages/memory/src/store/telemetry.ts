import { metrics, trace, type Attributes, type Counter, type Histogram, type MeterProvider, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { withSpan } from '@rb/telemetry';
import { PACKAGE_VERSION } from '../version.js';

/** Instrumentation scope of every span and metric of `@rb/memory`. */
export const SCOPE = '@rb/memory';

/** Metric names of `@rb/memory`. */
export const MEMORY_METRIC = {
  /** Histogram, seconds: duration of each store operation. Attributes `rb.memory.operation`, `error.type` on failure. */
  OPERATION_DURATION: 'rb.memory.operation.duration',
  /** Histogram: memories a retrieval returned (0 when the threshold rejected everything). */
  RETRIEVED: 'rb.memory.retrieve.results',
} as const;

interface Instruments {
  duration: Histogram;
  retrieved: Histogram;
  records: Counter;
}

// Looked up per global provider: an instrument made before the SDK starts stays a no-op forever, and a restarted SDK
// brings a new provider.
const tracers = new WeakMap<TracerProvider, Tracer>();
const instruments = new WeakMap<MeterProvider, Instruments>();

function tracer(): Tracer {
  const provider = trace.getTracerProvider();
  let found = tracers.get(provider);
  if (!found) {
    found = provider.getTracer(SCOPE, PACKAGE_VERSION);
    tracers.set(provider, found);
  }
  return found;
}

function meters(): Instruments {
  const provider = metrics.getMeterProvider();
  let found = instruments.get(provider);
  if (!found) {
    const meter = provider.getMeter(SCOPE, PACKAGE_VERSION);
    found = {
      duration: meter.createHistogram(MEMORY_METRIC.OPERATION_DURATION, { unit: 's', description: 'Duration of memory store operations' }),
      retrieved: meter.createHistogram(MEMORY_METRIC.RETRIEVED, { description: 'Memories returned by a retrieval' }),
      records: meter.createCounter('rb.memory.records.written', { description: 'Memories and traces written' }),
    };
    instruments.set(provider, found);
  }
  return found;
}

/** Runs one store operation in a span `memory.<operation>` and records its duration. */
export function instrument<T>(operation: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  const started = performance.now();
  const record = (errorType?: string) =>
    meters().duration.record((performance.now() - started) / 1000, {
      'rb.memory.operation': operation,
      ...(errorType ? { 'error.type': errorType } : {}),
    });
  return withSpan(`memory.${operation}`, { 'rb.memory.operation': operation, ...attributes }, fn, { tracer: tracer() }).then(
    (value) => {
      record();
      return value;
    },
    (error: unknown) => {
      record((error as { code?: string })?.code ?? (error instanceof Error ? error.name : 'Error'));
      throw error;
    },
  );
}

export function recordRetrieved(count: number): void {
  meters().retrieved.record(count);
}

export function recordWritten(kind: 'memories' | 'traces', count: number): void {
  if (count > 0) meters().records.add(count, { 'rb.memory.record.kind': kind });
}
