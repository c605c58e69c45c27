import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { PromptCompressor } from './prompt-compressor.js';

describe('compress telemetry', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  // Made before the SDK starts, as a library's objects often are: the span must still reach the SDK.
  const compressor = new PromptCompressor({ maxTokens: 50 });

  beforeAll(() => trace.setGlobalTracerProvider(provider));
  afterAll(async () => {
    compressor.dispose();
    await provider.shutdown();
    trace.disable();
  });

  it('records one span per compress call under the @rb/compress scope, with the token counts', () => {
    const { report } = compressor.compress('The agent retried the request. '.repeat(40));

    const [span] = exporter.getFinishedSpans();
    const version = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version;
    expect(span!.name).toBe('compress prompt');
    expect(span!.instrumentationScope).toMatchObject({ name: '@rb/compress', version });
    expect(span!.attributes).toEqual({
      'rb.compress.max_tokens': 50,
      'rb.compress.original_tokens': report.originalTokens,
      'rb.compress.final_tokens': report.finalTokens,
    });
  });
});
