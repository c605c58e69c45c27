import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { TelemetryError } from './errors.js';
import {
  recordApiCall,
  recordCacheEviction,
  recordCacheHit,
  recordCacheMiss,
  recordEmbeddingsGenerated,
  recordMemoriesCached,
  recordTokenUsage,
  observeCache,
} from './instruments.js';
import { getStatistics, startTelemetry } from './start-telemetry.js';
import { StderrSpanExporter } from './stderr-span-exporter.js';
import { withSpan } from './with-span.js';

function expectTelemetryError(fn: () => unknown, code: string, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(TelemetryError.isInstance(caught)).toBe(true);
  expect(caught).toMatchObject({ name: 'TelemetryError', code });
  expect((caught as Error).message).toMatch(message);
}

describe('getStatistics', () => {
  it('refuses to report before telemetry is started, instead of printing zeros', async () => {
    await expect(getStatistics()).rejects.toMatchObject({ code: 'NOT_STARTED' });
  });

  it('reports the seed figures from the recorded metrics', async () => {
    const telemetry = startTelemetry({ exporter: 'none' });
    recordApiCall(100);
    recordApiCall(300, { 'server.address': 'api.example' });
    recordApiCall(50, {}, Object.assign(new Error('busy'), { code: 'HTTP_429' }));
    recordCacheHit('memories');
    recordCacheHit('memories', 2);
    recordCacheMiss('embeddings');
    recordCacheEviction('memories');
    recordTokenUsage({ input: 1200, output: 300 });
    recordTokenUsage({ input: 800 });
    recordEmbeddingsGenerated(32);
    recordEmbeddingsGenerated(8);
    recordMemoriesCached(5);

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
    // The last figures stay readable after shutdown, and nothing recorded later changes them.
    recordApiCall(1);
    await expect(getStatistics()).resolves.toEqual(stats);
  });

  it('reads observed caches when metrics are collected, summed per cache name, until unobserved', async () => {
    const telemetry = startTelemetry({ exporter: 'none' });
    const a = { totals: { hits: 3, misses: 1, evictions: 0 } };
    const b = { totals: { hits: 1, misses: 3, evictions: 2 } };
    const stopA = observeCache('memories', a, (cache) => cache.totals);
    const stopB = observeCache('memories', b, (cache) => cache.totals);

    expect(await telemetry.getStatistics()).toMatchObject({ cacheHits: 4, cacheMisses: 4, cacheEvictions: 2 });
    a.totals.hits += 4; // counted in the cache's own field, seen at the next collection
    expect((await telemetry.getStatistics()).cacheHitRate).toBe(66.66666666666666);

    stopA();
    expect(await telemetry.getStatistics()).toMatchObject({ cacheHits: 1, cacheMisses: 3 });
    stopB();
    await telemetry.shutdown();
  });

  it('starts from zero after a restart', async () => {
    const telemetry = startTelemetry({ exporter: 'none' });
    const stats = await telemetry.getStatistics();
    expect(stats.apiCalls).toBe(0);
    expect(stats.cacheHitRate).toBe(0);
    expect(stats.avgApiLatencyMs).toBe(0);
    await telemetry.shutdown();
  });
});

describe('startTelemetry', () => {
  it('refuses a second start while the first is running, and allows one after shutdown', async () => {
    const first = startTelemetry({ exporter: 'none' });
    expectTelemetryError(() => startTelemetry({ exporter: 'none' }), 'ALREADY_STARTED', /shutdown/);
    await first.shutdown();
    await first.shutdown(); // idempotent

    const exporter = new InMemorySpanExporter();
    const second = startTelemetry({ exporter, spanProcessor: 'simple' });
    withSpan('after restart', {}, () => undefined);
    await second.forceFlush();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['after restart']);
    await second.shutdown();
  });

  it.each([
    [{ exporter: 'jaeger' as never }, /exporter must be one of otlp, console, none/],
    [{ endpoint: 'localhost:4318' }, /endpoint must be an http\(s\) URL/],
    [{ endpoint: 'not a url' }, /endpoint must be an http\(s\) URL/],
    [{ serviceName: '  ' }, /serviceName must be a non-empty string/],
    [{ spanProcessor: 'eager' as never }, /spanProcessor must be "batch" or "simple"/],
  ])('rejects bad options %j with a TelemetryError naming the field', (options, message) => {
    expectTelemetryError(() => startTelemetry(options), 'INVALID_OPTIONS', message);
  });

  it('rejects an unknown OTEL_TRACES_EXPORTER', () => {
    const saved = process.env['OTEL_TRACES_EXPORTER'];
    process.env['OTEL_TRACES_EXPORTER'] = 'zipkin';
    try {
      expectTelemetryError(() => startTelemetry(), 'INVALID_OPTIONS', /OTEL_TRACES_EXPORTER=zipkin/);
    } finally {
      if (saved === undefined) delete process.env['OTEL_TRACES_EXPORTER'];
      else process.env['OTEL_TRACES_EXPORTER'] = saved;
    }
  });
});

describe('StderrSpanExporter (the "console" exporter)', () => {
  it('writes one JSON line per span, never to stdout', async () => {
    const lines: string[] = [];
    const telemetry = startTelemetry({
      exporter: new StderrSpanExporter((line) => lines.push(line)),
      spanProcessor: 'simple',
    });
    withSpan('printed', { 'rb.x': 'y' }, () => undefined);
    await telemetry.shutdown();

    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toMatchObject({ name: 'printed', attributes: { 'rb.x': 'y' } });
  });
});
