// The quick start with nothing listening: the default exporter (OTLP/HTTP) cannot deliver, so shutdown() warns once
// on stderr and resolves within shutdownTimeoutMillis, and the process exits 0. A free port that nobody listens on
// stands in for "no collector on :4318".
import { createServer } from 'node:net';
import { createInstrumentation } from '@rb/telemetry';
import { startTelemetry } from '@rb/telemetry/sdk';

const server = createServer().listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const { port } = server.address();
await new Promise((resolve) => server.close(resolve));

const app = createInstrumentation({ name: 'quick-start', version: '1.0.0' });
const telemetry = startTelemetry({ serviceName: 'quick-start', endpoint: `http://127.0.0.1:${port}` });
app.withSpan('work', {}, () => 'done');
const started = performance.now();
await telemetry.shutdown();
const { exportedSpans, failedSpans } = telemetry.getExportStatistics();
console.log(`shutdown resolved after ${Math.round(performance.now() - started)} ms; ${exportedSpans} exported, ${failedSpans} failed`);
