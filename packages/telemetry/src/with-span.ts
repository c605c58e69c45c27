import {
  INVALID_SPAN_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { errorTypeOf } from './error-type.js';
import { ATTR_ERROR_TYPE } from './semconv.js';

/** Options of `withSpan`. */
export interface WithSpanOptions {
  /** Span kind. Defaults to `SpanKind.INTERNAL`; use `CLIENT` for calls to another service (LLM, Chroma). */
  kind?: SpanKind;
}

/** Options of the standalone {@link withSpan}. */
export interface StandaloneWithSpanOptions extends WithSpanOptions {
  /**
   * The tracer to use: your package's (`instrumentation.tracer`), or one of a provider you did not register globally.
   * Defaults to the `@rb/telemetry` scope on the global provider; prefer `instrumentation.withSpan`, which names your
   * package's scope.
   */
  tracer?: Tracer;
}

/** What `fn` gets when no tracer provider is registered: a span that records nothing, shared by every such call. */
export const NON_RECORDING_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Runs `fn` in a new active span of `tracer` and ends the span exactly once, when `fn` returns or, for a promise,
 * settles. A throw or rejection is recorded (exception event, `error.type`, status ERROR) and rethrown unchanged.
 */
export function runInSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes | undefined,
  kind: SpanKind,
  fn: (span: Span) => T,
): T {
  const span = tracer.startSpan(name, { attributes, kind });
  // context.with passes the span as an argument: no closure per call.
  return context.with(trace.setSpan(context.active(), span), callInSpan<T>, undefined, span, fn);
}

function callInSpan<T>(span: Span, fn: (span: Span) => T): T {
  let result: T;
  try {
    result = fn(span);
  } catch (error) {
    recordError(span, error);
    span.end();
    throw error;
  }
  if (isPromiseLike(result)) return endWhenSettled(span, result) as T;
  span.end();
  return result;
}

function endWhenSettled(span: Span, promise: PromiseLike<unknown>): PromiseLike<unknown> {
  return promise.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      recordError(span, error);
      span.end();
      throw error;
    },
  );
}

/** Marks `span` as failed by `error`: an exception event, the `error.type` attribute and status ERROR. */
export function recordError(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.recordException(error instanceof Error ? error : message);
  span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
