// What the pool costs over a bare undici Pool: 10 concurrent small JSON POSTs over loopback keep-alive connections,
// the same server for all (in a child process), medians of interleaved rounds (the order rotates, so each contender
// goes first in turn), first without an OpenTelemetry SDK, then with one started. One loop function per contender:
// bare undici; the pool; bare undici given by hand the span and metric the pool records; the pool with
// `telemetry: false`. Besides throughput it reports this process's CPU time per request, which a busy machine
// disturbs less than wall-clock time.
// Run: npx nx bench @rb/http-pool   (or node packages/http-pool/bench/overhead.bench.mjs after a build)
// Env: BENCH_ROUNDS (rounds per contender and phase, default 10), BENCH_REQUESTS (requests per round, default 4000).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { SpanKind, SpanStatusCode, context, metrics, trace } from '@opentelemetry/api';
import { Pool } from 'undici';
import { APIConnectionPool } from '@rb/http-pool';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const CONCURRENCY = 10;

// The server runs in a child process, so this process's CPU time is the client's alone. It exits when its stdin
// closes, which happens when this process ends however it ends.
const serverSource = `
const { createServer } = require('node:http');
const answer = JSON.stringify({ id: 'cmpl-1', choices: [{ message: { role: 'assistant', content: 'ok' } }] });
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.stdin.on('end', () => process.exit(0)).resume();
`;
const child = spawn(process.execPath, ['-e', serverSource], { stdio: ['pipe', 'pipe', 'inherit'] });
const port = Number((await once(child.stdout, 'data'))[0].toString().trim());
const origin = `http://127.0.0.1:${port}`;
const url = `${origin}/v1/chat/completions`;
const payload = { model: 'bench', messages: [{ role: 'user', content: 'Say ok.' }] };

const bare = new Pool(origin, { connections: CONCURRENCY });
async function bareLoop(n) {
  let left = n;
  const one = async () => {
    while (left-- > 0) {
      const { body } = await bare.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      await body.json();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, one));
}

const pooled = new APIConnectionPool({ poolSize: CONCURRENCY });
const quiet = new APIConnectionPool({ poolSize: CONCURRENCY, telemetry: false });
const poolLoopOf = (pool) =>
  async function poolLoop(n) {
    let left = n;
    const one = async () => {
      while (left-- > 0) await pool.postJson(url, { json: payload });
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, one));
  };

// The bare library given by hand what the pool records per request: a CLIENT span with the same attributes, active
// while the request runs, and one histogram measurement. With an SDK started it tells the cost of the telemetry
// itself (the SDK's span, the metric's attribute hashing, async context on every promise) from the pool's own.
const origin_ = new URL(origin);
const spanAttributes = { 'http.request.method': 'POST', 'url.full': url, 'server.address': origin_.hostname, 'server.port': Number(origin_.port) };
async function instrumentedLoop(n) {
  const tracer = trace.getTracer('bench');
  const histogram = metrics.getMeter('bench').createHistogram('bench.api.call.duration', { unit: 's' });
  let left = n;
  const one = async () => {
    while (left-- > 0) {
      const started = performance.now();
      const span = tracer.startSpan('POST', { kind: SpanKind.CLIENT, attributes: spanAttributes });
      try {
        await context.with(trace.setSpan(context.active(), span), async () => {
          const { statusCode, body } = await bare.request({
            path: '/v1/chat/completions',
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(payload),
          });
          await body.json();
          span.setAttribute('http.response.status_code', statusCode);
          histogram.record((performance.now() - started) / 1000, {
            'http.request.method': 'POST',
            'server.address': spanAttributes['server.address'],
            'server.port': spanAttributes['server.port'],
            'http.response.status_code': statusCode,
          });
        });
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, one));
}

const contenders = [
  ['bare undici Pool', bareLoop],
  ['APIConnectionPool', poolLoopOf(pooled)],
  ['undici + the same span and metric by hand', instrumentedLoop],
  ['APIConnectionPool, telemetry: false', poolLoopOf(quiet)],
];

async function phase(label) {
  const rates = contenders.map(() => []);
  const cpu = contenders.map(() => []);
  for (const [, loop] of contenders) await loop(REQUESTS / 4); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const order = contenders.map((_, i) => (i + round) % contenders.length); // each first in turn
    for (const i of order) {
      const cpuBefore = process.cpuUsage();
      const start = performance.now();
      await contenders[i][1](REQUESTS);
      const seconds = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpuBefore);
      rates[i].push(REQUESTS / seconds);
      cpu[i].push((used.user + used.system) / REQUESTS);
    }
  }
  const [bareRate, poolRate, handRate, quietRate] = rates.map(median);
  const [bareCpu, poolCpu, handCpu, quietCpu] = cpu.map(median);
  const ratio = (a, b) => (a / b).toFixed(2);
  console.log(
    `| ${label} | ${fmt(bareRate)} | ${fmt(poolRate)} | **${ratio(poolRate, bareRate)}** | ${ratio(bareCpu, poolCpu)} | ` +
      `${ratio(handRate, bareRate)} | ${ratio(poolRate, handRate)} | ${ratio(quietRate, bareRate)} | ` +
      `${[bareCpu, poolCpu, handCpu, quietCpu].map((x) => x.toFixed(1)).join(' / ')} |`,
  );
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x) => `${Math.round(x).toLocaleString('en-US')} req/s`;

console.log(`Overhead over bare undici: ${CONCURRENCY} concurrent small JSON POSTs, loopback keep-alive, ${ROUNDS} rounds of ${REQUESTS} per contender, Node ${process.version}\n`);
console.log(
  '| OpenTelemetry | bare undici Pool | APIConnectionPool | pool / bare | CPU: bare / pool | bare + span and metric by hand / bare | ' +
    'pool / by hand | pool with telemetry: false / bare | client CPU µs per request (bare / pool / by hand / telemetry: false) |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
await phase('no SDK');

// The SDK as an app starts it: NodeSDK with its default batch span processor and async-hooks context manager, a
// metric reader, and an exporter that only counts (so the figure is the SDK's cost, not a collector's).
const { NodeSDK } = await import('@opentelemetry/sdk-node');
const { PeriodicExportingMetricReader, InMemoryMetricExporter, AggregationTemporality } = await import('@opentelemetry/sdk-metrics');
let exported = 0;
const sdk = new NodeSDK({
  serviceName: 'http-pool-bench',
  traceExporter: {
    export(spans, done) {
      exported += spans.length;
      done({ code: 0 });
    },
    shutdown: async () => undefined,
    forceFlush: async () => undefined,
  },
  metricReader: new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 60_000,
  }),
  instrumentations: [],
});
sdk.start();
await phase('SDK started (batch span processor)');
await sdk.shutdown();
await pooled.close();
await quiet.close();
await bare.close();
child.stdin.end();
const made = 2 * (REQUESTS / 4 + ROUNDS * REQUESTS); // the pool's spans and the hand-made ones
console.log(`\nSpans exported with the SDK: ${exported} of ${made} made (${made - exported} dropped by the batch processor's queue).`);
