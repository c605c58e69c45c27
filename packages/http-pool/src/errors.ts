const MARKER = Symbol.for('@rb/http-pool.HttpPoolError');
const HTTP_ERROR = Symbol.for('@rb/http-pool.HttpError');
const TIMEOUT_ERROR = Symbol.for('@rb/http-pool.TimeoutError');
const NETWORK_ERROR = Symbol.for('@rb/http-pool.NetworkError');

/**
 * What went wrong, as a stable string a caller can switch on.
 * - `INVALID_OPTIONS`: an option of `APIConnectionPool` has the wrong type or value.
 * - `INVALID_REQUEST`: a request was malformed (bad URL, both `json` and `body`, an empty idempotency key...).
 * - `HTTP_ERROR`: the server answered with status >= 400 ({@link HttpError}).
 * - `TIMEOUT`: the overall deadline, or a connect / headers / body timeout, expired ({@link TimeoutError}).
 * - `NETWORK_ERROR`: the connection failed (refused, DNS, reset); the network error is the `cause` ({@link NetworkError}).
 * - `ABORTED`: the caller's `AbortSignal` fired; its reason is the `cause`.
 * - `INVALID_RESPONSE`: a body expected to be JSON did not parse.
 * - `CLOSED`: the pool was closed before the request started.
 */
export type HttpPoolErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_REQUEST'
  | 'HTTP_ERROR'
  | 'TIMEOUT'
  | 'NETWORK_ERROR'
  | 'ABORTED'
  | 'INVALID_RESPONSE'
  | 'CLOSED';

/** Where a request failed: what a caller needs to log it or decide about it. */
export interface RequestContext {
  method: string;
  /** The URL requested, with credentials and secret-looking query values replaced by `REDACTED`. */
  url: string;
  /** Attempts made, the first one included. */
  attempts: number;
  /** Whether the failure was one the retry policy retries; true after retries ran out on such a failure. */
  retryable: boolean;
}

/** The one error type `@rb/http-pool` throws; the subclasses carry typed context. */
export class HttpPoolError extends Error {
  override readonly name: string = 'HttpPoolError';
  readonly code: HttpPoolErrorCode;
  readonly [MARKER] = true;

  constructor(code: HttpPoolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** Works across two copies of this package, where `instanceof` does not. */
  static isInstance(error: unknown): error is HttpPoolError {
    return marked(error, MARKER);
  }
}

/** A request that failed after it started: carries the {@link RequestContext} every such failure has. */
abstract class RequestError extends HttpPoolError implements RequestContext {
  readonly method: string;
  readonly url: string;
  readonly attempts: number;
  readonly retryable: boolean;

  constructor(code: HttpPoolErrorCode, context: RequestContext, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.method = context.method;
    this.url = context.url;
    this.attempts = context.attempts;
    this.retryable = context.retryable;
  }
}

/** The server answered with a status >= 400 (after any retries the policy allowed). */
export class HttpError extends RequestError {
  override readonly name = 'HttpError';
  readonly [HTTP_ERROR] = true;

  static override isInstance(error: unknown): error is HttpError {
    return marked(error, HTTP_ERROR);
  }

  readonly status: number;
  /** The start of the response body, decoded as UTF-8 and cut to `maxErrorBodyBytes`. */
  readonly responseBody: string;
  readonly headers: Record<string, string | string[] | undefined>;

  constructor(
    context: RequestContext & {
      status: number;
      responseBody: string;
      headers: Record<string, string | string[] | undefined>;
    },
  ) {
    super(
      'HTTP_ERROR',
      context,
      `${context.method} ${context.url} failed with status ${context.status} after ${plural(context.attempts)}`,
    );
    this.status = context.status;
    this.responseBody = context.responseBody;
    this.headers = context.headers;
  }
}

/** Which limit expired: the overall deadline across retries, or one of undici's per-attempt timeouts. */
export type TimeoutPhase = 'deadline' | 'connect' | 'headers' | 'body';

/** A deadline or a per-attempt timeout expired. For a per-attempt timeout, undici's error is the `cause`. */
export class TimeoutError extends RequestError {
  override readonly name = 'TimeoutError';
  readonly [TIMEOUT_ERROR] = true;

  static override isInstance(error: unknown): error is TimeoutError {
    return marked(error, TIMEOUT_ERROR);
  }

  readonly phase: TimeoutPhase;
  /** The limit that expired, in milliseconds. */
  readonly timeoutMs: number;

  constructor(context: RequestContext & { phase: TimeoutPhase; timeoutMs: number }, options?: { cause?: unknown }) {
    super(
      'TIMEOUT',
      context,
      `${context.method} ${context.url}: ${context.phase} timeout of ${context.timeoutMs} ms expired after ${plural(context.attempts)}`,
      options,
    );
    this.phase = context.phase;
    this.timeoutMs = context.timeoutMs;
  }
}

/** The connection failed; the original error (with its `code`, e.g. `ECONNREFUSED`) is the `cause`. */
export class NetworkError extends RequestError {
  override readonly name = 'NetworkError';
  readonly [NETWORK_ERROR] = true;

  static override isInstance(error: unknown): error is NetworkError {
    return marked(error, NETWORK_ERROR);
  }

  constructor(context: RequestContext, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('NETWORK_ERROR', context, `${context.method} ${context.url} failed after ${plural(context.attempts)}: ${detail}`, {
      cause,
    });
  }
}

function marked(error: unknown, marker: symbol): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
}

function plural(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}
