import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { HttpError, HttpPoolError, NetworkError, TimeoutError, type TimeoutPhase } from './errors.js';
import { HttpResponse, PARSE_JSON } from './http-response.js';
import type { PoolRequest, Send } from './layer.js';
import type { Cancellable, RequestState } from './request-state.js';
import { isRetryableNetworkError, isRetryableStatus } from './retry-policy.js';

/** What one attempt needs to know beyond the request. */
export interface TransportSettings {
  maxErrorBodyBytes: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

// An error body is read to its end, so the connection can be reused, unless it is longer than this: then the
// connection is dropped instead (a 50 MB error page costs a reconnect, not our memory).
const ERROR_BODY_DRAIN_BYTES = 64 * 1024;

const UNDICI_TIMEOUTS: Readonly<Record<string, Exclude<TimeoutPhase, 'deadline'>>> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
};

/**
 * The innermost step: one attempt over undici's dispatcher, with a handler of our own rather than `request()`, so an
 * attempt allocates no AbortSignal, no async resource and, for a body read inside the request, no stream.
 */
export function transport(dispatcher: Dispatcher, settings: TransportSettings): Send {
  return (request, context) => {
    const state = context as RequestState;
    if (state.reason) return Promise.reject(state.reason);
    state.attempts++;
    return new Promise<HttpResponse>((resolve, reject) => {
      const handler = new AttemptHandler(request, state, settings, resolve, reject);
      state.onCancel = handler;
      dispatcher.dispatch(
        { origin: request.origin, path: request.path, method: request.method as Dispatcher.HttpMethod, headers: request.headers, body: request.body },
        handler,
      );
    });
  };
}

class AttemptHandler implements Dispatcher.DispatchHandler, Cancellable {
  #controller: Dispatcher.DispatchController | undefined = undefined;
  #resolve: ((response: HttpResponse) => void) | undefined;
  #reject: ((error: Error) => void) | undefined;
  #cancelled: Error | undefined = undefined;
  #finished = false;
  #status = 0;
  #headers: Record<string, string | string[] | undefined> = {};
  #chunks: Buffer[] = [];
  #kept = 0;
  #received = 0;
  #stream: Readable | undefined = undefined;

  constructor(
    private readonly request: PoolRequest,
    private readonly state: RequestState,
    private readonly settings: TransportSettings,
    resolve: (response: HttpResponse) => void,
    reject: (error: Error) => void,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** The deadline or the caller's signal: settle at once, even while the request still waits for a connection. */
  cancel(reason: Error): void {
    this.#cancelled = reason;
    this.#fail(reason);
    if (this.#controller && !this.#finished) this.#controller.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#cancelled) controller.abort(this.#cancelled);
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    if (status < 200) return; // 1xx informational: the real response follows
    this.#status = status;
    this.#headers = headers;
    if (status >= 400 || this.request.responseType === 'json') return;
    const stream = new Readable({
      read: () => controller.resume(),
      destroy: (error, callback) => {
        // The reader stopped early (or we failed it): the rest of the body is not wanted, so neither is the request.
        if (!this.#finished) {
          this.#finished = true;
          controller.abort(error ?? new Error('the response body was destroyed before its end'));
        }
        this.#release();
        callback(error);
      },
    });
    this.#stream = stream;
    this.#succeed(new HttpResponse({ status, headers, url: this.request.redactedUrl, attempts: this.state.attempts, body: stream }));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#stream) {
      if (!this.#stream.push(chunk)) controller.pause();
      return;
    }
    if (this.#status < 400) {
      this.#chunks.push(chunk);
      return;
    }
    this.#received += chunk.length;
    const room = this.settings.maxErrorBodyBytes - this.#kept;
    if (room > 0) {
      this.#chunks.push(room >= chunk.length ? chunk : chunk.subarray(0, room));
      this.#kept += Math.min(room, chunk.length);
    }
    if (this.#received > ERROR_BODY_DRAIN_BYTES) {
      this.#finished = true;
      this.#fail(this.#httpError());
      controller.abort(new Error('error body too long to drain'));
    }
  }

  onResponseEnd(): void {
    this.#finished = true;
    if (this.#stream) {
      this.#stream.push(null);
      return;
    }
    if (this.#status >= 400) this.#fail(this.#httpError());
    else {
      const body = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
      const response = new HttpResponse({ status: this.#status, headers: this.#headers, url: this.request.redactedUrl, attempts: this.state.attempts, body });
      try {
        response[PARSE_JSON]();
      } catch (error) {
        this.#fail(error as Error);
        return;
      }
      this.#succeed(response);
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, cause: Error): void {
    this.#finished = true;
    const error = this.#cancelled ?? this.#toError(cause);
    if (this.#stream) this.#stream.destroy(error);
    else this.#fail(error);
  }

  #succeed(response: HttpResponse): void {
    const resolve = this.#resolve;
    this.#resolve = this.#reject = undefined;
    // A streamed body stays cancellable by the deadline and the caller's signal until it ends.
    if (!this.#stream) this.#release();
    resolve?.(response);
  }

  #fail(error: Error): void {
    const reject = this.#reject;
    this.#resolve = this.#reject = undefined;
    if (reject) {
      this.#release();
      reject(error);
    }
  }

  #release(): void {
    if (this.state.onCancel === this) this.state.onCancel = undefined;
  }

  #httpError(): HttpError {
    const body = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    return new HttpError({
      method: this.request.method,
      url: this.request.redactedUrl,
      attempts: this.state.attempts,
      isRetryable: isRetryableStatus(this.#status, this.request.idempotent),
      status: this.#status,
      responseBody: body.toString('utf8'),
      headers: this.#headers,
    });
  }

  #toError(cause: Error): Error {
    if (HttpPoolError.isInstance(cause)) return cause;
    const { method, redactedUrl: url, idempotent } = this.request;
    const code = (cause as { code?: unknown }).code;
    if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED' || code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') {
      // What undici refuses to send (a header it manages itself, such as `connection` or `expect`, or a
      // content-length that is not the body's) is bad input.
      return new HttpPoolError({ code: 'INVALID_REQUEST', message: `${method} ${url} cannot be sent: ${cause.message}`, cause });
    }
    const context = { method, url, attempts: this.state.attempts, isRetryable: isRetryableNetworkError(cause, idempotent), cause };
    const phase = typeof code === 'string' ? UNDICI_TIMEOUTS[code] : undefined;
    if (phase === undefined) return new NetworkError(context);
    const s = this.settings;
    const timeoutMs = phase === 'connect' ? s.connectTimeoutMs : phase === 'headers' ? s.headersTimeoutMs : s.bodyTimeoutMs;
    return new TimeoutError({ ...context, phase, timeoutMs });
  }
}
