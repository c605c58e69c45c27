// A package's own telemetry (scope, instruments, spans), started by the app, read back as the seed's statistics.
// Spans go to stderr here ("console"); with a collector or Jaeger on :4318, use the default exporter ('otlp').
import { SpanKind } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  GEN_AI_OPERATION,
  createApiCallDurationHistogram,
  createInstrumentation,
  createTokenUsageHistogram,
  genAiSpanName,
  recordApiCall,
  recordTokenUsage,
} from '@rb/telemetry';
import { startTelemetry } from '@rb/telemetry/sdk';

// In a library: one instrumentation per package, at module level, with the package's name and version.
const telemetry = createInstrumentation({ name: 'my-llm-client', version: '1.0.0' }, (meter) => ({
  apiCalls: createApiCallDurationHistogram(meter),
  tokens: createTokenUsageHistogram(meter),
}));

async function chat(model) {
  return telemetry.withSpan(
    genAiSpanName(GEN_AI_OPERATION.CHAT, model),
    { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION.CHAT, [ATTR_GEN_AI_REQUEST_MODEL]: model },
    async () => {
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 20)); // stands in for the HTTP call
      recordApiCall(telemetry.instruments.apiCalls, performance.now() - started);
      recordTokenUsage(telemetry.instruments.tokens, { input: 1200, output: 150 });
      return 'answer';
    },
    { kind: SpanKind.CLIENT },
  );
}

// In the app: start the SDK once, first thing.
const handle = startTelemetry({ serviceName: 'telemetry-example', exporter: 'console' });
await chat('gpt-4o-mini');
const stats = await handle.getStatistics();
console.log(`API calls: ${stats.apiCalls}, avg latency: ${stats.avgApiLatencyMs.toFixed(1)} ms, tokens: ${stats.totalTokensUsed}`);
await handle.shutdown();
