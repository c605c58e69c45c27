import { tracing } from '@opentelemetry/sdk-node';
import { TelemetryError } from './errors.js';
import { createInstrumentation } from './instrumentation.js';
import {
  createApiCallDurationHistogram,
  createEmbeddingsGeneratedCounter,
  createMemoriesCachedCounter,
  createTokenUsageHistogram,
  recordApiCall,
  recordTokenUsage,
} from './metric-instruments.js';
import { ObservedTotals } from './observed-totals.js';
import { ATTR_CACHE_NAME, METRIC_RB_CACHE_EVICTIONS, METRIC_RB_CACHE_HITS, METRIC_RB_CACHE_MISSES } from './semconv.js';
import { getStatistics, startTelemetry } from './start-telemetry.js';
import { StderrSpanExporter } from './stderr-span-exporter.js';

function caught(fn: () => unknown): TelemetryError {
  try {
    fn();
  } catch (error) {
    if (TelemetryError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a TelemetryError');
}

// Three packages, each with its own scope and instruments, as @rb/http-pool, @rb/embed-batch and an agent would be.
const httpPool = createInstrumentation({ name: 'test-http-pool', version: '1.0.0' }, (meter) => ({
  apiCalls: createApiCallDurationHistogram(meter),
}));
const embedder = createInstrumentation({ name: 'test-embedder', version: '2.0.0' }, (meter) => ({
  generated: createEmbeddingsGeneratedCounter(meter),
  cached: createMemoriesCachedCounter(meter),
}));
const agent = createInstrumentation({ name: 'test-agent', version: '3.0.0' }, (meter) => ({
  tokens: createTokenUsageHistogram(meter),
}));
const cacheTotals = new ObservedTotals(
  { hits: { name: METRIC_RB_CACHE_HITS }, misses: { name: METRIC_RB_CACHE_MISSES }, evictions: { name: METRIC_RB_CACHE_EVICTIONS } },
  ATTR_CACHE_NAME,
);
const caches = createInstrumentation({ name: 'test-cache', version: '4.0.0' }, (meter) => {
  cacheTotals.addTo(meter);
  return {};
});

describe('getStatistics', () => {
  it('refuses to report before telemetry is started, instead of printing zeros', async () => {
    await expect(getStatistics()).rejects.toMatchObject({ name: 'TelemetryError', code: 'NOT_STARTED' });
  });

  it("reads the seed figures by metric name from every package's own meter", async () => {
    const telemetry = startTelemetry({ exporter: 'none' });
    recordApiCall(httpPool.instruments.apiCalls, 100);
    recordApiCall(httpPool.instruments.apiCalls, 300, { 'server.address': 'api.example' });
    recordApiCall(httpPool.instruments.apiCalls, 50, {}, Object.assign(new Error('busy'), { code: 'HTTP_429' }));
    recordTokenUsage(agent.instruments.tokens, { input: 1200, output: 300 });
    recordTokenUsage(agent.instruments.tokens, { input: 800 });
    embedder.instruments.generated.add(32);
    embedder.instruments.generated.add(8);
    embedder.instruments.cached.add(5);
    const owner = {};
    const stop = cacheTotals.observe('memories', owner, { hits: 3, misses: 1, evictions: 1 });

    const stats = await getStatistics();
    expect(stats).toEqual({
      apiCalls: 3,
      apiErrors: 1,
      minApiLatencyMs: 50,
      maxApiLatencyMs: 300,
      avgApiLatencyMs: 150,
      cacheHits: 3,
      cacheMisses: 1,
      cacheEvictions: 1,
      cacheHitRate: 75,
      inputTokens: 2000,
      outputTokens: 300,
      totalTokensUsed: 2300,
      embeddingsGenerated: 40,
      memoriesCached: 5,
    });

    await telemetry.shutdown();
    stop();
    // The last figures stay readable after shutdown, and nothing recorded later changes them.
    recordApiCall(httpPool.instruments.apiCalls, 1);
    await expect(getStatistics()).resolves.toEqual(stats);
  });

  it('reports observed totals read at collection, summed per label, and never going backwards when one stops', async () => {
    const telemetry = startTelemetry({ exporter: 'none' });
    const before = await telemetry.getStatistics();
    const a = { hits: 3, misses: 1, evictions: 0 };
    const b = { hits: 1, misses: 3, evictions: 2 };
    const ownerA = {};
    const ownerB = {};
    const stopA = cacheTotals.observe('observed', ownerA, a);
    const stopB = cacheTotals.observe('observed', ownerB, b);
    const delta = async () => {
      const now = await telemetry.getStatistics();
      return { hits: now.cacheHits - before.cacheHits, misses: now.cacheMisses - before.cacheMisses };
    };

    expect(await delta()).toEqual({ hits: 4, misses: 4 });
    a.hits += 4; // counted in the owner's own field, seen at the next collection
    expect(await delta()).toEqual({ hits: 8, misses: 4 });
    stopA();
    a.hits += 100; // no longer observed: ignored, but what it had counted stays
    expect(await delta()).toEqual({ hits: 8, misses: 4 });
    stopB();
    expect(cacheTotals.size).toBe(0);
    await telemetry.shutdown();
  });

  it('reports totals observed before the SDK started', async () => {
    const owner = {};
    const stop = cacheTotals.observe('early', owner, { hits: 2, misses: 0, evictions: 0 });
    const telemetry = startTelemetry({ exporter: 'none' });
    expect((await telemetry.getStatistics()).cacheHits).toBeGreaterThanOrEqual(2);
    stop();
    await telemetry.shutdown();
    expect(caches.scope.name).toBe('test-cache');
  });

  it('starts from zero after a restart', async () => {
    const telemetry = startTelemetry({ exporter: 'none' });
    recordApiCall(httpPool.instruments.apiCalls, 10);
    await telemetry.shutdown();
    const again = startTelemetry({ exporter: 'none' });
    const stats = await again.getStatistics();
    expect(stats.apiCalls).toBe(0);
    expect(stats.avgApiLatencyMs).toBe(0);
    await again.shutdown();
  });
});

describe('startTelemetry', () => {
  it('refuses a second start while the first is running, and allows one after shutdown', async () => {
    const first = startTelemetry({ exporter: 'none' });
    expect(caught(() => startTelemetry({ exporter: 'none' }))).toMatchObject({ code: 'ALREADY_STARTED' });
    await first.shutdown();
    await first.shutdown(); // idempotent

    const exporter = new tracing.InMemorySpanExporter();
    const second = startTelemetry({ exporter, spanProcessor: 'simple' });
    httpPool.withSpan('after restart', {}, () => undefined);
    await second.forceFlush();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['after restart']);
    await second.shutdown();
  });

  it.each([
    [null, 'options', /options must be an object, got null/],
    ['otlp', 'options', /options must be an object/],
    [{ exporter: 'jaeger' }, 'exporter', /exporter must be one of otlp, console, none or a SpanExporter, got "jaeger"/],
    [{ exporter: {} }, 'exporter', /exporter must be/],
    [{ endpoint: 'localhost:4318' }, 'endpoint', /endpoint must be an http\(s\) URL/],
    [{ endpoint: 'not a url' }, 'endpoint', /endpoint must be an http\(s\) URL/],
    [{ serviceName: '  ' }, 'serviceName', /serviceName must be a non-empty string/],
    [{ serviceName: 5 }, 'serviceName', /serviceName must be a string/],
    [{ spanProcessor: 'eager' }, 'spanProcessor', /spanProcessor must be one of "batch", "simple"/],
    [{ protocol: 'grpc' }, 'protocol', /protocol must be one of "http\/protobuf", "http\/json"/],
    [{ metricReaders: 'x' }, 'metricReaders', /metricReaders must be an array of MetricReader, got "x"/],
    [{ metricReaders: [{}] }, 'metricReaders[0]', /metricReaders\[0\] must be a MetricReader, got an object/],
    [{ resourceAttributes: 'x' }, 'resourceAttributes', /resourceAttributes must be an object of attribute values, got "x"/],
    [{ resourceAttributes: { team: {} } }, 'resourceAttributes.team', /resourceAttributes.team must be a string/],
    [{ headers: { 'x-api-key': 5 } }, 'headers', /headers must be an object of string values/],
    [{ shutdownTimeoutMillis: 0 }, 'shutdownTimeoutMillis', /shutdownTimeoutMillis must be an integer >= 1 and <= 600000/],
    [{ exportTimeoutMillis: 30e6 }, 'exportTimeoutMillis', /<= 600000/],
    [{ service_name: 'x' }, 'service_name', /unknown option "service_name"; valid options are serviceName, /],
  ])('rejects %j with a TelemetryError naming the field', (options, field, message) => {
    const error = caught(() => startTelemetry(options as never));
    expect(error).toMatchObject({ name: 'TelemetryError', code: 'INVALID_OPTIONS', field });
    expect(error.message).toMatch(message);
  });

  it('keeps the message of a huge bad value short', () => {
    const error = caught(() => startTelemetry({ endpoint: 'x'.repeat(5_000_000) }));
    expect(error.message.length).toBeLessThan(200);
  });

  it.each([
    ['OTEL_TRACES_EXPORTER', 'zipkin', /OTEL_TRACES_EXPORTER="zipkin" is not one of otlp, console, none/],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc', /OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not supported/],
    ['OTEL_EXPORTER_OTLP_TIMEOUT', '10s', /OTEL_EXPORTER_OTLP_TIMEOUT must be milliseconds/],
  ])('rejects %s=%s', (name, value, message) => {
    const saved = process.env[name];
    process.env[name] = value;
    try {
      const error = caught(() => startTelemetry());
      expect(error).toMatchObject({ code: 'INVALID_OPTIONS', field: name });
      expect(error.message).toMatch(message);
    } finally {
      if (saved === undefined) delete process.env[name];
      else process.env[name] = saved;
    }
  });
});

describe('OTEL_SDK_DISABLED=true', () => {
  it('starts nothing, reports zeros and shuts down cleanly', async () => {
    process.env['OTEL_SDK_DISABLED'] = 'true';
    try {
      const telemetry = startTelemetry({ exporter: 'none' });
      embedder.instruments.generated.add(3);
      expect((await telemetry.getStatistics()).embeddingsGenerated).toBe(0);
      await expect(telemetry.shutdown()).resolves.toBeUndefined();
    } finally {
      delete process.env['OTEL_SDK_DISABLED'];
    }
  });
});

describe('StderrSpanExporter (the "console" exporter)', () => {
  it('writes one JSON line per span, with its scope, never to stdout', async () => {
    const lines: string[] = [];
    const telemetry = startTelemetry({
      exporter: new StderrSpanExporter((line) => lines.push(line)),
      spanProcessor: 'simple',
    });
    embedder.withSpan('printed', { 'rb.x': 'y' }, () => undefined);
    await telemetry.shutdown();

    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toMatchObject({ name: 'printed', scope: 'test-embedder', attributes: { 'rb.x': 'y' } });
  });
});
