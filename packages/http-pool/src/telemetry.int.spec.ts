import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { APIConnectionPool } from './api-connection-pool.js';
import type { Layer } from './layer.js';
import { sendJson, startTestServer, type TestServer } from './testing/test-server.js';

/** Collects on demand, as the app's statistics reader does. */
class PullReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {
    // Nothing is buffered: collect() reads the instruments.
  }
  protected override async onShutdown(): Promise<void> {
    // Nothing to release.
  }
}

describe('APIConnectionPool telemetry', () => {
  let exporter: InMemorySpanExporter;
  let reader: PullReader;
  let tracerProvider: BasicTracerProvider;
  let meterProvider: MeterProvider;
  let server: TestServer;
  let pool: APIConnectionPool | undefined;

  beforeEach(async () => {
    exporter = new InMemorySpanExporter();
    tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    reader = new PullReader();
    meterProvider = new MeterProvider({ readers: [reader] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    server = await startTestServer((_req, res, received, index) =>
      sendJson(res, received.path === '/fail' ? 404 : index === 0 ? 503 : 200, {}),
    );
  });

  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    await server.close();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
    trace.disable();
    metrics.disable();
    context.disable();
  });

  it('records one CLIENT span per logical request under its own scope, with an event per attempt of a retried or failed request', async () => {
    pool = new APIConnectionPool({ sleep: async () => undefined, random: () => 0.5 });
    const { port } = new URL(server.origin);
    await pool.postJson(`${server.origin}/chat?key=s3cr3t`, { json: {} });
    await expect(pool.get(`${server.origin}/fail`)).rejects.toMatchObject({ status: 404 });

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['POST', 'GET']);
    const [post, get] = spans;
    const version = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version;
    expect(post!.instrumentationScope).toEqual({ name: '@rb/http-pool', version, schemaUrl: undefined });
    expect(post!.kind).toBe(SpanKind.CLIENT);
    expect(post!.attributes).toEqual({
      'http.request.method': 'POST',
      'url.full': `${server.origin}/chat?key=REDACTED`,
      'server.address': '127.0.0.1',
      'server.port': Number(port),
      'http.response.status_code': 200,
      'http.request.resend_count': 1,
    });
    expect(post!.events.map((e) => [e.name, e.attributes?.['http.response.status_code'], e.attributes?.['rb.http.retry_wait_ms']])).toEqual([
      ['http.attempt', 503, 250],
      ['http.attempt', 200, undefined],
    ]);
    expect(get!.events.map((e) => e.attributes?.['http.response.status_code'])).toEqual([404]);
    expect(get!.status.code).toBe(SpanStatusCode.ERROR);
    expect(get!.attributes).toMatchObject({ 'http.response.status_code': 404, 'error.type': 'HTTP_ERROR' });
    expect(JSON.stringify(spans.map((s) => [s.attributes, s.events]))).not.toContain('s3cr3t');
  });

  it('measures each logical request once in rb.api.call.duration, failures with error.type', async () => {
    pool = new APIConnectionPool({ sleep: async () => undefined });
    await pool.postJson(`${server.origin}/chat`, { json: {} });
    await expect(pool.get(`${server.origin}/fail`)).rejects.toMatchObject({ status: 404 });

    const { resourceMetrics } = await reader.collect();
    const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === '@rb/http-pool')!;
    const metric = scope.metrics.find((m) => m.descriptor.name === 'rb.api.call.duration') as HistogramMetricData;
    expect(metric.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(metric.descriptor.unit).toBe('s');
    const points = metric.dataPoints.map((p) => [p.attributes['http.request.method'], p.attributes['http.response.status_code'], p.attributes['error.type'], p.value.count]);
    expect(points).toEqual(
      expect.arrayContaining([
        ['POST', 200, undefined, 1],
        ['GET', 404, 'HTTP_ERROR', 1],
      ]),
    );
    expect(points).toHaveLength(2);
  });

  it('keeps the request span active in layers, so their spans are its children', async () => {
    const tracer = trace.getTracer('test-layer');
    const traced: Layer = (next) => (request, ctx) => tracer.startActiveSpan('wait for a slot', (span) => next(request, ctx).finally(() => span.end()));
    pool = new APIConnectionPool({ layers: { request: [traced] } });

    await pool.postJson(`${server.origin}/chat`, { json: {} }).catch(() => undefined);

    const spans = exporter.getFinishedSpans();
    const parent = spans.find((s) => s.name === 'POST')!;
    const child = spans.find((s) => s.name === 'wait for a slot')!;
    expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(child.spanContext().traceId).toBe(parent.spanContext().traceId);
  });

  it('records nothing for a pool made with telemetry: false, while a pool beside it still does', async () => {
    pool = new APIConnectionPool({ telemetry: false, sleep: async () => undefined, random: () => 0.5 });
    const instrumented = new APIConnectionPool({ sleep: async () => undefined, random: () => 0.5 });
    try {
      await pool.postJson(`${server.origin}/quiet`, { json: {} }); // 503, retried, then 200
      await instrumented.postJson(`${server.origin}/loud`, { json: {} });
    } finally {
      await instrumented.close();
    }

    expect(exporter.getFinishedSpans().map((s) => s.attributes['url.full'])).toEqual([`${server.origin}/loud`]);
    expect(exporter.getFinishedSpans()[0]!.events).toEqual([]); // a first attempt that succeeds needs no event
    const { resourceMetrics } = await reader.collect();
    const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === '@rb/http-pool')!;
    const metric = scope.metrics.find((m) => m.descriptor.name === 'rb.api.call.duration') as HistogramMetricData;
    expect(metric.dataPoints.reduce((sum, p) => sum + p.value.count, 0)).toBe(1);
    expect(pool.getStatistics()).toMatchObject({ requests: 1, retries: 1 });
  });
});
