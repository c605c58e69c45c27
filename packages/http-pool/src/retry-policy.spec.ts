import fc from 'fast-check';
import {
  backoffDelayMs,
  isIdempotentMethod,
  isRetryableNetworkError,
  isRetryableStatus,
  parseRetryAfterMs,
} from './retry-policy.js';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('retry policy', () => {
  it.each([
    [408, false, true],
    [429, false, true],
    [502, false, true],
    [503, false, true],
    [504, false, true],
    [500, false, false],
    [500, true, true],
    [400, true, false],
    [401, true, false],
    [404, true, false],
    [409, true, false],
    [422, true, false],
    [501, true, false],
  ])('status %i, idempotent %s -> retry %s', (status, idempotent, expected) => {
    expect(isRetryableStatus(status, idempotent)).toBe(expected);
  });

  it('retries failures before sending for every request, and after sending only idempotent ones', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']) {
      expect(isRetryableNetworkError(withCode(code), false)).toBe(true);
    }
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'EPIPE']) {
      expect(isRetryableNetworkError(withCode(code), false)).toBe(false);
      expect(isRetryableNetworkError(withCode(code), true)).toBe(true);
    }
  });

  it('does not retry errors it cannot classify (a rejected certificate, a bug)', () => {
    expect(isRetryableNetworkError(withCode('DEPTH_ZERO_SELF_SIGNED_CERT'), true)).toBe(false);
    expect(isRetryableNetworkError(new TypeError('oops'), true)).toBe(false);
  });

  it('treats GET, HEAD, PUT, DELETE as idempotent and POST, PATCH as not', () => {
    expect(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'].every(isIdempotentMethod)).toBe(true);
    expect(['POST', 'PATCH'].some(isIdempotentMethod)).toBe(false);
  });

  it('draws full-jitter backoff below min(cap, base * 2^(retry-1))', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (retry, r) => {
        const wait = backoffDelayMs(retry, 500, 8000, () => r);
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThan(Math.min(8000, 500 * 2 ** (retry - 1)));
      }),
    );
    expect([1, 2, 3, 4, 5, 6].map((retry) => backoffDelayMs(retry, 500, 8000, () => 0.999999))).toEqual([
      499, 999, 1999, 3999, 7999, 7999,
    ]);
  });

  it('reads retry-after-ms, Retry-After seconds and Retry-After dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfterMs({ 'retry-after-ms': '250.5', 'retry-after': '9' }, now)).toBe(250.5);
    expect(parseRetryAfterMs({ 'retry-after': '3' }, now)).toBe(3000);
    expect(parseRetryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }, now)).toBe(7000);
    expect(parseRetryAfterMs({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }, now)).toBe(0);
  });

  it('ignores absent or unreadable retry hints', () => {
    expect(parseRetryAfterMs({}, 0)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': 'soon' }, 0)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after-ms': '-4' }, 0)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after-ms': '', 'retry-after': '1' }, 0)).toBe(1000);
  });
});
