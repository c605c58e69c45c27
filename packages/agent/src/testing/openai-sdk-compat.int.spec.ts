import OpenAI from 'openai';
import { startTestLlmServer, type TestLlmServer } from './index.js';

// The official OpenAI SDK, a client we did not write, must read what the test server sends: then tests against the
// server say something about real providers.
describe('the test LLM server, read by the official OpenAI SDK', () => {
  let server: TestLlmServer;
  let client: OpenAI;

  beforeEach(async () => {
    server = await startTestLlmServer();
    server.setDefault({ text: 'hello from the test server', usage: { input: 5, output: 4, cached: 2, reasoning: 1 }, model: 'test-model-1' });
    client = new OpenAI({ apiKey: 'sk-sdk-test', baseURL: server.url, maxRetries: 0 });
  });

  afterEach(() => server.close());

  it('answers the Responses API, whole and streamed', async () => {
    const whole = await client.responses.create({ model: 'test-model', instructions: 'Be brief.', input: 'hi' });
    expect(whole.output_text).toBe('hello from the test server');
    expect(whole.usage).toMatchObject({ input_tokens: 5, output_tokens: 4, input_tokens_details: { cached_tokens: 2 }, output_tokens_details: { reasoning_tokens: 1 } });

    const streamed = await client.responses.stream({ model: 'test-model', input: 'hi' }).finalResponse();
    expect(streamed.output_text).toBe('hello from the test server');
    expect(streamed.status).toBe('completed');
    expect(server.requests.map((r) => [r.api, r.stream, r.instructions])).toEqual([
      ['responses', false, 'Be brief.'],
      ['responses', true, ''],
    ]);
  });

  it('answers Chat Completions, whole and streamed with usage', async () => {
    const whole = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] });
    expect(whole.choices[0]!.message.content).toBe('hello from the test server');
    expect(whole.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 4 });

    const streamed = await client.chat.completions
      .stream({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } })
      .finalChatCompletion();
    expect(streamed.choices[0]!.message.content).toBe('hello from the test server');
    expect(streamed.choices[0]!.finish_reason).toBe('stop');
    expect(server.requests[0]!.instructions).toBe('Be brief.');
  });

  it('reports scripted errors the way the SDK reports a provider error', async () => {
    server.enqueue({ status: 429, errorMessage: 'Rate limit reached', headers: { 'retry-after': '0' } });
    await expect(client.responses.create({ model: 'test-model', input: 'hi' })).rejects.toMatchObject({ status: 429, message: expect.stringContaining('Rate limit reached') });
  });
});
