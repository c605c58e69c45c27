import { Agent } from 'undici';
import { resolvePoolOptions, type APIConnectionPoolOptions } from './api-connection-pool-options.js';
import { deadlineLayer } from './deadline-layer.js';
import { HttpPoolError } from './errors.js';
import type { HttpResponse } from './http-response.js';
import { compose, type PoolRequest, type Send } from './layer.js';
import { RequestPreparer, type RequestOptions } from './request-options.js';
import { RequestState } from './request-state.js';
import { retryLayer } from './retry-layer.js';
import { telemetryLayer } from './telemetry-layer.js';
import { transport } from './transport.js';

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

/**
 * Keep-alive HTTP(S) connections to LLM APIs, reused across requests, with a deadline, per-attempt timeouts and a
 * retry policy that never repeats a non-idempotent POST the server may already have processed. A request runs
 * through a stack of layers, `span > deadline > your request layers > retry > your attempt layers > undici`.
 */
export class APIConnectionPool {
  readonly #agent: Agent;
  readonly #preparer: RequestPreparer;
  readonly #send: Send;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  #active = 0;
  #requests = 0;
  #failures = 0;
  #retries = 0;
  #latencySum = 0;
  #latencyMin = Infinity;
  #latencyMax = 0;

  constructor(options: APIConnectionPoolOptions = {}) {
    const o = resolvePoolOptions(options);
    this.#agent = new Agent({
      connections: o.poolSize,
      keepAliveTimeout: o.keepAliveTimeoutMs,
      headersTimeout: o.headersTimeoutMs,
      bodyTimeout: o.bodyTimeoutMs,
      connect: { timeout: o.connectTimeoutMs, ...o.tls },
    });
    this.#preparer = new RequestPreparer({ headers: o.headers, timeoutMs: o.timeoutMs });
    this.#send = compose(
      [
        ...(o.telemetry ? [telemetryLayer()] : []),
        deadlineLayer(),
        ...o.requestLayers,
        retryLayer(o, () => this.#retries++),
        ...o.attemptLayers,
      ],
      transport(this.#agent, o),
    );
  }

  /**
   * Sends a request and resolves with the response once its headers arrive; read its body (JSON, text, server-sent
   * events or a stream). Rejects with an `HttpError` for status >= 400 once retries are exhausted or not allowed.
   */
  request(url: string | URL, options?: RequestOptions): Promise<HttpResponse> {
    return this.#start(url, options, undefined, 'stream');
  }

  get(url: string | URL, options?: Omit<RequestOptions, 'method'>): Promise<HttpResponse> {
    return this.#start(url, options, 'GET', 'stream');
  }

  post(url: string | URL, options?: Omit<RequestOptions, 'method'>): Promise<HttpResponse> {
    return this.#start(url, options, 'POST', 'stream');
  }

  /** Sends a request and parses the response as JSON; a failure while reading the body is retried like one before. */
  async requestJson<T = unknown>(url: string | URL, options?: RequestOptions): Promise<T> {
    return (await this.#start(url, options, undefined, 'json')).json<T>();
  }

  async getJson<T = unknown>(url: string | URL, options?: Omit<RequestOptions, 'method'>): Promise<T> {
    return (await this.#start(url, options, 'GET', 'json')).json<T>();
  }

  async postJson<T = unknown>(url: string | URL, options?: Omit<RequestOptions, 'method'>): Promise<T> {
    return (await this.#start(url, options, 'POST', 'json')).json<T>();
  }

  /**
   * Refuses new requests, waits for the ones in flight (their retries and, for streamed responses, their bodies) to
   * finish, then closes every connection. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#active > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      await this.#agent.close();
    })();
    return this.#closing;
  }

  getStatistics(): PoolStatistics {
    return {
      requests: this.#requests,
      failures: this.#failures,
      retries: this.#retries,
      inFlight: this.#active,
      avgLatencyMs: this.#requests === 0 ? 0 : this.#latencySum / this.#requests,
      minLatencyMs: this.#requests === 0 ? 0 : this.#latencyMin,
      maxLatencyMs: this.#latencyMax,
    };
  }

  #start(url: string | URL, options: RequestOptions | undefined, method: string | undefined, type: PoolRequest['responseType']): Promise<HttpResponse> {
    if (this.#closing) return Promise.reject(new HttpPoolError({ code: 'CLOSED', message: 'the pool is closed; create a new one' }));
    let request: PoolRequest;
    try {
      request = this.#preparer.prepare(url, options, method, type);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(request);
  }

  async #run(request: PoolRequest): Promise<HttpResponse> {
    this.#active++;
    const started = performance.now();
    let failed = true;
    try {
      const response = await this.#send(request, new RequestState(request));
      failed = false;
      return response;
    } finally {
      const ms = performance.now() - started;
      this.#requests++;
      if (failed) this.#failures++;
      this.#latencySum += ms;
      if (ms < this.#latencyMin) this.#latencyMin = ms;
      if (ms > this.#latencyMax) this.#latencyMax = ms;
      if (--this.#active === 0) this.#drained?.();
    }
  }
}
