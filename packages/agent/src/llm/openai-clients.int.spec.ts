import { inspect } from 'node:util';
import { startTestLlmServer, type TestLlmServer } from '../testing/index.js';
import { AgentError, LanguageModelError } from '../errors.js';
import { ChatCompletionsClient } from './chat-completions-client.js';
import type { OpenAIClientOptions } from './openai-client-options.js';
import type { OpenAICompatibleClient } from './openai-compatible-client.js';
import { ResponsesAPIClient } from './responses-api-client.js';

type Make = (options: OpenAIClientOptions) => OpenAICompatibleClient;

const apis: [string, Make][] = [
  ['ResponsesAPIClient', (o) => new ResponsesAPIClient(o)],
  ['ChatCompletionsClient', (o) => new ChatCompletionsClient(o)],
];
const modes = [false, true];

const ask = { messages: [{ role: 'user' as const, content: 'Say hello' }] };

let server: TestLlmServer;
const clients: OpenAICompatibleClient[] = [];

beforeEach(async () => {
  server = await startTestLlmServer();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.close();
});

describe.each(apis)('%s', (name, make) => {
  const client = (options: OpenAIClientOptions = {}) => {
    const c = make({ baseUrl: server.url, apiKey: 'sk-test-secret-0123456789', model: 'test-model', env: {}, retry: { baseDelayMs: 0, maxDelayMs: 0 }, ...options });
    clients.push(c);
    return c;
  };

  describe.each(modes)('stream %s', (stream) => {
    it('sends instructions, messages and settings, and reads text, usage, model and finish reason', async () => {
      server.enqueue({ text: 'Hello there', usage: { input: 12, output: 3, reasoning: 1, cached: 8 }, model: 'test-model-2026' });
      const result = await client({ stream }).generate({ instructions: 'Be brief.', ...ask, temperature: 0.7, maxOutputTokens: 50 });

      expect(result).toMatchObject({
        text: 'Hello there',
        usage: { input: 12, output: 3, reasoning: 1, cached: 8 },
        finishReason: 'stop',
        model: 'test-model-2026',
        fromCache: false,
      });
      const [request] = server.requests;
      expect(request).toMatchObject({ model: 'test-model', instructions: 'Be brief.', temperature: 0.7, stream });
      expect(request!.messages).toEqual([{ role: 'user', content: 'Say hello' }]);
      expect(request!.headers.authorization).toBe('Bearer sk-test-secret-0123456789');
      const limitField = name === 'ResponsesAPIClient' ? 'max_output_tokens' : 'max_completion_tokens';
      expect(request!.body[limitField]).toBe(50);
    });

    it('asks for strict JSON schema output and parses the answer', async () => {
      server.enqueue({ json: { score: 0.9 } });
      const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { score: { type: 'number' } }, required: ['score'], additionalProperties: false };
      const result = await client({ stream }).generate({ ...ask, responseFormat: { type: 'json-schema', name: 'evaluation', schema } });

      expect(result.json).toEqual({ score: 0.9 });
      const body = server.requests[0]!.body;
      const format = name === 'ResponsesAPIClient' ? (body['text'] as { format: Record<string, unknown> }).format : (body['response_format'] as { json_schema: Record<string, unknown> }).json_schema;
      expect(format).toMatchObject({ name: 'evaluation', strict: true, schema: { type: 'object', required: ['score'] } });
      expect(format['schema']).not.toHaveProperty('$schema');
      expect(server.requests[0]!.schemaName).toBe('evaluation');
    });

    it.each([
      [{ refusal: 'I cannot help with that.' }, 'REFUSED', 'I cannot help with that.'],
      [{ text: 'partial', finishReason: 'content_filter' as const }, 'CONTENT_FILTERED', 'partial'],
      [{ text: 'The answer is cut he', finishReason: 'length' as const, usage: { input: 9, output: 5 } }, 'OUTPUT_TRUNCATED', 'The answer is cut he'],
      [{ text: '   ' }, 'EMPTY_RESPONSE', '   '],
    ])('turns %o into %s with the text that arrived and what it cost', async (reply, code, partialText) => {
      server.enqueue(reply);
      const error = await client({ stream }).generate(ask).catch((e: unknown) => e);

      expect(LanguageModelError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code, partialText, provider: expect.any(String), model: 'test-model' });
      expect((error as LanguageModelError).usage?.input).toBeGreaterThan(0);
    });

    it('does not repeat a POST whose connection broke mid-answer (it may be billed)', async () => {
      server.enqueue({ text: 'a long answer that never fully arrives', fault: 'reset-mid-body' }, 'second');
      const error = await client({ stream }).generate(ask).catch((e: unknown) => e);

      expect(error).toMatchObject({ code: 'NETWORK_ERROR', isRetryable: true });
      expect(server.requests).toHaveLength(1);
    });
  });

  it('retries a 429 after the wait it asks for, and bills the call once', async () => {
    server.enqueue({ status: 429, headers: { 'retry-after-ms': '10' }, errorMessage: 'Rate limit reached' }, 'after the wait');
    const result = await client().generate(ask);

    expect(result.text).toBe('after the wait');
    expect(server.requests).toHaveLength(2);
  });

  it('gives up on a lasting 429 after maxRetries with RATE_LIMITED', async () => {
    server.setDefault({ status: 429, headers: { 'retry-after': '0' }, errorMessage: 'Rate limit reached for requests' });
    const error = await client({ maxRetries: 2 }).generate(ask).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 429, isRetryable: true });
    expect((error as Error).message).toContain('Rate limit reached for requests');
    expect(server.requests).toHaveLength(3);
  });

  it('never repeats a POST that got a 500 (the server may have generated and billed it)', async () => {
    server.enqueue({ status: 500, errorMessage: 'The server had an error' }, 'would be a second bill');
    const error = await client().generate(ask).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', status: 500, isRetryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it('with idempotencyKeys, retries a 500 under the same Idempotency-Key', async () => {
    server.enqueue({ status: 500 }, 'second attempt');
    const result = await client({ idempotencyKeys: true }).generate(ask);

    expect(result.text).toBe('second attempt');
    const keys = server.requests.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it('does not repeat a POST whose connection was reset after sending', async () => {
    server.enqueue({ fault: 'reset-before-headers' }, 'second');
    const error = await client().generate(ask).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'NETWORK_ERROR' });
    expect(server.requests).toHaveLength(1);
  });

  it('never retries 401 and says what to configure, without the key anywhere in the error', async () => {
    await server.close();
    server = await startTestLlmServer({ apiKey: 'sk-the-right-key-000000' });
    const error = await client({ apiKey: 'sk-wrong-key-abcdefghijkl' }).generate(ask).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'AUTHENTICATION', status: 401, isRetryable: false });
    expect((error as Error).message).toMatch(/OPENAI_API_KEY/);
    expect(server.requests).toHaveLength(1);
    const everything = [inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error), String((error as Error).stack)].join('\n');
    expect(everything).not.toContain('sk-wrong-key-abcdefghijkl');
    expect(everything).toContain('Incorrect API key provided: REDACTED');
  });

  it('answers a repeated temperature-0 call from its cache, marked and not billed', async () => {
    server.setDefault({ text: 'deterministic', usage: { input: 40, output: 10 } });
    const c = client();
    const first = await c.generate({ ...ask, temperature: 0 });
    const second = await c.generate({ ...ask, temperature: 0 });
    await c.generate({ ...ask, temperature: 0.7 });
    await c.generate({ messages: [{ role: 'user', content: 'Say goodbye' }], temperature: 0 });

    expect(first).toMatchObject({ fromCache: false, usage: { input: 40, output: 10 } });
    expect(second).toMatchObject({ text: 'deterministic', fromCache: true, usage: { input: 0, output: 0 } });
    expect(server.requests).toHaveLength(3);
    expect(c.getStatistics()).toMatchObject({ calls: 4, cacheHits: 1, savedUsage: { input: 40, output: 10 }, usage: { input: 120, output: 30 } });
  });

  it('keeps no cache when responseCache is false', async () => {
    server.setDefault('same');
    const c = client({ responseCache: false });
    await c.generate({ ...ask, temperature: 0 });
    await c.generate({ ...ask, temperature: 0 });
    expect(server.requests).toHaveLength(2);
  });

  it('keeps at most maxConcurrency calls in flight', async () => {
    server.setDefault({ text: 'ok', waitForConcurrent: 2 });
    const c = client({ maxConcurrency: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => c.generate(ask)));

    expect(results.map((r) => r.text)).toEqual(Array(6).fill('ok'));
    expect(server.maxConcurrent).toBe(2);
  });

  it('stops a call when its signal aborts, and the server sees the client go away', async () => {
    server.enqueue({ fault: 'hang' });
    const controller = new AbortController();
    const pending = client().generate({ ...ask, signal: controller.signal });
    await until(() => server.requests.length === 1);
    controller.abort(new Error('user cancelled'));

    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    await until(() => server.requests[0]!.aborted);
  });

  it('fails a hung call at timeoutMs with TIMEOUT', async () => {
    server.enqueue({ fault: 'hang' });
    await expect(client({ timeoutMs: 1000 }).generate(ask)).rejects.toMatchObject({ code: 'TIMEOUT', isRetryable: true });
  });

  it('refuses a malformed request before sending anything, naming the field', async () => {
    const c = client();
    await expect(c.generate({ messages: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'request.messages' });
    await expect(c.generate({ ...ask, temperature: 3 })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'request.temperature' });
    await expect(c.generate({ ...ask, responseFormat: { type: 'json-schema', name: 'has space', schema: {} } })).rejects.toMatchObject({
      field: 'request.responseFormat.name',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses calls after close()', async () => {
    const c = client();
    await c.close();
    await expect(c.generate(ask)).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

describe('client options', () => {
  it('reads key, base URL and model from the environment', async () => {
    server.setDefault('hi');
    const c = new ChatCompletionsClient({ env: { OPENAI_API_KEY: 'sk-from-env-123456', OPENAI_BASE_URL: server.url, OPENAI_MODEL: 'env-model' } });
    clients.push(c);
    await c.generate(ask);
    expect(server.requests[0]).toMatchObject({ model: 'env-model', headers: { authorization: 'Bearer sk-from-env-123456' } });
    expect(c.modelId).toBe('env-model');
    expect(c.provider).toBe('openai-compatible');
  });

  it('sends the maxTokensParameter a Chat Completions server knows', async () => {
    server.setDefault('hi');
    const c = new ChatCompletionsClient({ baseUrl: server.url, env: {}, maxTokensParameter: 'max_tokens' });
    clients.push(c);
    await c.generate({ ...ask, maxOutputTokens: 7 });
    expect(server.requests[0]!.body).toMatchObject({ max_tokens: 7 });
    expect(server.requests[0]!.body).not.toHaveProperty('max_completion_tokens');
  });

  it('requires a key for api.openai.com and openrouter.ai, and names what to set', () => {
    expect(() => new ResponsesAPIClient({ env: {} })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', field: 'apiKey', message: expect.stringMatching(/OPENAI_API_KEY/) }));
    expect(() => new ChatCompletionsClient({ env: {}, baseUrl: 'https://openrouter.ai/api/v1' })).toThrow(expect.objectContaining({ message: expect.stringMatching(/OPENROUTER_API_KEY/) }));
    const openrouter = new ChatCompletionsClient({ env: { OPENROUTER_API_KEY: 'sk-or-123456789' }, baseUrl: 'https://openrouter.ai/api/v1' });
    clients.push(openrouter);
    expect(openrouter.provider).toBe('openrouter');
  });

  it('refuses unknown and renamed options, naming them', () => {
    expect(() => new ResponsesAPIClient({ baseUrl: server.url, env: {}, timeout: 120 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', field: 'timeout' }));
    expect(() => new ResponsesAPIClient({ baseUrl: server.url, env: {}, maxTokensParameter: 'max_tokens' } as never)).toThrow(
      expect.objectContaining({ field: 'maxTokensParameter' }),
    );
    expect(() => new ResponsesAPIClient({ baseUrl: 'ftp://x', env: {} })).toThrow(expect.objectContaining({ field: 'baseUrl' }));
    expect(() => new ResponsesAPIClient({ baseUrl: server.url, env: {}, timeoutMs: 120 })).toThrow(expect.objectContaining({ field: 'timeoutMs' }));
    expect(() => new ResponsesAPIClient({ baseUrl: server.url, env: {}, responseCache: { maxSize: 0 } })).toThrow(
      expect.objectContaining({ field: 'responseCache.maxSize' }),
    );
  });

  it('never shows the key of a bad base URL', () => {
    const error = (() => {
      try {
        new ResponsesAPIClient({ baseUrl: 'ht tp://user:sk-in-url-secret-123@host', env: {} });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(AgentError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).not.toContain('sk-in-url-secret-123');
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setImmediate(r));
  if (!condition()) {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  }
  expect(condition()).toBe(true);
}
