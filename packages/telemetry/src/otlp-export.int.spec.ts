import { SpanKind } from '@opentelemetry/api';
import { withSpan } from './with-span.js';
import { startTelemetry } from './start-telemetry.js';
import { ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_REQUEST_MODEL, GEN_AI_OPERATION, genAiSpanName } from './semconv.js';
import { OtlpTestReceiver } from './testing/otlp-test-receiver.js';

describe('OTLP/HTTP export to a real receiver on 127.0.0.1', () => {
  let receiver: OtlpTestReceiver;
  const savedEnv = { ...process.env };

  beforeEach(async () => {
    receiver = await OtlpTestReceiver.start();
  });

  afterEach(async () => {
    process.env = { ...savedEnv };
    await receiver.close();
  });

  it('delivers every span, with names, attributes, parentage and service name, by shutdown() alone', async () => {
    const telemetry = startTelemetry({ serviceName: 'rb-otlp-test', endpoint: receiver.endpoint });

    await withSpan('solve task', { 'rb.task.id': 't-1' }, async () => {
      await withSpan(
        genAiSpanName(GEN_AI_OPERATION.CHAT, 'gpt-test'),
        { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION.CHAT, [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-test' },
        async () => 'answer',
        { kind: SpanKind.CLIENT },
      );
    });
    await expect(
      withSpan('failing step', {}, async () => {
        throw new Error('judge unreachable');
      }),
    ).rejects.toThrow('judge unreachable');

    // The batch processor holds the spans; only shutdown() may flush them.
    expect(receiver.spans).toHaveLength(0);
    await telemetry.shutdown();

    expect(receiver.requests.every((r) => r.path === '/v1/traces')).toBe(true);
    expect(receiver.spans.map((s) => s.name).sort()).toEqual(['chat gpt-test', 'failing step', 'solve task']);
    expect(new Set(receiver.spans.map((s) => s.serviceName))).toEqual(new Set(['rb-otlp-test']));

    const parent = receiver.spans.find((s) => s.name === 'solve task')!;
    const chat = receiver.spans.find((s) => s.name === 'chat gpt-test')!;
    expect(parent.attributes['rb.task.id']).toBe('t-1');
    expect(chat.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-test' });
    expect(chat.parentSpanId).toBe(parent.spanId);
    expect(chat.traceId).toBe(parent.traceId);

    const failed = receiver.spans.find((s) => s.name === 'failing step')!;
    expect(failed.status?.code).toBe(2); // ERROR
    expect(failed.attributes['error.type']).toBe('Error');
    expect(failed.events.map((e) => e.name)).toContain('exception');
  });

  it('honours OTEL_SERVICE_NAME and OTEL_EXPORTER_OTLP_ENDPOINT when no option is given', async () => {
    process.env['OTEL_SERVICE_NAME'] = 'rb-from-env';
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.endpoint;
    const telemetry = startTelemetry();
    expect(telemetry.serviceName).toBe('rb-from-env');
    expect(telemetry.exporter).toBe('otlp');

    withSpan('env span', { n: 1 }, () => undefined);
    await telemetry.shutdown();

    expect(receiver.spans).toHaveLength(1);
    expect(receiver.spans[0]).toMatchObject({ name: 'env span', serviceName: 'rb-from-env', attributes: { n: 1 } });
  });

  it('forceFlush() exports the spans finished so far without stopping', async () => {
    const telemetry = startTelemetry({ serviceName: 'rb-flush', endpoint: receiver.endpoint });
    withSpan('first', {}, () => undefined);
    await telemetry.forceFlush();
    expect(receiver.spans.map((s) => s.name)).toEqual(['first']);

    withSpan('second', {}, () => undefined);
    await telemetry.shutdown();
    expect(receiver.spans.map((s) => s.name)).toEqual(['first', 'second']);
  });
});
