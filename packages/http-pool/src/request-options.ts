import { OptionReader, describeValue, redactUrl, refuseRenamedOptions, type InvalidOptionFactory } from '@rb/errors';
import { readDuration } from './api-connection-pool-options.js';
import { HttpPoolError } from './errors.js';
import { checkHeaders, isHeaderValue, isToken } from './headers.js';
import type { PoolRequest } from './layer.js';
import { isIdempotentMethod } from './retry-policy.js';

/** One request. */
export interface RequestOptions {
  /** HTTP method. Defaults to `GET` (`POST` for {@link APIConnectionPool.post}). `CONNECT` is refused. */
  method?: string;
  /** A value sent as JSON (sets `content-type: application/json`). Exclusive with `body`. */
  json?: unknown;
  /** A raw body. Exclusive with `json`. */
  body?: string | Uint8Array;
  /** Request headers, lower- or mixed-case names. */
  headers?: Record<string, string>;
  /**
   * Whether the server may receive this request twice without harm, which allows retrying a 500 or a connection
   * reset after sending. Defaults to `true` for GET, HEAD, OPTIONS, TRACE, PUT, DELETE and when `idempotencyKey` (or
   * an `Idempotency-Key` header) is set; `false` otherwise (POST, PATCH), so an LLM call is never billed twice.
   */
  idempotent?: boolean;
  /** Sent as the `Idempotency-Key` header, the same on every attempt; makes the request idempotent. */
  idempotencyKey?: string;
  /** Cancels the request, its retries, its backoff waits and a streamed body. */
  signal?: AbortSignal;
  /** Overrides the pool's `timeoutMs` for this request, in ms (from 1000). */
  timeoutMs?: number;
}

const REQUEST_OPTIONS = ['method', 'json', 'body', 'headers', 'idempotent', 'idempotencyKey', 'signal', 'timeoutMs'];
const RENAMED = {
  timeout: "durations are in milliseconds and say so: use timeoutMs (the seed's timeout=120 seconds is timeoutMs: 120000)",
  idempotency_key: 'use idempotencyKey',
};

const invalidRequest: InvalidOptionFactory = (field, message) => new HttpPoolError({ code: 'INVALID_REQUEST', field, message });

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' });

/** Where a URL string points, parsed and checked once. */
interface Target {
  origin: string;
  path: string;
  redactedUrl: string;
}

// LLM clients send to a handful of URLs over and over: parsing and redacting each one once saves a URL parse, a
// search-params walk and the redaction on every request.
const MAX_CACHED_TARGETS = 64;

/** Turns request arguments into a {@link PoolRequest}, or throws `INVALID_REQUEST` naming the field. */
export class RequestPreparer {
  readonly #targets = new Map<string, Target>();

  constructor(
    private readonly defaults: { headers: Readonly<Record<string, string>>; timeoutMs: number },
  ) {}

  prepare(url: string | URL, options: RequestOptions | undefined, method: string | undefined, responseType: PoolRequest['responseType']): PoolRequest {
    refuseRenamedOptions(options, RENAMED, invalidRequest);
    const read = new OptionReader(options, REQUEST_OPTIONS, invalidRequest);
    const target = this.#target(url);
    const verb = method ?? checkMethod(read.raw('method'));
    const json = read.raw('json');
    const rawBody = read.raw('body');
    if (json !== undefined && rawBody !== undefined) read.fail('json', 'left out when body is set', 'both');
    if (rawBody !== undefined && typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) {
      read.fail('body', 'a string or a Uint8Array', rawBody);
    }
    let body = rawBody as string | Uint8Array | undefined;
    let headers = this.#headers(read.raw('headers'));
    if (json !== undefined) {
      body = serialise(json);
      if (headers['content-type'] === undefined) headers = headers === this.defaults.headers && isEmpty(headers) ? JSON_HEADERS : { ...headers, 'content-type': 'application/json' };
    }
    const idempotencyKey = read.string('idempotencyKey', undefined, { maxLength: 1024 });
    if (idempotencyKey !== undefined) {
      if (!isHeaderValue(idempotencyKey)) read.fail('idempotencyKey', 'a string without CR, LF, NUL or other control characters', idempotencyKey);
      headers = { ...headers, 'idempotency-key': idempotencyKey };
    }
    const signal = read.raw('signal');
    if (signal !== undefined && !isAbortSignal(signal)) read.fail('signal', 'an AbortSignal', signal);
    const timeoutMs = read.raw('timeoutMs') === undefined ? this.defaults.timeoutMs : readDuration(read, 'timeoutMs', this.defaults.timeoutMs);
    return {
      method: verb,
      origin: target.origin,
      path: target.path,
      redactedUrl: target.redactedUrl,
      headers,
      body,
      idempotent: read.boolean('idempotent', headers['idempotency-key'] !== undefined || isIdempotentMethod(verb)),
      timeoutMs,
      signal: signal as AbortSignal | undefined,
      responseType,
    };
  }

  #headers(own: unknown): Readonly<Record<string, string>> {
    const defaults = this.defaults.headers;
    if (own === undefined) return defaults;
    const checked = checkHeaders(own, 'headers', invalidRequest);
    return isEmpty(defaults) ? checked : { ...defaults, ...checked };
  }

  #target(url: string | URL): Target {
    const key = typeof url === 'string' ? url : url instanceof URL ? url.href : undefined;
    if (key === undefined) throw invalidRequest('url', `url must be a string or a URL, got ${describeValue(url)}`);
    let target = this.#targets.get(key);
    if (!target) {
      target = parseTarget(key);
      if (this.#targets.size >= MAX_CACHED_TARGETS) this.#targets.clear();
      this.#targets.set(key, target);
    }
    return target;
  }
}

function parseTarget(text: string): Target {
  // The message shows the URL redacted and cut; the parser's own error is not kept, as its `input` holds the URL.
  const shown = (): string => describeValue(redactUrl(text));
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidRequest('url', `url must be an absolute http(s) URL, got ${shown()}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidRequest('url', `url must be an http: or https: URL, got ${shown()}`);
  }
  if (url.username || url.password) {
    throw invalidRequest('url', `url must not carry user info (send an authorization header instead), got ${shown()}`);
  }
  return { origin: url.origin, path: `${url.pathname}${url.search}`, redactedUrl: redactUrl(url) };
}

function checkMethod(value: unknown): string {
  if (value === undefined) return 'GET';
  if (typeof value !== 'string' || !isToken(value)) {
    throw invalidRequest('method', `method must be an HTTP method name, got ${describeValue(value)}`);
  }
  const method = value.toUpperCase();
  if (method === 'CONNECT') throw invalidRequest('method', 'method CONNECT opens a tunnel, which this pool does not offer');
  return method;
}

function serialise(json: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(json);
  } catch (error) {
    // A BigInt, a cycle, or a toJSON() that throws: the engine's message names the problem, never the values.
    const reason = error instanceof Error ? error.message.split('\n')[0]!.slice(0, 200) : 'it cannot be serialised';
    throw new HttpPoolError({ code: 'INVALID_REQUEST', field: 'json', message: `json cannot be sent as JSON: ${reason}`, cause: error });
  }
  if (text === undefined) throw invalidRequest('json', `json must be a value JSON can represent, got ${describeValue(json)}`);
  return text;
}

function isEmpty(headers: Readonly<Record<string, string>>): boolean {
  for (const name in headers) if (Object.hasOwn(headers, name)) return false;
  return true;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  // Duck-typed: a signal from another realm (a test runner's, a worker's) fails `instanceof`.
  const signal = value as Partial<AbortSignal> | null;
  return typeof signal === 'object' && signal !== null && typeof signal.aborted === 'boolean' && typeof signal.addEventListener === 'function';
}
