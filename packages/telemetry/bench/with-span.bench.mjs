// What withSpan costs per call, against the bare alternative in the same run:
// - no SDK registered: withSpan vs a bare function call (sync and async), in loops that do nothing else;
// - SDK started with the default exporter (OTLP/HTTP protobuf, batch processor) sending to a real receiver in another
//   process: withSpan vs a bare tracer.startActiveSpan doing the same work. The loops yield to the event loop every
//   CHUNK spans so the batch processor exports as it would in an app, the time includes the final flush, and spans
//   that never reached the receiver are reported as dropped.
// Times are this process's CPU time (user + system) per call, so that other jobs on the machine inflate them less than
// they would wall-clock time; the receiver's work is in its own process and not counted.
// Medians of ROUNDS interleaved rounds, one loop function per contender. Run: npx nx bench @rb/telemetry
import { fork } from 'node:child_process';
import { SpanKind, trace } from '@opentelemetry/api';
import { createInstrumentation } from '@rb/telemetry';
import { startTelemetry } from '@rb/telemetry/sdk';

// Calls per round: without an SDK a call takes tens of ns, so rounds are long enough only with many more calls.
const N_NO_SDK = Number(process.env.BENCH_N_NO_SDK ?? 1_000_000);
const N = Number(process.env.BENCH_N ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);
const CHUNK = 64;
const attrs = { 'rb.bench': 1 };
const pkg = createInstrumentation({ name: 'bench-package', version: '1.0.0' });

let sink = 0;
const work = () => (sink = (sink + 1) | 0);
const asyncWork = async () => work();
const tick = () => new Promise((resolve) => setImmediate(resolve));

// One loop function per contender, so that V8 optimises each for its own call site.
const loops = {
  // Without an SDK nothing is exported, so these loops need not yield: they time the calls alone.
  bareSync: async (n) => {
    for (let i = 0; i < n; i++) work();
  },
  withSpanSync: async (n) => {
    for (let i = 0; i < n; i++) pkg.withSpan('withSpanSync', attrs, work);
  },
  bareAsync: async (n) => {
    for (let i = 0; i < n; i++) await asyncWork();
  },
  withSpanAsync: async (n) => {
    for (let i = 0; i < n; i++) await pkg.withSpan('withSpanAsync', attrs, asyncWork);
  },
  // With the SDK, every loop yields to the event loop every CHUNK calls, so the batch processor exports.
  withSpanSdkSync: async (n) => {
    for (let i = 0; i < n; i += CHUNK) {
      for (let j = 0; j < CHUNK; j++) pkg.withSpan('withSpanSdkSync', attrs, work);
      await tick();
    }
  },
  withSpanSdkAsync: async (n) => {
    for (let i = 0; i < n; i += CHUNK) {
      for (let j = 0; j < CHUNK; j++) await pkg.withSpan('withSpanSdkAsync', attrs, asyncWork);
      await tick();
    }
  },
  startActiveSpanSync: async (n, tracer) => {
    for (let i = 0; i < n; i += CHUNK) {
      for (let j = 0; j < CHUNK; j++) {
        tracer.startActiveSpan('startActiveSpanSync', { attributes: attrs, kind: SpanKind.INTERNAL }, (span) => {
          try {
            return work();
          } finally {
            span.end();
          }
        });
      }
      await tick();
    }
  },
  startActiveSpanAsync: async (n, tracer) => {
    for (let i = 0; i < n; i += CHUNK) {
      for (let j = 0; j < CHUNK; j++) {
        await tracer.startActiveSpan('startActiveSpanAsync', { attributes: attrs, kind: SpanKind.INTERNAL }, async (span) => {
          try {
            return await asyncWork();
          } finally {
            span.end();
          }
        });
      }
      await tick();
    }
  },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Each contender names its spans after itself, so the receiver's per-name counts tell how many of each arrived.
const WARM_UP = 2_048;
async function compare(names, { tracer, telemetry, n = N } = {}) {
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) await loops[name](WARM_UP, tracer);
  await telemetry?.forceFlush();
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const start = process.cpuUsage();
      await loops[name](n, tracer);
      await telemetry?.forceFlush(); // the export of what is left is part of the cost
      const used = process.cpuUsage(start);
      times[name].push(((used.user + used.system) * 1000) / n);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { ns: median(times[n]) }]));
}

const noSdk = await compare(['bareSync', 'withSpanSync', 'bareAsync', 'withSpanAsync'], { n: N_NO_SDK });

const receiver = fork(new URL('./otlp-counting-receiver.mjs', import.meta.url));
const { port } = await new Promise((resolve) => receiver.once('message', resolve));
const telemetry = startTelemetry({ serviceName: 'bench', endpoint: `http://127.0.0.1:${port}` });
const tracer = trace.getTracer('bench-bare', '1.0.0');
const sdkNames = ['startActiveSpanSync', 'withSpanSdkSync', 'startActiveSpanAsync', 'withSpanSdkAsync'];
const withSdk = await compare(sdkNames, { tracer, telemetry });
await telemetry.shutdown();
const exportStats = telemetry.getExportStatistics();
const received = JSON.parse(await (await fetch(`http://127.0.0.1:${port}/count`)).text()).spans;
receiver.disconnect();
for (const name of sdkNames) withSdk[name].dropped = 1 - (received[name] ?? 0) / (WARM_UP + N * ROUNDS);

const fmt = (x) => x.toFixed(0).padStart(6);
const pct = (x) => `${(x * 100).toFixed(1)}%`.padStart(7);
console.log(
  `withSpan cost, ns of CPU time per call: medians of ${ROUNDS} interleaved rounds of ${N_NO_SDK} calls (no SDK) / ${N} calls (SDK, ` +
    `yielding every ${CHUNK} calls); Node ${process.version}\n`,
);
console.log('| case                     | bare | withSpan | net (withSpan - bare) | spans dropped (bare / withSpan) |');
console.log('|--------------------------|------|----------|-----------------------|---------------------------------|');
const row = (label, bare, wrapped, drops = '') =>
  console.log(`| ${label.padEnd(24)} | ${fmt(bare.ns)} | ${fmt(wrapped.ns)}   | ${fmt(wrapped.ns - bare.ns)}                | ${drops.padEnd(31)} |`);
row('no SDK, sync', noSdk.bareSync, noSdk.withSpanSync);
row('no SDK, async', noSdk.bareAsync, noSdk.withSpanAsync);
row('SDK + OTLP, sync', withSdk.startActiveSpanSync, withSdk.withSpanSdkSync, `${pct(withSdk.startActiveSpanSync.dropped)} / ${pct(withSdk.withSpanSdkSync.dropped)}`);
row('SDK + OTLP, async', withSdk.startActiveSpanAsync, withSdk.withSpanSdkAsync, `${pct(withSdk.startActiveSpanAsync.dropped)} / ${pct(withSdk.withSpanSdkAsync.dropped)}`);
console.log('\n(bare with the SDK = tracer.startActiveSpan with the same attributes, ending the span in finally)');
console.log(`exporter: ${exportStats.exportedSpans} spans exported, ${exportStats.failedSpans} failed`);
