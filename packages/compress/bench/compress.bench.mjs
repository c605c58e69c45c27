// Token reduction per prompt category next to the seed's claimed figures; compression throughput against raw tiktoken
// `encode` on one 100 kB prose + code prompt without repeats, side by side (medians of interleaved rounds, one loop
// function per contender); and the time a 1 MB pathological input takes. Run: npx nx bench @rb/compress
// Env: BENCH_ROUNDS (throughput rounds, default 21).
import { readdirSync, readFileSync } from 'node:fs';
import { get_encoding } from 'tiktoken';
import { PromptCompressor } from '@rb/compress';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const corpusDir = new URL('./corpus/', import.meta.url);
const read = (file) => readFileSync(new URL(file, corpusDir), 'utf8');
const categories = [
  { key: 'simple', label: 'simple task', seed: 0.16 },
  { key: 'memories', label: 'task + 5 memories', seed: 0.3 },
  { key: 'complex', label: 'complex (code + previous attempt)', seed: 0.35 },
];
const files = readdirSync(corpusDir).filter((f) => /^(simple|memories|complex)-\d+\.md$/.test(f)).sort();
const prompts = (key) => files.filter((f) => f.startsWith(`${key}-`)).map(read);

const defaults = new PromptCompressor();
// A target far below every prompt and a budget far above: all content-keeping techniques run, nothing is cut.
const safeOnly = new PromptCompressor({ maxTokens: 10_000_000, compressionRatio: 0.000001 });

function reduction(texts, compressorFor) {
  let before = 0;
  let after = 0;
  const used = new Set();
  for (const text of texts) {
    const compressor = compressorFor(text);
    const { report } = compressor.compress(text);
    before += report.originalTokens;
    after += report.finalTokens;
    report.techniques.forEach((t) => used.add(t));
    if (compressor !== defaults && compressor !== safeOnly) compressor.dispose();
  }
  return { value: 1 - after / before, used: [...used].join('+') || 'none' };
}

const pct = (x) => `${(x * 100).toFixed(1)}%`;
console.log(`@rb/compress, o200k_base, Node ${process.version}\n`);
console.log('| category | prompts | tokens (mean) | chars/4 error | defaults (12000, 0.7) | safe techniques only | budget = 70% of prompt | seed claim |');
console.log('|---|---|---|---|---|---|---|---|');
for (const { key, label, seed } of categories) {
  const texts = prompts(key);
  const tokens = texts.map((t) => defaults.countTokens(t));
  const estimateError = texts.reduce((sum, t, i) => sum + Math.abs(t.length / 4 - tokens[i]) / tokens[i], 0) / texts.length;
  const d = reduction(texts, () => defaults);
  const s = reduction(texts, () => safeOnly);
  const b = reduction(texts, (t) => new PromptCompressor({ maxTokens: Math.floor(0.7 * defaults.countTokens(t)), compressionRatio: 1 }));
  const mean = Math.round(tokens.reduce((a, x) => a + x, 0) / tokens.length);
  console.log(
    `| ${label} | ${texts.length} | ${mean} | ${pct(estimateError)} | ${pct(d.value)} | ${pct(s.value)} (${s.used}) | ${pct(b.value)} (${b.used}) | ${pct(seed)} |`,
  );
}

// Throughput on one large prompt: 100 kB of this repository's READMEs and sources, nothing repeated.
const large = read('large-prose-code.md');
const raw = get_encoding('o200k_base');
const inputTokens = raw.encode(large).length;
const contenders = [
  ['tiktoken `encode` (the bare library)', () => raw.encode(large)],
  ['`countTokens`', () => defaults.countTokens(large)],
  ['`compress`, defaults: safe techniques, then truncation to 12000', () => defaults.compress(large)],
  ['`compress`, safe techniques only', () => safeOnly.compress(large)],
];
const times = contenders.map(() => []);
for (const [, run] of contenders) for (let i = 0; i < 3; i++) run(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order each round, so no contender always runs first or last.
  for (let k = 0; k < contenders.length; k++) {
    const i = (k + round) % contenders.length;
    const start = process.hrtime.bigint();
    contenders[i][1]();
    times[i].push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rawMs = median(times[0]);
const { report } = defaults.compress(large);
console.log(
  `\nThroughput on a ${Math.round(large.length / 1000)} kB prose + code prompt without repeats (${inputTokens} tokens; defaults give ${report.finalTokens} tokens with ${report.techniques.join(', ')}), medians of ${ROUNDS} interleaved rounds\n`,
);
console.log('| contender | ms | input tokens/s | vs raw encode |');
console.log('|---|---|---|---|');
contenders.forEach(([name], i) => {
  const ms = median(times[i]);
  console.log(`| ${name} | ${ms.toFixed(1)} | ${Math.round((inputTokens / ms) * 1000).toLocaleString('en-US')} | ${(rawMs / ms).toFixed(2)} |`);
});

// Inputs that make tiktoken alone take seconds to minutes (its BPE is quadratic in the length of one piece).
const M = 1_000_000;
const pathological = [
  ['1 MB of spaces', ' '.repeat(M)],
  ['1 MB of line breaks', '\n'.repeat(M)],
  ['1 MB of U+3000 (ideographic space)', '\u3000'.repeat(M)],
  ['1 MB of one letter', 'x'.repeat(M)],
  ['1 MB of CJK without spaces', '漢字仮名'.repeat(M / 4)],
  ['1 MB of `/` and line breaks', '/\n'.repeat(M / 2)],
  ['1 MB of base64', Buffer.from(Array.from({ length: (M * 3) / 4 }, (_, i) => (i * 7919) % 256)).toString('base64')],
  ['1 MB of 2-character lines', 'a\n'.repeat(M / 2)],
  ['1 MB of commented JavaScript in one fence', `\`\`\`js\n${'/* c */ x = 1; // y\n'.repeat(M / 20)}\`\`\``],
  ['1 MB of prose on one line', 'The agent retried the request and the answer was fine. '.repeat(M / 55)],
];
console.log('\n1 MB inputs, `compress` with defaults (median of 3)\n');
console.log('| input | ms | tokens counted | output tokens |');
console.log('|---|---|---|---|');
for (const [name, text] of pathological) {
  const ms = [];
  let result;
  for (let i = 0; i < 3; i++) {
    const start = process.hrtime.bigint();
    result = defaults.compress(text);
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  console.log(`| ${name} | ${median(ms).toFixed(0)} | ${result.report.originalTokens} | ${result.report.finalTokens} |`);
}

raw.free();
[defaults, safeOnly].forEach((c) => c.dispose());
