import type { Span } from '@opentelemetry/api';
import type { PoolRequest, RequestContext } from './layer.js';

/** Something in progress that the deadline or the caller's signal can stop: an attempt, a backoff wait. */
export interface Cancellable {
  cancel(reason: Error): void;
}

/**
 * The {@link RequestContext} of one logical request, with the cancellation plumbing the built-in layers share. No
 * AbortController unless someone reads `signal`: the deadline and the caller's signal call `cancel()`, which reaches
 * whatever is in progress (an attempt, a backoff wait, a streamed body) through the one `onCancel` slot.
 */
export class RequestState implements RequestContext {
  attempts = 0;
  deadline = Infinity;
  /** Set once the request is cancelled: the pool's `TIMEOUT` (deadline) or `ABORTED` error. */
  reason: Error | undefined = undefined;
  /** What to stop when the request is cancelled; whoever waits sets it and clears it when done. */
  onCancel: Cancellable | undefined = undefined;
  /** The request's span while it is recording, for per-attempt events. */
  span: Span | undefined = undefined;
  #controller: AbortController | undefined = undefined;

  constructor(readonly request: PoolRequest) {}

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.reason) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  cancel(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.onCancel?.cancel(reason);
    this.#controller?.abort(reason);
  }
}
