import type { HttpResponse } from './http-response.js';

/** A validated request, as layers see it. Treat it as immutable: a layer that changes it passes a copy to `next`. */
export interface PoolRequest {
  /** Upper-case method name. */
  readonly method: string;
  /** `https://host:port` */
  readonly origin: string;
  /** Path and query, e.g. `/v1/chat/completions?stream=true`. */
  readonly path: string;
  /** The URL with user info, secret-looking query values and the fragment replaced by `REDACTED`, for logs. */
  readonly redactedUrl: string;
  /** Lower-case names; the pool's default headers, then the request's own. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array | undefined;
  /** Whether the server may receive it twice without harm; decides what the retry layer may repeat. */
  readonly idempotent: boolean;
  /** Deadline of the whole logical request, in ms. */
  readonly timeoutMs: number;
  /** The caller's signal, if any. Layers that wait should use {@link RequestContext.signal}, which also ends at the deadline. */
  readonly signal: AbortSignal | undefined;
  /**
   * `'json'`: the body is read and parsed inside the request (`requestJson` and friends), so a failure while reading
   * it is retried like one before and a body that is not JSON fails the request; `'stream'`: the response is handed
   * over as soon as its headers arrive and its body streams on.
   */
  readonly responseType: 'json' | 'stream';
}

/** The state of one logical request, shared by every layer and every attempt of it. */
export interface RequestContext {
  /** Attempts handed to undici so far; an attempt layer sees the count before its own attempt. */
  readonly attempts: number;
  /** When the deadline passes, on the `performance.now()` clock. */
  readonly deadline: number;
  /**
   * Aborts when the caller's signal fires or the deadline passes, with the pool's `ABORTED` or `TIMEOUT` error as its
   * reason. Made on first read: a layer that never waits costs nothing here.
   */
  readonly signal: AbortSignal;
}

/**
 * One step of a request: resolves with the response (status < 400) or rejects with an `HttpPoolError`. For a `json`
 * request the body is already read and parsed; otherwise it streams on.
 */
export type Send = (request: PoolRequest, context: RequestContext) => Promise<HttpResponse>;

/**
 * A stackable layer, as undici's interceptors are: it receives the next step and returns a step that does something
 * around it (waits for a slot, adds a header, measures, retries). Layers are composed once, when the pool is made.
 *
 * ```ts
 * const limit = (max: number): Layer => (next) => {
 *   const queue = pLimit(max);
 *   return (request, context) => queue(() => next(request, context));
 * };
 * ```
 */
export type Layer = (next: Send) => Send;

/** Stacks `layers` over `inner`, the first outermost: it sees the request first and the outcome last. */
export function compose(layers: readonly Layer[], inner: Send): Send {
  let send = inner;
  for (let i = layers.length - 1; i >= 0; i--) send = layers[i]!(send);
  return send;
}
