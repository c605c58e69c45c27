import { setTimeout as delay } from 'node:timers/promises';
import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { recordApiCall, withSpan } from '@rb/telemetry';
import { Agent, type Dispatcher } from 'undici';
import type { APIConnectionPoolOptions, RequestOptions } from './api-connection-pool-options.js';
import { HttpError, HttpPoolError, NetworkError, TimeoutError, type TimeoutPhase } from './errors.js';
import { HttpResponse } from './http-response.js';
import { redactUrl } from '@rb/errors';
import {
  backoffDelayMs,
  isIdempotentMethod,
  isRetryableNetworkError,
  isRetryableStatus,
  parseRetryAfterMs,
} from './retry-policy.js';

/** What {@link APIConnectionPool.getStatistics} reports. Latencies cover whole logical requests, retries included. */
export interface PoolStatistics {
  /** Logical requests finished (succeeded or failed); retries are not counted again. */
  requests: number;
  /** Of those, the ones that failed. */
  failures: number;
  /** Extra attempts made by the retry policy. */
  retries: number;
  /** Logical requests started and not finished yet. */
  inFlight: number;
  /** Mean latency of finished requests, in ms (until the headers, for a streamed body); 0 when there was none. */
  avgLatencyMs: number;
  minLatencyMs: number;
  maxLatencyMs: number;
}

type Headers = Record<string, string | string[] | undefined>;

type Consume = (response: HttpResponse) => Promise<unknown>;

interface PreparedRequest {
  url: URL;
  method: string;
  /** `url` as spans and errors show it. */
  redacted: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  timeout: number;
  signal: AbortSignal | undefined;
  idempotent: boolean;
}

type Failure =
  | { kind: 'status'; status: number; responseBody: string; headers: Headers; retryAfterMs: number | undefined }
  | { kind: 'network'; error: unknown };

interface Settings {
  poolSize: number;
  maxRetries: number;
  timeout: number;
  connectTimeout: number;
  headersTimeout: number;
  bodyTimeout: number;
  keepAliveTimeout: number;
  maxErrorBodyBytes: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
}

const UNDICI_TIMEOUTS: Record<string, Exclude<TimeoutPhase, 'deadline'>> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
};

/**
 * Keep-alive HTTP(S) connections to LLM APIs, reused across requests, with timeouts and a retry policy that never
 * repeats a non-idempotent POST the server may already have processed (see the README's retry table).
 */
export class APIConnectionPool {
  readonly #settings: Settings;
  readonly #agent: Agent;
  readonly #defaultHeaders: Record<string, string>;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #now: () => number;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;
  #requests = 0;
  #failures = 0;
  #retries = 0;
  #latencySum = 0;
  #latencyMin = Infinity;
  #latencyMax = 0;

  constructor(options: APIConnectionPoolOptions = {}) {
    if (typeof options !== 'object' || options === null) invalid('options', 'an object', options);
    const timeout = positive('timeout', options.timeout, 120_000);
    const retry = options.retry ?? {};
    if (typeof retry !== 'object' || retry === null) invalid('retry', 'an object', retry);
    this.#settings = {
      poolSize: positiveInteger('poolSize', options.poolSize, 10),
      maxRetries: nonNegativeInteger('maxRetries', options.maxRetries, 3),
      timeout,
      connectTimeout: positive('connectTimeout', options.connectTimeout, 10_000),
      headersTimeout: positive('headersTimeout', options.headersTimeout, timeout),
      bodyTimeout: positive('bodyTimeout', options.bodyTimeout, timeout),
      keepAliveTimeout: positive('keepAliveTimeout', options.keepAliveTimeout, 4_000),
      maxErrorBodyBytes: nonNegativeInteger('maxErrorBodyBytes', options.maxErrorBodyBytes, 4096),
      baseDelayMs: nonNegative('retry.baseDelayMs', retry.baseDelayMs, 500),
      maxDelayMs: nonNegative('retry.maxDelayMs', retry.maxDelayMs, 8_000),
      maxRetryAfterMs: nonNegative('retry.maxRetryAfterMs', retry.maxRetryAfterMs, 60_000),
    };
    this.#random = fn('random', options.random) ?? Math.random;
    this.#sleep = fn('sleep', options.sleep) ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.#now = fn('now', options.now) ?? Date.now;
    this.#defaultHeaders = lowerCaseHeaders('headers', options.headers);
    const s = this.#settings;
    this.#agent = new Agent({
      connections: s.poolSize,
      keepAliveTimeout: s.keepAliveTimeout,
      headersTimeout: s.headersTimeout,
      bodyTimeout: s.bodyTimeout,
      connect: { timeout: s.connectTimeout, ...options.tls },
    });
  }

  /**
   * Sends a request and resolves with the response once its headers arrive; read its body (JSON, text, server-sent
   * events or a stream). Rejects with an {@link HttpError} for status >= 400 once retries are exhausted or not
   * allowed.
   */
  request(url: string | URL, options: RequestOptions = {}): Promise<HttpResponse> {
    return this.#track<HttpResponse>(url, options, undefined);
  }

  get(url: string | URL, options: Omit<RequestOptions, 'method'> = {}): Promise<HttpResponse> {
    return this.#track<HttpResponse>(url, { ...options, method: 'GET' }, undefined);
  }

  post(url: string | URL, options: Omit<RequestOptions, 'method'> = {}): Promise<HttpResponse> {
    return this.#track<HttpResponse>(url, { ...options, method: 'POST' }, undefined);
  }

  /** Sends a request and parses the response as JSON; a failure while reading the body is retried like one before. */
  requestJson<T = unknown>(url: string | URL, options: RequestOptions = {}): Promise<T> {
    return this.#track<T>(url, options, (response) => response.json<T>());
  }

  getJson<T = unknown>(url: string | URL, options: Omit<RequestOptions, 'method'> = {}): Promise<T> {
    return this.requestJson<T>(url, { ...options, method: 'GET' });
  }

  postJson<T = unknown>(url: string | URL, options: Omit<RequestOptions, 'method'> = {}): Promise<T> {
    return this.requestJson<T>(url, { ...options, method: 'POST' });
  }

  /**
   * Refuses new requests, waits for the ones in flight (their retries and, for streamed responses, their bodies) to
   * finish, then closes every connection. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      await this.#agent.close();
    })();
    return this.#closing;
  }

  getStatistics(): PoolStatistics {
    return {
      requests: this.#requests,
      failures: this.#failures,
      retries: this.#retries,
      inFlight: this.#inFlight.size,
      avgLatencyMs: this.#requests === 0 ? 0 : this.#latencySum / this.#requests,
      minLatencyMs: this.#requests === 0 ? 0 : this.#latencyMin,
      maxLatencyMs: this.#latencyMax,
    };
  }

  #track<R>(url: string | URL, options: RequestOptions, consume: Consume | undefined): Promise<R> {
    if (this.#closing) return Promise.reject(new HttpPoolError('CLOSED', 'the pool is closed; create a new one'));
    const pending = this.#execute(url, options, consume) as Promise<R>;
    this.#inFlight.add(pending);
    const forget = () => this.#inFlight.delete(pending);
    pending.then(forget, forget);
    return pending;
  }

  async #execute(rawUrl: string | URL, options: RequestOptions, consume: Consume | undefined): Promise<unknown> {
    const request = this.#prepare(rawUrl, options);
    const { url, method } = request;
    const attributes: Attributes = {
      'http.request.method': method,
      'url.full': request.redacted,
      'server.address': url.hostname,
      'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
    };
    const started = performance.now();
    let status: number | undefined;
    try {
      const result = await withSpan(method, attributes, (span) => this.#attempts(request, span, consume, (s) => (status = s)), {
        kind: SpanKind.CLIENT,
      });
      this.#finish(started, attributes, status);
      return result;
    } catch (error) {
      this.#finish(started, attributes, status, error);
      throw error;
    }
  }

  #finish(started: number, attributes: Attributes, status: number | undefined, error?: unknown): void {
    const ms = performance.now() - started;
    this.#requests++;
    if (error !== undefined) this.#failures++;
    this.#latencySum += ms;
    this.#latencyMin = Math.min(this.#latencyMin, ms);
    this.#latencyMax = Math.max(this.#latencyMax, ms);
    const { 'url.full': _url, ...metricAttributes } = attributes;
    if (status !== undefined) metricAttributes['http.response.status_code'] = status;
    recordApiCall(ms, metricAttributes, error);
  }

  #prepare(rawUrl: string | URL, options: RequestOptions): PreparedRequest {
    if (typeof options !== 'object' || options === null) invalidRequest('options', 'an object', options);
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch (error) {
      throw new HttpPoolError('INVALID_REQUEST', `url must be an absolute http(s) URL, got ${String(rawUrl)}`, { cause: error });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') invalidRequest('url', 'an http: or https: URL', url.protocol);
    const method = (options.method ?? 'GET').toUpperCase();
    if (!/^[A-Z]+$/.test(method)) invalidRequest('method', 'an HTTP method name', options.method);
    if (options.json !== undefined && options.body !== undefined) invalidRequest('json', 'not to be set together with body', 'both');
    if (options.body !== undefined && typeof options.body !== 'string' && !(options.body instanceof Uint8Array)) {
      invalidRequest('body', 'a string or a Uint8Array', options.body);
    }
    const { idempotencyKey } = options;
    if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0)) {
      invalidRequest('idempotencyKey', 'a non-empty string', idempotencyKey);
    }
    if (options.idempotent !== undefined && typeof options.idempotent !== 'boolean') {
      invalidRequest('idempotent', 'a boolean', options.idempotent);
    }
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      invalidRequest('signal', 'an AbortSignal', options.signal);
    }
    const timeout = options.timeout === undefined ? this.#settings.timeout : positive('timeout', options.timeout, 0, invalidRequest);
    const headers = { ...this.#defaultHeaders, ...lowerCaseHeaders('headers', options.headers, invalidRequest) };
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    return {
      url,
      method,
      redacted: redactUrl(url),
      headers,
      body,
      timeout,
      signal: options.signal,
      idempotent: options.idempotent ?? (headers['idempotency-key'] !== undefined || isIdempotentMethod(method)),
    };
  }

  async #attempts(
    request: PreparedRequest,
    span: Span,
    consume: Consume | undefined,
    onStatus: (status: number) => void,
  ): Promise<unknown> {
    const { url, method, redacted, idempotent, timeout } = request;
    const s = this.#settings;
    let attempts = 0;
    const controller = new AbortController();
    const deadlineAt = performance.now() + timeout;
    const timer = setTimeout(() => {
      const context = { method, url: redacted, attempts, retryable: false };
      controller.abort(new TimeoutError({ ...context, phase: 'deadline', timeoutMs: timeout }));
    }, timeout);
    // A response whose body is never read must not keep the process alive until the deadline.
    timer.unref();
    const onAbort = () =>
      controller.abort(new HttpPoolError('ABORTED', `${method} ${redacted} was aborted`, { cause: request.signal?.reason }));
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    };
    let handedOff = false;

    try {
      for (;;) {
        attempts++;
        if (controller.signal.aborted) throw controller.signal.reason;
        let failure: Failure;
        try {
          const res = await this.#agent.request({
            origin: url.origin,
            path: url.pathname + url.search,
            method: method as Dispatcher.HttpMethod,
            headers: request.headers,
            body: request.body,
            signal: controller.signal,
          });
          onStatus(res.statusCode);
          if (res.statusCode < 400) {
            span.addEvent('http.attempt', { 'http.request.resend_count': attempts - 1, 'http.response.status_code': res.statusCode });
            span.setAttribute('http.response.status_code', res.statusCode);
            if (attempts > 1) span.setAttribute('http.request.resend_count', attempts - 1);
            const response = new HttpResponse({ status: res.statusCode, headers: res.headers, url: redacted, attempts, body: res.body });
            if (consume) return await consume(response);
            handedOff = true;
            // A streamed body still runs under the deadline and the caller's signal; stop both once it is done.
            res.body.once('close', cleanup);
            return response;
          }
          failure = {
            kind: 'status',
            status: res.statusCode,
            headers: res.headers,
            retryAfterMs: parseRetryAfterMs(res.headers, this.#now()),
            responseBody: await readTruncated(res.body, s.maxErrorBodyBytes),
          };
        } catch (error) {
          if (controller.signal.aborted) throw controller.signal.reason;
          if (HttpPoolError.isInstance(error)) throw error;
          failure = { kind: 'network', error };
        }

        const retryable =
          failure.kind === 'status'
            ? isRetryableStatus(failure.status, idempotent)
            : isRetryableNetworkError(failure.error, idempotent);
        let wait: number | undefined;
        if (retryable && attempts <= s.maxRetries) {
          const asked = failure.kind === 'status' ? failure.retryAfterMs : undefined;
          wait = asked ?? backoffDelayMs(attempts, s.baseDelayMs, s.maxDelayMs, this.#random);
          if ((asked !== undefined && asked > s.maxRetryAfterMs) || performance.now() + wait >= deadlineAt) wait = undefined;
        }
        span.addEvent('http.attempt', {
          'http.request.resend_count': attempts - 1,
          ...(failure.kind === 'status'
            ? { 'http.response.status_code': failure.status }
            : { 'error.type': String((failure.error as { code?: unknown })?.code ?? 'unknown') }),
          ...(wait === undefined ? {} : { 'rb.http.retry_wait_ms': wait }),
        });
        if (failure.kind === 'status') span.setAttribute('http.response.status_code', failure.status);
        if (attempts > 1) span.setAttribute('http.request.resend_count', attempts - 1);
        if (wait === undefined) throw this.#toError(failure, { method, url: redacted, attempts, retryable });
        this.#retries++;
        try {
          await this.#sleep(wait, controller.signal);
        } catch (error) {
          throw controller.signal.aborted ? controller.signal.reason : error;
        }
      }
    } finally {
      if (!handedOff) cleanup();
    }
  }

  #toError(failure: Failure, context: { method: string; url: string; attempts: number; retryable: boolean }): Error {
    if (failure.kind === 'status') return new HttpError({ ...context, ...failure });
    const code = (failure.error as { code?: unknown })?.code;
    const phase = typeof code === 'string' ? UNDICI_TIMEOUTS[code] : undefined;
    if (phase) {
      const s = this.#settings;
      const timeoutMs = phase === 'connect' ? s.connectTimeout : phase === 'headers' ? s.headersTimeout : s.bodyTimeout;
      return new TimeoutError({ ...context, phase, timeoutMs }, { cause: failure.error });
    }
    return new NetworkError(context, failure.error);
  }
}

async function readTruncated(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the stream: a huge error page costs its connection, not our memory.
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

type Fail = (field: string, expected: string, got: unknown) => never;

function invalid(field: string, expected: string, got: unknown): never {
  throw new HttpPoolError('INVALID_OPTIONS', `${field} must be ${expected}, got ${describe(got)}`);
}

function invalidRequest(field: string, expected: string, got: unknown): never {
  throw new HttpPoolError('INVALID_REQUEST', `${field} must be ${expected}, got ${describe(got)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return typeof value;
}

function positive(field: string, value: unknown, fallback: number, fail: Fail = invalid): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(field, 'a finite number > 0', value);
  return value;
}

function nonNegative(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) invalid(field, 'a finite number >= 0', value);
  return value;
}

function positiveInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 1) invalid(field, 'an integer >= 1', value);
  return value as number;
}

function nonNegativeInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 0) invalid(field, 'an integer >= 0', value);
  return value as number;
}

function fn<F>(field: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') invalid(field, 'a function', value);
  return value;
}

function lowerCaseHeaders(field: string, headers: unknown, fail: Fail = invalid): Record<string, string> {
  if (headers === undefined) return {};
  if (typeof headers !== 'object' || headers === null) fail(field, 'an object of header names to strings', headers);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') fail(`${field}.${name}`, 'a string', value);
    out[name.toLowerCase()] = value;
  }
  return out;
}
