import type { ConnectionOptions } from 'node:tls';

/** Backoff between attempts. */
export interface RetryOptions {
  /** Ceiling of the first backoff, in ms; each retry doubles it (full jitter draws below it). Defaults to `500`. */
  baseDelayMs?: number;
  /** Largest backoff ceiling, in ms. Defaults to `8000`. */
  maxDelayMs?: number;
  /**
   * Longest `Retry-After` / `retry-after-ms` the pool waits for, in ms. A response asking for more fails at once
   * (a quota reset an hour away is not worth holding a request open). Defaults to `60000`.
   */
  maxRetryAfterMs?: number;
}

/** Options of {@link APIConnectionPool}. Times are milliseconds (the seed's `timeout=120` seconds is `120_000`). */
export interface APIConnectionPoolOptions {
  /** Most connections kept open per origin (scheme + host + port); more requests wait in a queue. Defaults to `10`. */
  poolSize?: number;
  /** Retries after the first attempt, for failures the retry policy allows. Defaults to `3`. */
  maxRetries?: number;
  /** Overall deadline of one logical request, all attempts and backoff waits included, in ms. Defaults to `120000`. */
  timeout?: number;
  /** Time to open a connection (TCP + TLS), per attempt, in ms. Defaults to `10000`. */
  connectTimeout?: number;
  /**
   * Time from sending a request to receiving the response headers, per attempt, in ms. A non-streaming LLM call
   * generates its whole answer first, so this is long by default. Defaults to `timeout`.
   */
  headersTimeout?: number;
  /** Longest silence between two chunks of a response body, in ms. Defaults to `timeout`. */
  bodyTimeout?: number;
  /** How long an idle connection stays open for reuse, in ms. Defaults to `4000` (undici's). */
  keepAliveTimeout?: number;
  /** Bytes of an error response body kept in {@link HttpError.responseBody}. Defaults to `4096`. */
  maxErrorBodyBytes?: number;
  /** Backoff settings. Defaults to `{ baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60000 }`. */
  retry?: RetryOptions;
  /** TLS settings for `https:` origins, e.g. `{ ca }` for a private certificate authority. Defaults to Node's. */
  tls?: Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
  /** Headers sent with every request; a request's own headers win. Defaults to none. */
  headers?: Record<string, string>;
  /** Uniform random number in [0, 1) for the backoff jitter; inject for tests. Defaults to `Math.random`. */
  random?: () => number;
  /**
   * Waits `ms` before a retry; must reject when `signal` aborts. Inject for tests. Defaults to a timer.
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Wall clock in ms, used to turn a `Retry-After` date into a wait. Defaults to `Date.now`. */
  now?: () => number;
}

/** One request. */
export interface RequestOptions {
  /** HTTP method. Defaults to `GET` (`POST` for {@link APIConnectionPool.post}). */
  method?: string;
  /** A value sent as JSON (sets `content-type: application/json`). Exclusive with `body`. */
  json?: unknown;
  /** A raw body. Exclusive with `json`. */
  body?: string | Uint8Array;
  /** Request headers, lower- or mixed-case. */
  headers?: Record<string, string>;
  /**
   * Whether the server may receive this request twice without harm, which allows retrying a 500 or a connection
   * reset after sending. Defaults to `true` for GET, HEAD, OPTIONS, TRACE, PUT, DELETE and when `idempotencyKey` (or
   * an `Idempotency-Key` header) is set; `false` otherwise (POST, PATCH), so an LLM call is never billed twice.
   */
  idempotent?: boolean;
  /** Sent as the `Idempotency-Key` header, the same on every attempt; makes the request idempotent. */
  idempotencyKey?: string;
  /** Cancels the request, its retries and its backoff waits. */
  signal?: AbortSignal;
  /** Overrides the pool's `timeout` for this request, in ms. */
  timeout?: number;
}
