import { APIConnectionPool } from './api-connection-pool.js';
import { HttpPoolError } from './errors.js';
import type { RequestOptions } from './request-options.js';
import { sendJson, startTestServer, type TestServer } from './testing/test-server.js';

// Secrets a URL may carry; none of them may reach an error message, `.url`, or anything else an error exposes.
const SECRETS = ['hunter2', 'sk-live-123', 'AIzaSecret', 'tok-456'];
const leaked = (text: string) => SECRETS.filter((s) => text.includes(s));

async function rejection(promise: Promise<unknown>): Promise<HttpPoolError> {
  const [settled] = await Promise.allSettled([promise]);
  if (settled!.status === 'fulfilled') throw new Error('expected the request to be refused');
  if (!HttpPoolError.isInstance(settled!.reason)) throw settled!.reason;
  return settled!.reason;
}

describe('request validation', () => {
  let server: TestServer;
  let pool: APIConnectionPool;

  beforeAll(async () => {
    server = await startTestServer((_req, res) => sendJson(res, 200, { ok: true }));
    pool = new APIConnectionPool({ maxRetries: 0 });
  });
  afterAll(async () => {
    await pool.close();
    await server.close();
  });
  afterEach(() => {
    // Every refusal happens before a byte is sent.
    expect(server.requests).toHaveLength(0);
  });

  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;

  it.each<[string, RequestOptions, string, RegExp]>([
    ['a BigInt in json', { json: { tokens: 10n } }, 'json', /BigInt/],
    ['a circular json value', { json: circular }, 'json', /circular/],
    ['json that is a function', { json: () => 1 }, 'json', /JSON can represent/],
    ['json and body together', { json: {}, body: 'x' }, 'json', /left out when body is set/],
    ['a body that is an object', { body: { a: 1 } as never }, 'body', /string or a Uint8Array/],
    ['a header name with a space', { headers: { 'x bad': '1' } }, 'headers.x bad', /not a valid HTTP token/],
    ['a header name with a colon', { headers: { 'x-a:b': '1' } }, 'headers.x-a:b', /not a valid HTTP token/],
    ['a header value with a newline', { headers: { 'x-a': 'v\r\nx-b: injected' } }, 'headers.x-a', /CR, LF, NUL/],
    ['a header value that is a number', { headers: { 'x-a': 1 as never } }, 'headers.x-a', /must be a string/],
    ['method CONNECT', { method: 'connect' }, 'method', /CONNECT opens a tunnel/],
    ['a method with a space', { method: 'GET /x' }, 'method', /HTTP method name/],
    ['an idempotency key with a newline', { method: 'POST', idempotencyKey: 'k1\nx-evil: 1' }, 'idempotencyKey', /without CR, LF/],
    ['an empty idempotency key', { method: 'POST', idempotencyKey: '' }, 'idempotencyKey', /a string of 1-1024 characters/],
    ['the unitless timeout', { timeout: 30 } as never, 'timeout', /use timeoutMs .*timeoutMs: 120000/],
    ['a timeoutMs meant in seconds', { timeoutMs: 30 }, 'timeoutMs', /30 ms is surely 30 seconds/],
    ['a signal that is not one', { signal: 'stop' as never }, 'signal', /AbortSignal/],
    ['an unknown option', { retries: 3 } as never, 'retries', /valid options are method, json, body, headers/],
  ])('refuses %s as INVALID_REQUEST naming the field', async (_what, options, field, message) => {
    const error = await rejection(pool.request(`${server.origin}/v1/chat`, options));
    expect(error).toMatchObject({ code: 'INVALID_REQUEST', field, isRetryable: false });
    expect(error.message).toMatch(message);
  });

  it.each([
    ['transfer-encoding', { 'transfer-encoding': 'gzip' }],
    ['expect', { expect: '100-continue' }],
    ['a content-length that is not the body', { 'content-length': '99' }],
  ])('refuses %s (undici refuses to send it) as INVALID_REQUEST, not as a network error', async (_what, headers) => {
    const error = await rejection(pool.request(`${server.origin}/x`, { method: 'POST', body: 'abc', headers }));
    expect(error).toMatchObject({ code: 'INVALID_REQUEST', isRetryable: false });
  });

  it.each([
    ['not a URL', 'http://user:hunter2@[bad/v1?api_key=sk-live-123'],
    ['no scheme', 'api.example.com/v1?key=AIzaSecret'],
    ['another scheme', 'ftp://me:hunter2@example.com/file?token=tok-456'],
    ['user info', 'https://me:hunter2@api.example.com/v1?api_key=sk-live-123'],
  ])('refuses a bad URL (%s) without showing its secrets', async (_what, url) => {
    const error = await rejection(pool.get(url));
    expect(error).toMatchObject({ code: 'INVALID_REQUEST', field: 'url' });
    expect(leaked(error.message)).toEqual([]);
    expect(leaked(JSON.stringify(error))).toEqual([]);
    expect(error.cause).toBeUndefined();
  });

  it('refuses a URL that is neither a string nor a URL', async () => {
    await expect(rejection(pool.get(42 as never))).resolves.toMatchObject({ code: 'INVALID_REQUEST', field: 'url' });
  });

  it('keeps a 10 MB URL out of the message', async () => {
    const error = await rejection(pool.get(`not a url ${'x'.repeat(10_000_000)}`));
    expect(error.message.length).toBeLessThan(200);
  });
});

describe('secrets in failed requests', () => {
  let server: TestServer;
  let pool: APIConnectionPool | undefined;
  afterEach(async () => {
    await pool?.close();
    await server.close();
  });

  it('redacts the URL in HttpError, NetworkError, TimeoutError and INVALID_RESPONSE', async () => {
    server = await startTestServer((req, res) => {
      if (req.url!.startsWith('/status')) sendJson(res, 401, { error: 'bad key' });
      else if (req.url!.startsWith('/reset')) req.socket.destroy();
      else if (req.url!.startsWith('/html')) res.end('<html>');
    });
    pool = new APIConnectionPool({ maxRetries: 0, timeoutMs: 1000 });
    const query = '?api_key=sk-live-123&key=AIzaSecret&access_token=tok-456&password=hunter2&model=gpt#frag';
    const errors = await Promise.all(
      ['/status', '/reset', '/hang', '/html'].map((path) =>
        rejection(path === '/html' ? pool!.getJson(`${server.origin}${path}${query}`) : pool!.post(`${server.origin}${path}${query}`, { json: {} })),
      ),
    );
    expect(errors.map((e) => e.code)).toEqual(['HTTP_ERROR', 'NETWORK_ERROR', 'TIMEOUT', 'INVALID_RESPONSE']);
    for (const error of errors) {
      expect(leaked(`${error.message} ${JSON.stringify(error)} ${(error as { url?: string }).url ?? ''}`)).toEqual([]);
      expect(error.message).toContain('model=gpt');
    }
    expect((errors[0] as unknown as { url: string }).url).toBe(
      `${server.origin}/status?api_key=REDACTED&key=REDACTED&access_token=REDACTED&password=REDACTED&model=gpt#REDACTED`,
    );
  });
});
