// Start telemetry, trace some work, print the seed-style statistics. Spans go to stderr here ("console");
// with a Jaeger running (`docker compose up -d jaeger`), use exporter: 'otlp' and open http://localhost:16686.
import { SpanKind } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  GEN_AI_OPERATION,
  genAiSpanName,
  recordApiCall,
  recordCacheHit,
  recordCacheMiss,
  recordTokenUsage,
  withSpan,
} from '@rb/telemetry';
import { startTelemetry } from '@rb/telemetry/sdk';

const telemetry = startTelemetry({ serviceName: 'telemetry-example', exporter: 'console' });

await withSpan('solve task', { 'rb.task': 'example' }, async () => {
  recordCacheMiss('memories');
  recordCacheHit('memories');
  await withSpan(
    genAiSpanName(GEN_AI_OPERATION.CHAT, 'gpt-4o-mini'),
    { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION.CHAT, [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini' },
    async () => {
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 20)); // stands in for the LLM call
      recordApiCall(performance.now() - started);
      recordTokenUsage({ input: 1200, output: 150 });
    },
    { kind: SpanKind.CLIENT },
  );
});

const stats = await telemetry.getStatistics();
console.log(
  `API calls: ${stats.apiCalls}, avg latency: ${stats.avgApiLatencyMs.toFixed(1)} ms, ` +
    `cache hit rate: ${stats.cacheHitRate}%, tokens: ${stats.totalTokensUsed}`,
);
await telemetry.shutdown();
