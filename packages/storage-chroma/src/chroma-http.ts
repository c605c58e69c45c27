import { MemoryError } from '@rb/memory';
import { Pool } from 'undici';
import { ChromaResponseError } from './errors.js';
import { telemetry } from './telemetry.js';

/** Where and how to reach Chroma, as resolved from the options (credentials already moved into `headers`). */
export interface ChromaConnection {
  /** Origin and base path, without credentials, query or fragment, no trailing slash. */
  baseUrl: URL;
  /** The URL as errors, spans and `health()` show it: user info redacted. */
  displayUrl: string;
  /** Sent with every request (an `authorization` header made from the URL's credentials included). */
  headers: Record<string, string>;
  requestTimeoutMs: number;
  tenant: string;
  database: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);
// A kept-alive connection the server closed while idle fails the next request at once; every Chroma call this
// package makes is idempotent (get, query, upsert, delete, get-or-create), so one more try is safe.
const RETRY_ONCE = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const MAX_ERROR_BODY = 4096;

/**
 * The one way this package talks to Chroma: its REST API (v2) over a keep-alive undici pool, with a deadline on every
 * request (`requestTimeoutMs`, also enforced while reading the body), the credentials of the URL sent as a Basic
 * `authorization` header and never shown, and every failure mapped to a `MemoryError`: `BACKEND_TIMEOUT` and
 * `BACKEND_UNAVAILABLE` (retryable), `MODEL_MISMATCH` for vectors of the wrong length, `BACKEND_ERROR` otherwise.
 *
 * chromadb's JS client has no per-call deadline or cancellation (a stopped server holds each call for undici's
 * 300 s default), drops the credentials of a URL, and goes through the global fetch; hence this small layer.
 */
export class ChromaHttp {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly server: { 'server.address': string; 'server.port': number };
  private readonly counts = new Map<string, number>();

  constructor(readonly connection: ChromaConnection) {
    const { baseUrl, requestTimeoutMs } = connection;
    this.pool = new Pool(baseUrl.origin, {
      connections: 32,
      headersTimeout: requestTimeoutMs,
      bodyTimeout: requestTimeoutMs,
      connectTimeout: Math.min(requestTimeoutMs, 10_000),
    });
    this.basePath = baseUrl.pathname.replace(/\/+$/, '');
    this.server = { 'server.address': baseUrl.hostname, 'server.port': Number(baseUrl.port || (baseUrl.protocol === 'https:' ? 443 : 80)) };
  }

  /** Path of the configured database, e.g. `/api/v2/tenants/default_tenant/databases/default_database`. */
  get databasePath(): string {
    const { tenant, database } = this.connection;
    return `/api/v2/tenants/${encodeURIComponent(tenant)}/databases/${encodeURIComponent(database)}`;
  }

  /**
   * One request; resolves with the parsed JSON body. With `allowNotFound`, a 404 resolves with `undefined` instead of
   * throwing. `signal` is the caller's cancellation (`ABORTED`), on top of the deadline.
   */
  async request<T>(
    operation: string,
    method: Method,
    path: string,
    body?: unknown,
    options: { allowNotFound?: boolean; signal?: AbortSignal } = {},
  ): Promise<T | undefined> {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
    return telemetry.withSpan(`chroma ${operation}`, { 'db.system.name': 'chromadb', 'db.operation.name': operation, ...this.server }, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.once<T>(operation, method, path, body, options);
        } catch (error) {
          const code = (error as { cause?: { code?: string } }).cause?.code;
          if (attempt === 1 && code !== undefined && RETRY_ONCE.has(code) && !options.signal?.aborted) continue;
          throw error;
        }
      }
    });
  }

  /** Requests sent so far, by operation. */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async once<T>(
    operation: string,
    method: Method,
    path: string,
    body: unknown,
    options: { allowNotFound?: boolean; signal?: AbortSignal },
  ): Promise<T | undefined> {
    const { requestTimeoutMs, displayUrl } = this.connection;
    const deadline = AbortSignal.timeout(requestTimeoutMs);
    const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
    try {
      const response = await this.pool.request({
        method,
        path: this.basePath + path,
        headers: body === undefined ? this.connection.headers : { ...this.connection.headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
      if (response.statusCode >= 400) {
        const text = await readBounded(response.body);
        if (response.statusCode === 404 && options.allowNotFound) return undefined;
        throw this.responseError(operation, response.statusCode, text);
      }
      return (await response.body.json()) as T;
    } catch (error) {
      if (MemoryError.isInstance(error)) throw error;
      if (options.signal?.aborted) {
        throw new MemoryError({ code: 'ABORTED', message: `Chroma ${operation} was cancelled by the caller`, cause: options.signal.reason });
      }
      if (deadline.aborted || /^UND_ERR_(HEADERS|BODY)_TIMEOUT$/.test(String((error as { code?: unknown }).code))) {
        throw new MemoryError({
          code: 'BACKEND_TIMEOUT',
          message: `Chroma at ${displayUrl} did not answer ${operation} within ${requestTimeoutMs} ms (requestTimeoutMs)`,
          cause: error,
        });
      }
      const code = String((error as { code?: unknown }).code ?? '');
      if (UNAVAILABLE.has(code)) {
        throw new MemoryError({
          code: 'BACKEND_UNAVAILABLE',
          message: `no Chroma server answered at ${displayUrl} (${code}): start one with startChroma({ path }), or point url / CHROMA_URL at a running server`,
          cause: error,
        });
      }
      throw new MemoryError({ code: 'BACKEND_ERROR', message: `Chroma ${operation} at ${displayUrl} failed: ${messageOf(error)}`, cause: error });
    }
  }

  private responseError(operation: string, status: number, text: string): MemoryError {
    let chromaError = '';
    let message = text.slice(0, 500);
    try {
      const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
      if (typeof parsed.error === 'string') chromaError = parsed.error;
      if (typeof parsed.message === 'string') message = parsed.message.slice(0, 500);
    } catch {
      // Not JSON (a proxy's error page): the text is the message.
    }
    const cause = new ChromaResponseError(status, chromaError, message);
    const where = `Chroma ${operation} at ${this.connection.displayUrl}`;
    if (/expecting embedding with dimension/i.test(message)) {
      return new MemoryError({ code: 'MODEL_MISMATCH', message: `${where} refused the vectors: ${message}`, cause });
    }
    if (status === 401 || status === 403) {
      return new MemoryError({ code: 'BACKEND_ERROR', message: `${where} refused the credentials (HTTP ${status}); check the url's user info or the headers option`, cause });
    }
    if (status === 429 || status === 502 || status === 503 || status === 504) {
      return new MemoryError({ code: 'BACKEND_UNAVAILABLE', message: `${where} is unavailable (HTTP ${status}): ${message}`, cause });
    }
    return new MemoryError({ code: 'BACKEND_ERROR', message: `${where} failed (HTTP ${status}${chromaError ? ` ${chromaError}` : ''}): ${message}`, cause });
  }
}

async function readBounded(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < MAX_ERROR_BODY) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
