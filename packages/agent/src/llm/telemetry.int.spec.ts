import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, type TelemetryHandle } from '@rb/telemetry/sdk';
import { startTestLlmServer, type TestLlmServer } from '../testing/index.js';
import { VERSION } from '../version.js';
import { ResponsesAPIClient } from './responses-api-client.js';

const SECRET = 'sk-span-secret-0123456789abcdef';

describe('LLM client spans', () => {
  let exporter: InMemorySpanExporter;
  let telemetry: TelemetryHandle;
  let server: TestLlmServer;

  beforeEach(async () => {
    exporter = new InMemorySpanExporter();
    telemetry = startTelemetry({ serviceName: 'agent-test', exporter, spanProcessor: 'simple' });
    server = await startTestLlmServer({ apiKey: 'sk-the-only-valid-key-000' });
  });

  afterEach(async () => {
    await server.close();
    await telemetry.shutdown();
  });

  it('records a GenAI CLIENT span per call under the @rb/agent scope, and never the API key', async () => {
    const good = new ResponsesAPIClient({ baseUrl: server.url, apiKey: 'sk-the-only-valid-key-000', model: 'test-model', env: {} });
    const bad = new ResponsesAPIClient({ baseUrl: server.url, apiKey: SECRET, model: 'test-model', env: {} });
    server.setDefault({ text: 'hi', usage: { input: 21, output: 4 }, model: 'test-model-v2' });
    try {
      await good.generate({ messages: [{ role: 'user', content: 'hello' }], temperature: 0, maxOutputTokens: 64 });
      await good.generate({ messages: [{ role: 'user', content: 'hello' }], temperature: 0, maxOutputTokens: 64 });
      await expect(bad.generate({ messages: [{ role: 'user', content: 'hello' }] })).rejects.toMatchObject({ code: 'AUTHENTICATION' });
    } finally {
      await good.close();
      await bad.close();
    }
    await telemetry.forceFlush();
    const spans = exporter.getFinishedSpans();
    const chats = spans.filter((s) => s.name === 'chat test-model');
    expect(chats).toHaveLength(3);
    const [first, cached, refused] = chats;
    expect(first!.kind).toBe(SpanKind.CLIENT);
    expect(first!.instrumentationScope).toMatchObject({ name: '@rb/agent', version: VERSION });
    expect(first!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai-compatible',
      'gen_ai.request.model': 'test-model',
      'gen_ai.request.temperature': 0,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.response.model': 'test-model-v2',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 21,
      'gen_ai.usage.output_tokens': 4,
      'rb.llm.from_cache': false,
    });
    expect(cached!.attributes).toMatchObject({ 'rb.llm.from_cache': true, 'gen_ai.usage.input_tokens': 0 });
    expect(refused!.status.code).toBe(SpanStatusCode.ERROR);
    expect(refused!.attributes['error.type']).toBeDefined();
    // The HTTP span of the pool nests under the chat span.
    const post = spans.find((s) => s.name === 'POST' && s.parentSpanContext?.spanId === first!.spanContext().spanId);
    expect(post).toBeDefined();

    const everything = JSON.stringify(
      spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status, resource: s.resource.attributes })),
    );
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain('sk-the-only-valid-key-000');
  });
});
