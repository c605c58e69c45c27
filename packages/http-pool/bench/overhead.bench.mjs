// What the pool costs over a bare undici Pool: 10 concurrent small JSON POSTs over loopback keep-alive connections,
// the same server for both (in a child process), medians of interleaved rounds (ABBA order), first without an
// OpenTelemetry SDK, then with one started. One loop function per contender. Besides throughput it reports this
// process's CPU time per request, which a busy machine disturbs less than wall-clock time.
// Run: npx nx bench @rb/http-pool   (or node packages/http-pool/bench/overhead.bench.mjs after a build)
// Env: BENCH_ROUNDS (rounds per contender and phase, default 10), BENCH_REQUESTS (requests per round, default 4000).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
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
async function poolLoop(n) {
  let left = n;
  const one = async () => {
    while (left-- > 0) await pooled.postJson(url, { json: payload });
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, one));
}

const contenders = [
  ['bare undici Pool', bareLoop],
  ['APIConnectionPool', poolLoop],
];

async function phase(label) {
  const rates = contenders.map(() => []);
  const cpu = contenders.map(() => []);
  for (const [, loop] of contenders) await loop(REQUESTS / 4); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
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
  const [bareRate, poolRate] = rates.map(median);
  const [bareCpu, poolCpu] = cpu.map(median);
  console.log(
    `| ${label} | ${fmt(bareRate)} | ${fmt(poolRate)} | **${(poolRate / bareRate).toFixed(2)}** | ${bareCpu.toFixed(1)} / ${poolCpu.toFixed(1)} | ${(bareCpu / poolCpu).toFixed(2)} |`,
  );
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x) => `${Math.round(x).toLocaleString('en-US')} req/s`;

console.log(`Overhead over bare undici: ${CONCURRENCY} concurrent small JSON POSTs, loopback keep-alive, ${ROUNDS} rounds of ${REQUESTS} per contender, Node ${process.version}\n`);
console.log('| OpenTelemetry | bare undici Pool | APIConnectionPool | throughput ratio | client CPU µs per request (bare / pool) | CPU ratio |');
console.log('|---|---|---|---|---|---|');
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
await bare.close();
child.stdin.end();
const made = REQUESTS / 4 + ROUNDS * REQUESTS;
console.log(`\nSpans exported with the SDK: ${exported} of ${made} pool requests (${made - exported} dropped by the batch processor's queue).`);
