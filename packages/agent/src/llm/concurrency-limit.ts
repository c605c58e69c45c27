import type { Layer } from '@rb/http-pool';

interface Waiter {
  resolve: () => void;
  signal: AbortSignal;
  onAbort: () => void;
}

/**
 * At most `limit` calls at once, the others waiting in arrival order, as a request layer of `@rb/http-pool`. A waiter
 * whose signal aborts (the caller's, or the pool's deadline) leaves the queue at once with the signal's reason, so a
 * cancelled run never holds a place in front of live ones.
 */
export class ConcurrencyLimit {
  #active = 0;
  readonly #queue: Waiter[] = [];

  constructor(readonly limit: number) {}

  /** Calls holding a slot now. */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * The layer: inside the pool's deadline and outside its retries, so a call holds one slot through all its
   * attempts, and a streamed answer holds it until its body is finished.
   */
  layer(): Layer {
    return (next) => async (request, context) => {
      await this.#acquire(context.signal);
      let response;
      try {
        response = await next(request, context);
      } catch (error) {
        this.#release();
        throw error;
      }
      if (request.responseType === 'stream') void response.done().then(() => this.#release());
      else this.#release();
      return response;
    };
  }

  #acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.limit) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        signal,
        onAbort: () => {
          const at = this.#queue.indexOf(waiter);
          if (at !== -1) this.#queue.splice(at, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next === undefined) {
      this.#active--;
      return;
    }
    // The slot passes straight to the next waiter: `active` stays the same.
    next.signal.removeEventListener('abort', next.onAbort);
    next.resolve();
  }
}
