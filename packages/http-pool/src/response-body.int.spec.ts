import type { IncomingMessage, ServerResponse } from 'node:http';
import { APIConnectionPool } from './api-connection-pool.js';
import type { APIConnectionPoolOptions } from './api-connection-pool-options.js';
import { HttpError, HttpPoolError, NetworkError } from './errors.js';
import { sendJson, startTestServer, type Handler, type TestServer } from './testing/test-server.js';

// Sends the headers and half a body, then drops the connection: what a crashed upstream or a proxy timeout looks like.
function resetMidBody(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
  res.write('{"choices":[{"text":"half an ans');
  setTimeout(() => req.socket.destroy(), 10);
}

describe('response bodies', () => {
  let server: TestServer | undefined;
  let pool: APIConnectionPool | undefined;
  afterEach(async () => {
    await pool?.close();
    await server?.close();
    pool = undefined;
    server = undefined;
  });

  async function setup(handler: Handler, options: APIConnectionPoolOptions = {}) {
    server = await startTestServer(handler);
    pool = new APIConnectionPool({ sleep: async () => undefined, ...options });
    return { server, pool };
  }

  const rejection = async (promise: Promise<unknown>) => {
    const [settled] = await Promise.allSettled([promise]);
    if (settled!.status === 'fulfilled') throw new Error('expected a failure');
    return settled!.reason as unknown;
  };

  it('text() after a reset mid-body rejects with a NetworkError, not a raw ECONNRESET', async () => {
    const { server, pool } = await setup(resetMidBody);
    const response = await pool.post(`${server.origin}/v1/chat`, { json: {} });

    const error = await rejection(response.text());

    expect(NetworkError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', method: 'POST', attempts: 1, isRetryable: false });
    expect((error as NetworkError).cause).toMatchObject({ code: expect.stringMatching(/^(UND_ERR_SOCKET|ECONNRESET)$/) });
  });

  it('events() after a reset mid-stream rejects with a NetworkError', async () => {
    const { server, pool } = await setup((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => req.socket.destroy(), 10);
    });
    const events = (await pool.post(`${server.origin}/v1/chat`, { json: { stream: true } })).events();

    await expect(events.next()).resolves.toMatchObject({ value: { data: 'one' } });
    expect(NetworkError.isInstance(await rejection(events.next()))).toBe(true);
  });

  it('retries a JSON GET whose body was cut, and does not retry such a POST', async () => {
    const { server, pool } = await setup((req, res, _r, i) => (i === 0 || i === 2 ? resetMidBody(req, res) : sendJson(res, 200, { i })));

    await expect(pool.getJson(`${server.origin}/v1/models`)).resolves.toEqual({ i: 1 });
    const error = await rejection(pool.postJson(`${server.origin}/v1/chat`, { json: {} }));
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', attempts: 1, isRetryable: false });
    expect(server.requests).toHaveLength(3);
  });

  it('refuses to read a streamed body twice', async () => {
    const { server, pool } = await setup((_req, res) => sendJson(res, 200, { ok: true }));
    const streamed = await pool.get(`${server.origin}/`);
    await expect(streamed.json()).resolves.toEqual({ ok: true });
    expect(streamed.bodyUsed).toBe(true);
    await expect(streamed.text()).rejects.toMatchObject({ code: 'BODY_USED' });
    expect(() => streamed.body).toThrow(expect.objectContaining({ code: 'BODY_USED' }));
  });

  it('drains a small error body to keep the connection, and drops the connection of a huge one', async () => {
    const { server, pool } = await setup(
      (req, res) => {
        if (req.url === '/huge') sendJson(res, 503, { error: 'x'.repeat(1_000_000) });
        else sendJson(res, 429, { error: 'slow down' });
      },
      { maxRetries: 0, maxErrorBodyBytes: 16, poolSize: 1 },
    );
    for (let i = 0; i < 5; i++) await rejection(pool.get(`${server.origin}/small`));
    expect(server.connections).toBe(1);

    const huge = await rejection(pool.get(`${server.origin}/huge`));
    expect(HttpError.isInstance(huge)).toBe(true);
    expect((huge as HttpError).responseBody).toBe('{"error":"xxxxxx');
    await rejection(pool.get(`${server.origin}/small`));
    expect(server.connections).toBe(2);
  });

  it('stops a streamed body at the deadline', async () => {
    const { server, pool } = await setup(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // A chunk every 100 ms: the body timeout never fires, only the deadline can end it.
        const drip = setInterval(() => res.write('data: tick\n\n'), 100);
        res.on('close', () => clearInterval(drip));
      },
      { timeoutMs: 1000 },
    );
    const response = await pool.get(`${server.origin}/stream`);

    const error = await rejection(response.text());

    expect(error).toMatchObject({ code: 'TIMEOUT', phase: 'deadline', timeoutMs: 1000 });
  });

  it('a reader that stops early frees the connection, so close() does not wait for the rest', async () => {
    const { server, pool } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
    });
    const response = await pool.get(`${server.origin}/stream`);
    for await (const event of response.events()) {
      expect(event.data).toBe('first');
      break;
    }
    await pool.close();
    expect(pool.getStatistics()).toMatchObject({ requests: 1, failures: 0, inFlight: 0 });
  });

  it('reports a body that is not JSON inside the request, as INVALID_RESPONSE with the start of the body', async () => {
    const { server, pool } = await setup((_req, res) => res.end('<html>Bad gateway</html>'));
    const error = await rejection(pool.getJson(`${server.origin}/`));
    expect(HttpPoolError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE', message: expect.stringContaining('<html>Bad gateway') });
    expect(pool.getStatistics()).toMatchObject({ requests: 1, failures: 1 });
  });
});
