import { HttpPoolError, TimeoutError } from './errors.js';
import { ON_BODY_DONE } from './http-response.js';
import type { Layer } from './layer.js';
import type { RequestState } from './request-state.js';

/**
 * Bounds the whole logical request (attempts, backoff waits, a streamed body) by `request.timeoutMs`, and stops it
 * when the caller's signal fires. One timer per request and a listener only when there is a signal: no
 * AbortController unless a layer asks for `context.signal`.
 */
export function deadlineLayer(): Layer {
  return (next) => async (request, context) => {
    const state = context as RequestState;
    state.deadline = performance.now() + request.timeoutMs;
    const timer = setTimeout(expire, request.timeoutMs, state);
    // A response whose body is never read must not keep the process alive until the deadline.
    timer.unref();
    const { signal } = request;
    let onAbort: (() => void) | undefined;
    if (signal) {
      onAbort = () => state.cancel(aborted(state, signal));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    let handedOver = false;
    try {
      const response = await next(request, context);
      handedOver = true;
      // A streamed body still runs under the deadline and the signal; both stop once it is done with.
      response[ON_BODY_DONE](() => release(timer, signal, onAbort));
      return response;
    } finally {
      if (!handedOver) release(timer, signal, onAbort);
    }
  };
}

function expire(state: RequestState): void {
  const { method, redactedUrl: url, timeoutMs } = state.request;
  state.cancel(new TimeoutError({ method, url, attempts: state.attempts, phase: 'deadline', timeoutMs }));
}

function aborted(state: RequestState, signal: AbortSignal): HttpPoolError {
  const { method, redactedUrl } = state.request;
  return new HttpPoolError({ code: 'ABORTED', message: `${method} ${redactedUrl} was aborted`, cause: signal.reason });
}

function release(timer: NodeJS.Timeout, signal: AbortSignal | undefined, onAbort: (() => void) | undefined): void {
  clearTimeout(timer);
  if (onAbort) signal!.removeEventListener('abort', onAbort);
}
