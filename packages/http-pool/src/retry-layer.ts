import { RbError } from '@rb/errors';
import { HttpError } from './errors.js';
import type { Layer } from './layer.js';
import type { Cancellable, RequestState } from './request-state.js';
import { backoffDelayMs, parseRetryAfterMs } from './retry-policy.js';

/** How the retry layer decides and waits. */
export interface RetrySettings {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  random: () => number;
  now: () => number;
  /** An injected wait (tests); the default is a timer the deadline and the caller's signal can stop. */
  sleep: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
}

/**
 * Repeats a failed attempt when the failure says it may be repeated (`isRetryable`, which the transport sets from the
 * retry policy and the request's idempotency), up to `maxRetries` times, waiting for `Retry-After` or a full-jitter
 * backoff, and never past the deadline. Records each failed attempt, and the success that follows a retry, as an
 * `http.attempt` event on the request's span.
 */
export function retryLayer(settings: RetrySettings, onRetry: () => void): Layer {
  return (next) => async (request, context) => {
    const state = context as RequestState;
    for (let retries = 0; ; retries++) {
      try {
        const response = await next(request, context);
        // A first attempt that succeeds says nothing the span does not: its event would only cost time per request.
        if (retries > 0) state.span?.addEvent('http.attempt', { 'http.request.resend_count': retries, 'http.response.status_code': response.status });
        return response;
      } catch (error) {
        const wait = retryWait(error, retries, state, settings);
        state.span?.addEvent('http.attempt', {
          'http.request.resend_count': retries,
          ...(HttpError.isInstance(error) ? { 'http.response.status_code': error.status } : { 'error.type': errorType(error) }),
          ...(wait === undefined ? {} : { 'rb.http.retry_wait_ms': wait }),
        });
        if (wait === undefined) throw error;
        onRetry();
        await backoff(wait, state, settings.sleep);
      }
    }
  };
}

/** The wait before the next attempt, or `undefined` when the failure must be reported now. */
function retryWait(error: unknown, retries: number, state: RequestState, s: RetrySettings): number | undefined {
  if (state.reason || retries >= s.maxRetries || !RbError.isInstance(error) || !error.isRetryable) return undefined;
  const asked = HttpError.isInstance(error) ? parseRetryAfterMs(error.headers, s.now()) : undefined;
  if (asked !== undefined && asked > s.maxRetryAfterMs) return undefined;
  const wait = asked ?? backoffDelayMs(retries + 1, s.baseDelayMs, s.maxDelayMs, s.random);
  return performance.now() + wait >= state.deadline ? undefined : wait;
}

async function backoff(ms: number, state: RequestState, sleep: RetrySettings['sleep']): Promise<void> {
  if (!sleep) return timer(ms, state);
  try {
    await sleep(ms, state.signal);
  } catch (error) {
    throw state.reason ?? error;
  }
  if (state.reason) throw state.reason;
}

function timer(ms: number, state: RequestState): Promise<void> {
  if (state.reason) return Promise.reject(state.reason);
  return new Promise((resolve, reject) => {
    const waiter: Cancellable = {
      cancel(reason) {
        clearTimeout(handle);
        reject(reason);
      },
    };
    const handle = setTimeout(() => {
      if (state.onCancel === waiter) state.onCancel = undefined;
      resolve();
    }, ms);
    state.onCancel = waiter;
  });
}

/** `error.type` of a failed attempt: the network error's own code (`ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`), else ours. */
export function errorType(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
}
