import { once } from 'node:events';
import { createServer } from 'node:net';
import type { ServerResponse } from 'node:http';
import { APIConnectionPool } from './api-connection-pool.js';
import type { APIConnectionPoolOptions } from './api-connection-pool-options.js';
import { RbError } from '@rb/errors';
import { HttpError, HttpPoolError, NetworkError, RequestError, TimeoutError } from './errors.js';
import { sendJson, startTestServer, type Handler, type TestServer } from './testing/test-server.js';

describe('APIConnectionPool against a real HTTP server', () => {
  let server: TestServer | undefined;
  let pool: APIConnectionPool | undefined;
  let waits: number[];

  afterEach(async () => {
    await pool?.close();
    await server?.close();
    pool = undefined;
    server = undefined;
  });

  // Backoff waits are recorded instead of slept, and the jitter draw is fixed, so no test waits for real backoff.
  async function setup(handler: Handler, options: APIConnectionPoolOptions = {}) {
    waits = [];
    server = await startTestServer(handler);
    pool = new APIConnectionPool({
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...options,
    });
    return { server, pool };
  }

  const failure = async (promise: Promise<unknown>) => {
    const settled = await Promise.allSettled([promise]);
    if (settled[0]!.status === 'fulfilled') throw new Error('expected the request to fail');
    return settled[0]!.reason as unknown;
  };

  it('reuses one keep-alive connection for sequential requests', async () => {
    const { server, pool } = await setup((_req, res, _r, i) => sendJson(res, 200, { i }));

    for (let i = 0; i < 20; i++) {
      await expect(pool.getJson(`${server.origin}/v1/models`)).resolves.toEqual({ i });
    }

    // undici frees a connection a tick after the body ends, so a request sent in that same tick opens one second
    // connection; from then on both are reused. Without keep-alive this would be 20.
    expect(server.connections).toBeLessThanOrEqual(2);
    expect(pool.getStatistics()).toMatchObject({ requests: 20, failures: 0, retries: 0, inFlight: 0 });
  });

  it('opens at most poolSize connections to an origin and queues the rest', async () => {
    let held: ServerResponse[] = [];
    let maxConcurrent = 0;
    // Answers only when poolSize requests wait at once: with a broken limit more would arrive together.
    const { server, pool } = await setup(
      (_req, res) => {
        held.push(res);
        maxConcurrent = Math.max(maxConcurrent, held.length);
        if (held.length === 3) {
          for (const r of held) sendJson(r, 200, { ok: true });
          held = [];
        }
      },
      { poolSize: 3 },
    );

    const results = await Promise.all(Array.from({ length: 12 }, () => pool.postJson(`${server.origin}/chat`, { json: {} })));

    expect(results).toHaveLength(12);
    expect(server.connections).toBe(3);
    expect(maxConcurrent).toBe(3);
  });

  it('retries a POST on 429 after the Retry-After seconds and on retry-after-ms', async () => {
    const { server, pool } = await setup((_req, res, _r, i) => {
      if (i === 0) sendJson(res, 429, { error: 'slow down' }, { 'retry-after': '2' });
      else if (i === 1) sendJson(res, 429, { error: 'slow down' }, { 'retry-after-ms': '150' });
      else sendJson(res, 200, { answer: 42 });
    });

    const response = await pool.post(`${server.origin}/chat`, { json: { prompt: 'hi' } });

    expect(response.attempts).toBe(3);
    await expect(response.json()).resolves.toEqual({ answer: 42 });
    expect(waits).toEqual([2000, 150]);
    expect(server.requests.map((r) => r.body)).toEqual(Array(3).fill('{"prompt":"hi"}'));
    expect(pool.getStatistics()).toMatchObject({ requests: 1, retries: 2, failures: 0 });
  });

  it('retries 503 with full-jitter exponential backoff', async () => {
    const { server, pool } = await setup((_req, res, _r, i) => sendJson(res, i < 2 ? 503 : 200, { i }), {
      retry: { baseDelayMs: 100, maxDelayMs: 150 },
    });

    await expect(pool.postJson(`${server.origin}/chat`, { json: {} })).resolves.toEqual({ i: 2 });
    // random() = 0.5 of a ceiling of 100, then min(150, 200).
    expect(waits).toEqual([50, 75]);
  });

  it('gives up after maxRetries with a retryable HttpError carrying status and body', async () => {
    const { server, pool } = await setup((_req, res) => sendJson(res, 503, { error: 'overloaded' }), { maxRetries: 2 });

    const error = await failure(pool.post(`${server.origin}/chat`, { json: {} }));

    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'HTTP_ERROR', status: 503, attempts: 3, isRetryable: true, method: 'POST' });
    expect((error as HttpError).responseBody).toBe('{"error":"overloaded"}');
    expect(server.requests).toHaveLength(3);
    expect(pool.getStatistics()).toMatchObject({ requests: 1, failures: 1, retries: 2 });
  });

  it('does not retry a 500 on a POST that is not marked idempotent (it may have been billed)', async () => {
    const { server, pool } = await setup((_req, res) => sendJson(res, 500, { error: 'internal' }));

    const error = await failure(pool.post(`${server.origin}/chat`, { json: {} }));

    expect(error).toMatchObject({ status: 500, attempts: 1, isRetryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 500 on a POST with an idempotency key, sending the same key on every attempt', async () => {
    const { server, pool } = await setup((_req, res, _r, i) => sendJson(res, i === 0 ? 500 : 200, { i }));

    await expect(pool.postJson(`${server.origin}/chat`, { json: {}, idempotencyKey: 'req-7f3a' })).resolves.toEqual({ i: 1 });

    expect(server.requests.map((r) => r.headers['idempotency-key'])).toEqual(['req-7f3a', 'req-7f3a']);
  });

  it('treats an Idempotency-Key header set by hand like idempotencyKey', async () => {
    const { server, pool } = await setup((_req, res, _r, i) => sendJson(res, i === 0 ? 500 : 200, { i }));

    await expect(pool.postJson(`${server.origin}/chat`, { json: {}, headers: { 'Idempotency-Key': 'k1' } })).resolves.toEqual({ i: 1 });
  });

  it('retries a 500 on a GET, idempotent by HTTP semantics', async () => {
    const { server, pool } = await setup((_req, res, _r, i) => sendJson(res, i === 0 ? 500 : 200, { i }));

    await expect(pool.getJson(`${server.origin}/v1/models`)).resolves.toEqual({ i: 1 });
  });

  it('never retries a 400, and cuts its body to maxErrorBodyBytes', async () => {
    const { server, pool } = await setup((_req, res) => sendJson(res, 400, { error: 'x'.repeat(100) }), {
      maxErrorBodyBytes: 12,
    });

    const error = await failure(pool.get(`${server.origin}/v1/models`));

    expect(error).toMatchObject({ status: 400, attempts: 1, isRetryable: false, responseBody: '{"error":"xx' });
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a POST whose connection was reset after the server received it', async () => {
    const { server, pool } = await setup((req) => req.socket.destroy());

    const error = await failure(pool.post(`${server.origin}/chat`, { json: { prompt: 'bill me once' } }));

    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', attempts: 1, isRetryable: false });
    expect((error as NetworkError).cause).toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a reset POST marked idempotent', async () => {
    const { server, pool } = await setup((req, res, _r, i) => (i === 0 ? req.socket.destroy() : sendJson(res, 200, { i })));

    await expect(pool.postJson(`${server.origin}/embeddings`, { json: {}, idempotent: true })).resolves.toEqual({ i: 1 });
    expect(server.requests).toHaveLength(2);
  });

  it('retries a POST refused before sending (ECONNREFUSED), then fails with the network error as cause', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as { port: number };
    closed.close();
    await once(closed, 'close');
    waits = [];
    pool = new APIConnectionPool({ random: () => 1, sleep: async (ms) => void waits.push(ms) });

    const error = await failure(pool.post(`http://127.0.0.1:${port}/chat`, { json: {} }));

    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ attempts: 4, isRetryable: true });
    expect((error as NetworkError).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(waits).toEqual([500, 1000, 2000]);
  });

  it('fails at once when Retry-After asks for more than maxRetryAfterMs', async () => {
    const { server, pool } = await setup((_req, res) => sendJson(res, 429, {}, { 'retry-after': '3600' }));

    const error = await failure(pool.post(`${server.origin}/chat`, { json: {} }));

    expect(error).toMatchObject({ status: 429, attempts: 1, isRetryable: true });
    expect(waits).toEqual([]);
  });

  it('fails at once when the backoff would pass the overall deadline', async () => {
    const { server, pool } = await setup((_req, res) => sendJson(res, 503, {}, { 'retry-after': '30' }), { timeoutMs: 10_000 });

    const error = await failure(pool.post(`${server.origin}/chat`, { json: {} }));

    expect(error).toMatchObject({ status: 503, attempts: 1 });
    expect(waits).toEqual([]);
  });

  it('rejects with a deadline TimeoutError when the server never answers', async () => {
    const { server, pool } = await setup(() => undefined, { timeoutMs: 1000 });

    const error = await failure(pool.post(`${server.origin}/chat`, { json: {} }));

    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'TIMEOUT', phase: 'deadline', timeoutMs: 1000, attempts: 1, isRetryable: false });
  });

  it('stops on abort while waiting for the server, with the reason as cause', async () => {
    const controller = new AbortController();
    const { server, pool } = await setup(() => controller.abort(new Error('user pressed stop')));

    const error = await failure(pool.post(`${server.origin}/chat`, { json: {}, signal: controller.signal }));

    expect(error).toMatchObject({ code: 'ABORTED' });
    expect((error as HttpPoolError).cause).toEqual(new Error('user pressed stop'));
  });

  it('sends nothing for an already aborted signal', async () => {
    const { server, pool } = await setup((_req, res) => sendJson(res, 200, {}));

    const error = await failure(pool.get(`${server.origin}/`, { signal: AbortSignal.abort() }));

    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(server.requests).toHaveLength(0);
  });

  it('stops a backoff wait at once when the signal aborts', async () => {
    server = await startTestServer((_req, res) => sendJson(res, 503, {}, { 'retry-after': '50' }));
    // The real timer this time: the wait is 50 s, the abort comes after the first answer.
    pool = new APIConnectionPool({ retry: { maxRetryAfterMs: 60_000 } });
    const controller = new AbortController();
    const pending = pool.post(`${server.origin}/chat`, { json: {}, signal: controller.signal });
    while (server.requests.length === 0) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
    const started = performance.now();
    controller.abort(new Error('user left'));

    const error = await failure(pending);

    expect(error).toMatchObject({ code: 'ABORTED', cause: new Error('user left') });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });

  it('ends a request still queued for a connection at its deadline, without waiting for the queue', async () => {
    let hold!: () => void;
    const { server, pool } = await setup(
      (_req, res, _r, i) => {
        if (i === 0) hold = () => sendJson(res, 200, { first: true });
        else sendJson(res, 200, { i });
      },
      { poolSize: 1 },
    );
    const first = pool.getJson(`${server.origin}/slow`);
    while (server.requests.length === 0) await new Promise((r) => setImmediate(r));

    const queued = await failure(pool.getJson(`${server.origin}/queued`, { timeoutMs: 1000 }));

    expect(queued).toMatchObject({ code: 'TIMEOUT', phase: 'deadline' });
    hold();
    await expect(first).resolves.toEqual({ first: true });
    // The queued request was dropped, never sent once the connection freed.
    await expect(pool.getJson(`${server.origin}/after`)).resolves.toEqual({ i: 1 });
    expect(server.requests.map((r) => r.path)).toEqual(['/slow', '/after']);
  });

  it('applies headersTimeout per attempt: a POST fails once, a GET is retried', async () => {
    const { server, pool } = await setup(() => undefined, { headersTimeoutMs: 1000, maxRetries: 1 });

    const post = await failure(pool.post(`${server.origin}/chat`, { json: {} }));
    expect(post).toMatchObject({ code: 'TIMEOUT', phase: 'headers', timeoutMs: 1000, attempts: 1, isRetryable: false });

    const get = await failure(pool.get(`${server.origin}/v1/models`));
    expect(get).toMatchObject({ phase: 'headers', attempts: 2, isRetryable: true });
    expect((get as TimeoutError).cause).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
  });

  it('applies bodyTimeout to a body that stalls', async () => {
    const { server, pool } = await setup(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":');
      },
      { bodyTimeoutMs: 1000, maxRetries: 0 },
    );

    const error = await failure(pool.getJson(`${server.origin}/slow`));

    expect(error).toMatchObject({ code: 'TIMEOUT', phase: 'body', timeoutMs: 1000 });
  });

  it('reports a body that is not JSON as INVALID_RESPONSE without retrying', async () => {
    const { server, pool } = await setup((_req, res) => res.end('<html>'));

    await expect(pool.getJson(`${server.origin}/`)).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
    expect(server.requests).toHaveLength(1);
  });

  it('streams server-sent events as they arrive', async () => {
    const { server, pool } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"delta":"Hel');
      setImmediate(() => {
        res.write('"}\n\n: keep-alive\n\nevent: done\n');
        res.end('data: [DONE]\n\n');
      });
    });

    const response = await pool.post(`${server.origin}/chat`, { json: { stream: true } });
    const events = [];
    for await (const event of response.events()) events.push(event);

    expect(events).toEqual([
      { event: 'message', data: '{"delta":"Hel"}', id: '' },
      { event: 'done', data: '[DONE]', id: '' },
    ]);
  });

  it('aborting a streamed response stops its events with ABORTED', async () => {
    const controller = new AbortController();
    const { server, pool } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
    });

    const response = await pool.post(`${server.origin}/chat`, { json: {}, signal: controller.signal });
    const events = response.events();
    await expect(events.next()).resolves.toMatchObject({ value: { data: 'first' } });
    controller.abort();

    await expect(events.next()).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('close() refuses new requests and resolves only after in-flight ones finish', async () => {
    let release!: () => void;
    const { server, pool } = await setup((_req, res) => {
      release = () => sendJson(res, 200, { done: true });
    });
    const inFlight = pool.postJson(`${server.origin}/chat`, { json: {} });
    while (server.requests.length === 0) await new Promise((r) => setImmediate(r));

    let closed = false;
    const closing = pool.close().then(() => (closed = true));
    await expect(pool.get(`${server.origin}/`)).rejects.toMatchObject({ code: 'CLOSED' });
    expect(closed).toBe(false);
    expect(pool.getStatistics().inFlight).toBe(1);

    release();
    await expect(inFlight).resolves.toEqual({ done: true });
    await closing;
    expect(closed).toBe(true);
  });

  it('names the bad field of a request', async () => {
    const { server, pool } = await setup((_req, res) => sendJson(res, 200, {}));

    await expect(pool.post(`${server.origin}/`, { json: {}, body: 'x' })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringContaining('json'),
    });
    await expect(pool.get('ftp://example.com/')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(pool.post(`${server.origin}/`, { idempotencyKey: '' })).rejects.toThrow(/idempotencyKey/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('error type guards', () => {
  it('tell the subclasses apart without instanceof', () => {
    const context = { method: 'GET', url: 'http://x/', attempts: 1 };
    const http = new HttpError({ ...context, status: 404, responseBody: '', headers: {} });
    const timeout = new TimeoutError({ ...context, phase: 'deadline', timeoutMs: 1000 });

    expect([HttpPoolError.isInstance(http), HttpError.isInstance(http), TimeoutError.isInstance(http)]).toEqual([true, true, false]);
    expect([TimeoutError.isInstance(timeout), NetworkError.isInstance(timeout), HttpError.isInstance(new Error('x'))]).toEqual([true, false, false]);
    expect(RbError.isInstance(timeout)).toBe(true);
    const unknown: unknown = http;
    // RequestError.isInstance narrows to what every request failure carries.
    if (!RequestError.isInstance(unknown)) throw new Error('expected a RequestError');
    expect([unknown.method, unknown.url, unknown.attempts]).toEqual(['GET', 'http://x/', 1]);
    expect(RequestError.isInstance(new HttpPoolError({ code: 'CLOSED', message: 'closed' }))).toBe(false);
    expect(timeout.toJSON()).toEqual({ name: 'TimeoutError', code: 'TIMEOUT', message: timeout.message, isRetryable: false });
  });
});
