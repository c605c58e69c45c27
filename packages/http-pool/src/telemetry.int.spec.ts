import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, type TelemetryHandle } from '@rb/telemetry/sdk';
import { APIConnectionPool } from './api-connection-pool.js';
import { sendJson, startTestServer, type TestServer } from './testing/test-server.js';

describe('APIConnectionPool telemetry', () => {
  let exporter: InMemorySpanExporter;
  let telemetry: TelemetryHandle;
  let server: TestServer;
  let pool: APIConnectionPool;

  beforeEach(async () => {
    exporter = new InMemorySpanExporter();
    telemetry = startTelemetry({ serviceName: 'http-pool-test', exporter, spanProcessor: 'simple' });
    server = await startTestServer((_req, res, received, index) =>
      sendJson(res, received.path === '/fail' ? 404 : index === 0 ? 503 : 200, {}),
    );
    pool = new APIConnectionPool({ sleep: async () => undefined, random: () => 0.5 });
  });

  afterEach(async () => {
    await pool.close();
    await server.close();
    await telemetry.shutdown();
  });

  it('records one CLIENT span per logical request, an event per attempt, and one API call', async () => {
    const { port } = new URL(server.origin);
    await pool.postJson(`${server.origin}/chat?key=secret`, { json: {} });
    await expect(pool.get(`${server.origin}/fail`)).rejects.toMatchObject({ status: 404 });

    await telemetry.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['POST', 'GET']);
    const [post, get] = spans;
    expect(post!.kind).toBe(SpanKind.CLIENT);
    expect(post!.attributes).toMatchObject({
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
    expect(get!.status.code).toBe(SpanStatusCode.ERROR);
    expect(get!.attributes).toMatchObject({ 'http.response.status_code': 404, 'error.type': 'HTTP_ERROR' });

    const statistics = await telemetry.getStatistics();
    expect(statistics).toMatchObject({ apiCalls: 2, apiErrors: 1 });
  });
});
