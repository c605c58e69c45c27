// Cost of withSpan() per call: no SDK registered vs the SDK started (batch processor, spans dropped by the exporter),
// each next to a bare function call, in one run. Run: npx nx bench @rb/telemetry
import { withSpan } from '@rb/telemetry';
import { startTelemetry } from '@rb/telemetry/sdk';

const N = Number(process.env.BENCH_N ?? 200_000);
let sink = 0;
const work = () => {
  sink = (sink + 1) | 0;
  return sink;
};

function timeNsPerCall(fn) {
  for (let i = 0; i < 20_000; i++) fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  return Number(process.hrtime.bigint() - start) / N;
}

const bare = () => timeNsPerCall(work);
const spanned = () => timeNsPerCall(() => withSpan('bench', { i: 1 }, work));

const bareBefore = bare();
const noSdk = spanned();

// An exporter that drops spans, so the figure is the SDK's own cost, not a network's.
const dropping = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => undefined };
const telemetry = startTelemetry({ serviceName: 'bench', exporter: dropping });
const withSdk = spanned();
await telemetry.shutdown();

const row = (name, ns, base) => console.log(`| ${name.padEnd(29)} | ${ns.toFixed(1).padStart(9)} | ${(ns / base).toFixed(1).padStart(8)}x |`);
console.log(`withSpan cost, ${N} calls each (Node ${process.version})\n`);
console.log('| case                          | ns / call | vs bare   |');
console.log('|-------------------------------|-----------|-----------|');
row('bare function call', bareBefore, bareBefore);
row('withSpan, no SDK started', noSdk, bareBefore);
row('withSpan, SDK started (batch)', withSdk, bareBefore);
console.log(`\nSDK started / not started: ${(withSdk / noSdk).toFixed(1)}x`);
