import type { Attributes, Span } from '@opentelemetry/api';
import { createInstrumentation } from '@rb/telemetry';
import { PACKAGE_VERSION } from '../version.js';

/** Instrumentation scope of every span and metric of `@rb/memory`. */
export const SCOPE = '@rb/memory';

/** Metric names of `@rb/memory`. */
export const MEMORY_METRIC = {
  /** Histogram, seconds: duration of each store operation. Attributes `rb.memory.operation`, `error.type` on failure. */
  OPERATION_DURATION: 'rb.memory.operation.duration',
  /** Histogram: memories a retrieval returned (0 when the threshold rejected everything). */
  RETRIEVED: 'rb.memory.retrieve.results',
  /** Counter: memories and traces written, by `rb.memory.record.kind`. */
  RECORDS_WRITTEN: 'rb.memory.records.written',
} as const;

// The package's own tracer, meter and instruments, looked up on the global providers (an SDK started later counts).
const telemetry = createInstrumentation({ name: SCOPE, version: PACKAGE_VERSION }, (meter) => ({
  duration: meter.createHistogram(MEMORY_METRIC.OPERATION_DURATION, { unit: 's', description: 'Duration of memory store operations' }),
  retrieved: meter.createHistogram(MEMORY_METRIC.RETRIEVED, { description: 'Memories returned by a retrieval' }),
  records: meter.createCounter(MEMORY_METRIC.RECORDS_WRITTEN, { description: 'Memories and traces written' }),
}));

/** Runs one store operation in a span `memory.<operation>` and records its duration. */
export function instrument<T>(operation: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  const started = performance.now();
  const record = (errorType?: string) =>
    telemetry.instruments.duration.record((performance.now() - started) / 1000, {
      'rb.memory.operation': operation,
      ...(errorType ? { 'error.type': errorType } : {}),
    });
  return telemetry.withSpan(`memory.${operation}`, { 'rb.memory.operation': operation, ...attributes }, fn).then(
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
  telemetry.instruments.retrieved.record(count);
}

export function recordWritten(kind: 'memories' | 'traces', count: number): void {
  if (count > 0) telemetry.instruments.records.add(count, { 'rb.memory.record.kind': kind });
}
