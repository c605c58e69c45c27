import { RbError } from '@rb/errors';

/**
 * What went wrong, as a stable string a caller can switch on.
 * - `INVALID_OPTIONS`: an option of `APIConnectionPool` has the wrong type or value (`field` names it).
 * - `INVALID_REQUEST`: a request was malformed: bad URL, both `json` and `body`, a `json` value that cannot be
 *   serialised, a bad header name or value, method `CONNECT`... (`field` names it). Nothing was sent.
 * - `HTTP_ERROR`: the server answered with status >= 400 ({@link HttpError}).
 * - `TIMEOUT`: the overall deadline, or a connect / headers / body timeout, expired ({@link TimeoutError}).
 * - `NETWORK_ERROR`: the connection failed (refused, DNS, reset, closed mid-body); the network error is the `cause`
 *   ({@link NetworkError}).
 * - `ABORTED`: the caller's `AbortSignal` fired; its reason is the `cause`.
 * - `INVALID_RESPONSE`: a body expected to be JSON did not parse.
 * - `BODY_USED`: a response body was read a second time.
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
  | 'BODY_USED'
  | 'CLOSED';

/** The one error type `@rb/http-pool` throws; the subclasses carry typed context. */
export class HttpPoolError extends RbError<HttpPoolErrorCode> {
  static override readonly kind: string = '@rb/http-pool.HttpPoolError';
  override readonly name: string = 'HttpPoolError';
}

/** Where a request failed, as every {@link RequestError} reports it. */
export interface RequestErrorContext {
  method: string;
  /** The URL requested, with user info, secret-looking query values and the fragment replaced by `REDACTED`. */
  url: string;
  /** Attempts made, the first one included. */
  attempts: number;
  /**
   * Whether the failure is one the retry policy retries (for this method and idempotency); still true when retries
   * ran out on such a failure. Defaults to `false`.
   */
  isRetryable?: boolean;
  cause?: unknown;
}

/** A request that failed after it started: `method`, redacted `url` and `attempts`, and whether it is retryable. */
export abstract class RequestError extends HttpPoolError {
  static override readonly kind: string = '@rb/http-pool.RequestError';
  readonly method: string;
  readonly url: string;
  readonly attempts: number;

  constructor(code: HttpPoolErrorCode, context: RequestErrorContext, message: string) {
    super({ code, message, isRetryable: context.isRetryable ?? false, cause: context.cause });
    this.method = context.method;
    this.url = context.url;
    this.attempts = context.attempts;
  }
}

/** The server answered with a status >= 400 (after any retries the policy allowed). */
export class HttpError extends RequestError {
  static override readonly kind: string = '@rb/http-pool.HttpError';
  override readonly name: string = 'HttpError';
  readonly status: number;
  /** The start of the response body, decoded as UTF-8 and cut to `maxErrorBodyBytes`. */
  readonly responseBody: string;
  readonly headers: Record<string, string | string[] | undefined>;

  constructor(
    context: RequestErrorContext & {
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
  static override readonly kind: string = '@rb/http-pool.TimeoutError';
  override readonly name: string = 'TimeoutError';
  readonly phase: TimeoutPhase;
  /** The limit that expired, in milliseconds. */
  readonly timeoutMs: number;

  constructor(context: RequestErrorContext & { phase: TimeoutPhase; timeoutMs: number }) {
    super(
      'TIMEOUT',
      context,
      `${context.method} ${context.url}: ${context.phase} timeout of ${context.timeoutMs} ms expired after ${plural(context.attempts)}`,
    );
    this.phase = context.phase;
    this.timeoutMs = context.timeoutMs;
  }
}

/** The connection failed; the original error (with its `code`, e.g. `ECONNREFUSED`) is the `cause`. */
export class NetworkError extends RequestError {
  static override readonly kind: string = '@rb/http-pool.NetworkError';
  override readonly name: string = 'NetworkError';

  constructor(context: RequestErrorContext) {
    const { cause } = context;
    const code = (cause as { code?: unknown } | null)?.code;
    // undici's messages name a host and port at most ("connect ECONNREFUSED 127.0.0.1:8080"), never the URL.
    const message = cause instanceof Error ? cause.message.slice(0, 200) : '';
    const detail = [typeof code === 'string' ? code : 'unknown error', message && `(${message})`].filter(Boolean).join(' ');
    super('NETWORK_ERROR', context, `${context.method} ${context.url} failed after ${plural(context.attempts)}: ${detail}`);
  }
}

function plural(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}
