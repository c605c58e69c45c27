import { createServer } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { createInstrumentation } from './instrumentation.js';
import { ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_REQUEST_MODEL, GEN_AI_OPERATION, genAiSpanName } from './semconv.js';
import { startTelemetry } from './start-telemetry.js';
import { OtlpTestReceiver } from './testing/otlp-test-receiver.js';

const agent = createInstrumentation({ name: '@example/agent', version: '1.0.0' });
const llm = createInstrumentation({ name: '@example/llm', version: '2.0.0' });

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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

  it.each(['http/protobuf', 'http/json'] as const)(
    'delivers every span over %s, with names, scopes, attributes, parentage and service name, by shutdown() alone',
    async (protocol) => {
      const telemetry = startTelemetry({ serviceName: 'rb-otlp-test', endpoint: receiver.endpoint, protocol });

      await agent.withSpan('solve task', { 'rb.task.id': 't-1' }, async () => {
        await llm.withSpan(
          genAiSpanName(GEN_AI_OPERATION.CHAT, 'gpt-test'),
          { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION.CHAT, [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-test' },
          async () => 'answer',
          { kind: SpanKind.CLIENT },
        );
      });
      await expect(
        agent.withSpan('failing step', {}, async () => {
          throw new Error('judge unreachable');
        }),
      ).rejects.toThrow('judge unreachable');

      // The batch processor holds the spans; only shutdown() may flush them.
      expect(receiver.spans).toHaveLength(0);
      await telemetry.shutdown();

      expect(receiver.requests.every((r) => r.path === '/v1/traces')).toBe(true);
      expect(receiver.requests[0]!.contentType).toBe(protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
      expect(receiver.spans.map((s) => s.name).sort()).toEqual(['chat gpt-test', 'failing step', 'solve task']);
      expect(new Set(receiver.spans.map((s) => s.serviceName))).toEqual(new Set(['rb-otlp-test']));

      const parent = receiver.spans.find((s) => s.name === 'solve task')!;
      const chat = receiver.spans.find((s) => s.name === 'chat gpt-test')!;
      expect(parent).toMatchObject({ scope: '@example/agent', scopeVersion: '1.0.0', attributes: { 'rb.task.id': 't-1' } });
      expect(chat).toMatchObject({ scope: '@example/llm', scopeVersion: '2.0.0' });
      expect(chat.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-test' });
      expect(chat.parentSpanId).toBe(parent.spanId);
      expect(chat.traceId).toBe(parent.traceId);

      const failed = receiver.spans.find((s) => s.name === 'failing step')!;
      expect(failed.status?.code).toBe(2); // ERROR
      expect(failed.attributes['error.type']).toBe('Error');
      expect(failed.events.map((e) => e.name)).toContain('exception');
      expect(telemetry.getExportStatistics()).toEqual({ exportedSpans: 3, failedSpans: 0 });
    },
  );

  it('honours OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_PROTOCOL', async () => {
    process.env['OTEL_SERVICE_NAME'] = 'rb-from-env';
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.endpoint;
    process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] = 'http/json';
    const telemetry = startTelemetry();
    expect(telemetry.serviceName).toBe('rb-from-env');
    expect(telemetry.exporter).toBe('otlp');

    agent.withSpan('env span', { n: 1 }, () => undefined);
    await telemetry.shutdown();

    expect(receiver.requests[0]!.contentType).toBe('application/json');
    expect(receiver.spans).toHaveLength(1);
    expect(receiver.spans[0]).toMatchObject({ name: 'env span', serviceName: 'rb-from-env', attributes: { n: 1 } });
  });

  it('forceFlush() exports the spans finished so far without stopping', async () => {
    const telemetry = startTelemetry({ serviceName: 'rb-flush', endpoint: receiver.endpoint });
    agent.withSpan('first', {}, () => undefined);
    await telemetry.forceFlush();
    expect(receiver.spans.map((s) => s.name)).toEqual(['first']);

    agent.withSpan('second', {}, () => undefined);
    await telemetry.shutdown();
    expect(receiver.spans.map((s) => s.name)).toEqual(['first', 'second']);
  });
});

describe('no collector listening', () => {
  let stderr: jest.SpyInstance;
  const warnings = () =>
    stderr.mock.calls.map(([chunk]) => String(chunk)).filter((line) => line.startsWith('[@rb/telemetry]'));

  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => stderr.mockRestore());

  it('shutdown() resolves on a closed port, and the failure is reported once on stderr', async () => {
    const port = await closedPort();
    // A short export deadline, so that the retries of the forceFlush() below end within the test.
    const endpoint = `http://127.0.0.1:${port}`;
    const telemetry = startTelemetry({ serviceName: 'quick-start', endpoint, exportTimeoutMillis: 1500 });
    for (let i = 0; i < 3; i++) agent.withSpan(`step ${i}`, {}, () => undefined);
    await telemetry.forceFlush(); // fails: reported, not thrown
    agent.withSpan('last', {}, () => undefined);

    await expect(telemetry.shutdown()).resolves.toBeUndefined();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain(`could not export 3 span(s) to http://127.0.0.1:${port}/v1/traces (ECONNREFUSED)`);
    expect(warnings()[0]).toContain("exporter: 'console'");
    expect(telemetry.getExportStatistics()).toEqual({ exportedSpans: 0, failedSpans: 4 });
  });

  it('shutdown() gives up on a collector that never answers after shutdownTimeoutMillis', async () => {
    const hung = await OtlpTestReceiver.start({ hang: true });
    try {
      // The export deadline (60 s) is far beyond Jest's 5 s test timeout: only the shutdown budget can end this test.
      const telemetry = startTelemetry({ endpoint: hung.endpoint, exportTimeoutMillis: 60_000, shutdownTimeoutMillis: 300 });
      agent.withSpan('stuck', {}, () => undefined);
      await expect(telemetry.shutdown()).resolves.toBeUndefined();
      expect(hung.requests.length + telemetry.getExportStatistics().failedSpans).toBeGreaterThan(0);
    } finally {
      await hung.close();
    }
  });

  it('never puts credentials of the endpoint in the warning', async () => {
    const port = await closedPort();
    const telemetry = startTelemetry({ endpoint: `http://user:s3cret@127.0.0.1:${port}` });
    agent.withSpan('x', {}, () => undefined);
    await telemetry.shutdown();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).not.toContain('s3cret');
  });
});
