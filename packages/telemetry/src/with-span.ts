import {
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { errorTypeOf } from './error-type.js';
import { ATTR_ERROR_TYPE } from './semconv.js';

/** Options of {@link withSpan}. */
export interface WithSpanOptions {
  /** Span kind. Defaults to `SpanKind.INTERNAL`; use `CLIENT` for calls to another service (LLM, Chroma). */
  kind?: SpanKind;
  /** Tracer to use. Defaults to the tracer of the instrumentation scope `@rb/telemetry`. */
  tracer?: Tracer;
}

// Looked up per global provider: a tracer cached at import time would keep pointing at a provider that was shut down
// and replaced (`trace.disable()` swaps the API's proxy).
const tracers = new WeakMap<TracerProvider, Tracer>();

function defaultTracer(): Tracer {
  const provider = trace.getTracerProvider();
  let tracer = tracers.get(provider);
  if (!tracer) {
    tracer = provider.getTracer('@rb/telemetry');
    tracers.set(provider, tracer);
  }
  return tracer;
}

/**
 * Runs `fn` inside a new active span and ends the span exactly once, when `fn` returns or, for a promise, settles.
 * A thrown error or a rejection is recorded on the span (exception event, `error.type`, status ERROR) and rethrown
 * unchanged. Without a registered SDK this costs a few tens of nanoseconds.
 */
export function withSpan<T>(
  name: string,
  attributes: Attributes | undefined,
  fn: (span: Span) => T,
  options: WithSpanOptions = {},
): T {
  const tracer = options.tracer ?? defaultTracer();
  return tracer.startActiveSpan(name, { attributes, kind: options.kind ?? SpanKind.INTERNAL }, (span) => {
    let result: T;
    try {
      result = fn(span);
    } catch (error) {
      recordError(span, error);
      span.end();
      throw error;
    }
    if (isPromiseLike(result)) {
      return result.then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          recordError(span, error);
          span.end();
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  });
}

/** Marks `span` as failed by `error`: an exception event, the `error.type` attribute and status ERROR. */
export function recordError(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.recordException(error instanceof Error ? error : message);
  span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}
