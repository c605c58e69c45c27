/** Statuses retried for every method: the server did not act on the request, or asks to come back later. */
const RETRY_ANY_METHOD = new Set([408, 429, 502, 503, 504]);

/** Methods a server may receive twice without a second effect (RFC 9110, section 9.2.2). */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

// Failures that happen before a byte of the request reached the server: safe to retry for every method.
const BEFORE_SEND_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

// Failures after the request may have been received and processed: retried only for idempotent requests.
const AFTER_SEND_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  // The server closed the connection before the body it announced was complete.
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method);
}

/** Whether a response status may be retried, given whether the request is safe to repeat. */
export function isRetryableStatus(status: number, idempotent: boolean): boolean {
  return RETRY_ANY_METHOD.has(status) || (status === 500 && idempotent);
}

/**
 * Whether a network error may be retried. Unknown errors (a TLS certificate rejected, a bug) are not: repeating them
 * cannot help.
 */
export function isRetryableNetworkError(error: unknown, idempotent: boolean): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return BEFORE_SEND_CODES.has(code) || (idempotent && AFTER_SEND_CODES.has(code));
}

/** Full-jitter exponential backoff: a uniform draw in [0, min(cap, base * 2^(retry-1))). `retry` counts from 1. */
export function backoffDelayMs(retry: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * The wait a response asks for, in milliseconds: `retry-after-ms` (OpenAI, Azure) first, then `Retry-After` as
 * seconds or an HTTP date. Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfterMs(
  headers: Record<string, string | string[] | undefined>,
  nowMs: number,
): number | undefined {
  const msValue = first(headers['retry-after-ms'])?.trim();
  if (msValue) {
    const ms = Number(msValue);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  const value = first(headers['retry-after'])?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
