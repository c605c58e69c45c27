import { SpanKind, SpanStatusCode, context as otelContext, metrics, trace, type Attributes, type Histogram, type MeterProvider, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { HttpError } from './errors.js';
import type { HttpResponse } from './http-response.js';
import type { Layer, PoolRequest } from './layer.js';
import type { RequestState } from './request-state.js';
import { VERSION } from './version.js';

/** Instrumentation scope of the pool's spans and metrics. */
export const SCOPE_NAME = '@rb/http-pool';

/** Histogram, seconds: duration of each logical request, retries included (until the headers for a streamed body). */
export const API_CALL_DURATION = 'rb.api.call.duration';

// Looked up per global provider: a tracer or an instrument made before the SDK starts would stay a no-op, and one
// kept from a provider that was shut down and replaced would export nowhere.
const tracers = new WeakMap<TracerProvider, Tracer>();
const histograms = new WeakMap<MeterProvider, Histogram>();

function tracer(): Tracer {
  const provider = trace.getTracerProvider();
  let found = tracers.get(provider);
  if (!found) tracers.set(provider, (found = provider.getTracer(SCOPE_NAME, VERSION)));
  return found;
}

function histogram(): Histogram {
  const provider = metrics.getMeterProvider();
  let found = histograms.get(provider);
  if (!found) {
    found = provider.getMeter(SCOPE_NAME, VERSION).createHistogram(API_CALL_DURATION, {
      unit: 's',
      description: 'Duration of outbound API calls',
      advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] },
    });
    histograms.set(provider, found);
  }
  return found;
}

interface Server {
  'server.address': string;
  'server.port': number;
}
const servers = new Map<string, Server>();

function serverOf(origin: string): Server {
  let found = servers.get(origin);
  if (!found) {
    const url = new URL(origin);
    found = { 'server.address': url.hostname, 'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
    if (servers.size >= 256) servers.clear();
    servers.set(origin, found);
  }
  return found;
}

/**
 * One span of kind CLIENT per logical request, named after the method, with the HTTP semantic-convention attributes
 * (`url.full` redacted), active while the inner layers run, and one `rb.api.call.duration` measurement. Without an
 * SDK the span does not record and no attribute is built for it.
 */
export function telemetryLayer(): Layer {
  return (next) => async (request, context) => {
    const state = context as RequestState;
    const started = performance.now();
    const span = tracer().startSpan(request.method, { kind: SpanKind.CLIENT });
    try {
      let response: HttpResponse;
      if (span.isRecording()) {
        span.setAttributes(spanAttributes(request));
        state.span = span;
        // Active while the inner layers run, so spans they start are its children.
        response = await otelContext.with(trace.setSpan(otelContext.active(), span), next, undefined, request, context);
      } else response = await next(request, context);
      finish(state, started, response.status, undefined);
      return response;
    } catch (error) {
      finish(state, started, HttpError.isInstance(error) ? error.status : undefined, error);
      throw error;
    } finally {
      span.end();
    }
  };
}

function spanAttributes(request: PoolRequest): Attributes {
  return { 'http.request.method': request.method, 'url.full': request.redactedUrl, ...serverOf(request.origin) };
}

function finish(state: RequestState, started: number, status: number | undefined, error: unknown): void {
  const { span, request } = state;
  if (span) {
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    if (state.attempts > 1) span.setAttribute('http.request.resend_count', state.attempts - 1);
    if (error !== undefined) {
      const message = error instanceof Error ? error.message : String(error);
      span.recordException(error instanceof Error ? error : message);
      span.setAttribute('error.type', codeOf(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message });
    }
  }
  const attributes: Attributes = { 'http.request.method': request.method, ...serverOf(request.origin) };
  if (status !== undefined) attributes['http.response.status_code'] = status;
  if (error !== undefined) attributes['error.type'] = codeOf(error);
  histogram().record((performance.now() - started) / 1000, attributes);
}

/** The span's `error.type` is the pool's error code; so is the metric's, which keeps its cardinality low. */
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : '_OTHER';
}
