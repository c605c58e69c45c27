import type { ServerResponse } from 'node:http';
import { APIConnectionPool } from './api-connection-pool.js';
import type { APIConnectionPoolOptions } from './api-connection-pool-options.js';
import { HttpPoolError } from './errors.js';
import { HttpResponse } from './http-response.js';
import type { Layer } from './layer.js';
import { sendJson, startTestServer, type Handler, type TestServer } from './testing/test-server.js';

/** The layer the README shows: at most `max` logical requests at once, a streamed one until its body is done with. */
function concurrencyLimit(max: number): Layer {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    active--;
    waiting.shift()?.();
  };
  return (next) => async (request, context) => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      const response = await next(request, context);
      void response.done().then(release);
      return response;
    } catch (error) {
      release();
      throw error;
    }
  };
}

describe('layers', () => {
  let server: TestServer | undefined;
  let pool: APIConnectionPool | undefined;
  afterEach(async () => {
    await pool?.close();
    await server?.close();
    pool = undefined;
    server = undefined;
  });

  async function setup(handler: Handler, options: APIConnectionPoolOptions) {
    server = await startTestServer(handler);
    pool = new APIConnectionPool({ sleep: async () => undefined, random: () => 0, ...options });
    return { server, pool };
  }

  it('a request layer can limit concurrency, holding a streamed response until its body is read', async () => {
    let open = 0;
    let most = 0;
    const held: ServerResponse[] = [];
    const { server, pool } = await setup(
      (_req, res) => {
        most = Math.max(most, ++open);
        res.on('close', () => open--);
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('part one,');
        held.push(res);
      },
      { layers: { request: [concurrencyLimit(2)] } },
    );
    const readAll = async () => (await pool.get(`${server.origin}/stream`)).text();
    const texts = Promise.all(Array.from({ length: 6 }, readAll));
    // Each response ends only when the test says so, while more requests wait behind the limit.
    for (let ended = 0; ended < 6; ended++) {
      while (held.length === 0) await new Promise((r) => setImmediate(r));
      held.shift()!.end(' part two');
    }

    expect(await texts).toEqual(Array(6).fill('part one, part two'));
    expect(most).toBe(2);
  });

  it('request layers run once per logical request, attempt layers once per attempt, first outermost', async () => {
    const calls: string[] = [];
    const tag = (name: string): Layer => (next) => async (request, context) => {
      calls.push(`${name}>`);
      try {
        return await next(request, context);
      } finally {
        calls.push(`<${name}`);
      }
    };
    const auth: Layer = (next) => (request, context) =>
      next({ ...request, headers: { ...request.headers, authorization: `Bearer token-${context.attempts}` } }, context);
    const { server, pool } = await setup((_req, res, _r, i) => sendJson(res, i < 2 ? 503 : 200, { i }), {
      layers: { request: [tag('a'), tag('b')], attempt: [tag('c'), auth] },
    });

    await expect(pool.postJson(`${server.origin}/v1/chat`, { json: {} })).resolves.toEqual({ i: 2 });

    expect(calls).toEqual(['a>', 'b>', 'c>', '<c', 'c>', '<c', 'c>', '<c', '<b', '<a']);
    // The attempt layer runs before the transport counts the attempt: it saw 0, 1 and 2 attempts sent.
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-0', 'Bearer token-1', 'Bearer token-2']);
  });

  it('a layer can answer without the network, with an in-memory body read any number of times', async () => {
    const cache: Layer = (next) => (request, context) =>
      request.path === '/cached'
        ? Promise.resolve(new HttpResponse({ status: 200, headers: {}, url: request.redactedUrl, attempts: 0, body: Buffer.from('{"hit":true}') }))
        : next(request, context);
    const { server, pool } = await setup((_req, res) => sendJson(res, 200, { hit: false }), { layers: { request: [cache] } });

    await expect(pool.getJson(`${server.origin}/cached`)).resolves.toEqual({ hit: true });
    const response = await pool.get(`${server.origin}/cached`);
    await expect(response.text()).resolves.toBe('{"hit":true}');
    await expect(response.json()).resolves.toEqual({ hit: true });
    await expect(pool.getJson(`${server.origin}/other`)).resolves.toEqual({ hit: false });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a retryable error thrown by an attempt layer', async () => {
    let refusals = 1;
    const rateLimit: Layer = (next) => (request, context) =>
      refusals-- > 0
        ? Promise.reject(new HttpPoolError({ code: 'NETWORK_ERROR', message: 'local rate limit', isRetryable: true }))
        : next(request, context);
    const { server, pool } = await setup((_req, res) => sendJson(res, 200, { ok: true }), { layers: { attempt: [rateLimit] } });

    await expect(pool.postJson(`${server.origin}/v1/chat`, { json: {} })).resolves.toEqual({ ok: true });
    expect(pool.getStatistics()).toMatchObject({ retries: 1 });
  });

  it("gives layers a signal that aborts at the deadline, with the pool's TIMEOUT error", async () => {
    let reason: unknown;
    const waitsForever: Layer = () => (_request, context) =>
      new Promise((_resolve, reject) => {
        context.signal.addEventListener('abort', () => {
          reason = context.signal.reason;
          reject(context.signal.reason);
        });
      });
    const { server, pool } = await setup(() => undefined, { timeoutMs: 1000, layers: { request: [waitsForever] } });

    await expect(pool.get(`${server.origin}/`)).rejects.toMatchObject({ code: 'TIMEOUT', phase: 'deadline' });
    expect(reason).toMatchObject({ code: 'TIMEOUT' });
    expect(server.requests).toHaveLength(0);
  });
});
