// Token reduction per prompt category, measured with the real tokenizer next to the seed's claimed figures, and
// compression throughput, in one run. Run: npx nx bench @rb/compress   (BENCH_ROUNDS=20 for steadier throughput)
import { readdirSync, readFileSync } from 'node:fs';
import { PromptCompressor } from '@rb/compress';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const corpusDir = new URL('./corpus/', import.meta.url);
const categories = [
  { key: 'simple', label: 'simple task', seed: 0.16 },
  { key: 'memories', label: 'task + 5 memories', seed: 0.3 },
  { key: 'complex', label: 'complex (code + previous attempt)', seed: 0.35 },
];
const files = readdirSync(corpusDir).filter((f) => f.endsWith('.md')).sort();
const prompts = (key) => files.filter((f) => f.startsWith(`${key}-`)).map((f) => readFileSync(new URL(f, corpusDir), 'utf8'));

const defaults = new PromptCompressor();
// A target far below every prompt and a budget far above: all content-keeping techniques run, nothing is cut.
const safeOnly = new PromptCompressor({ compressionRatio: 0.01 });

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
  return { value: 1 - after / before, before, used: [...used].join('+') || 'none' };
}

const pct = (x) => `${(x * 100).toFixed(1)}%`;
console.log(`@rb/compress, o200k_base, corpus: ${files.length} prompts in bench/corpus (Node ${process.version})\n`);
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

function throughput(name, texts, compressor, rounds) {
  const tokens = texts.reduce((sum, t) => sum + compressor.countTokens(t), 0);
  for (const t of texts) compressor.compress(t); // warm-up
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const t of texts) compressor.compress(t);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`| ${name} | ${tokens * rounds} | ${(seconds * 1000).toFixed(0)} | ${Math.round((tokens * rounds) / seconds).toLocaleString('en-US')} |`);
}

const all = files.map((f) => readFileSync(new URL(f, corpusDir), 'utf8'));
const big = all.join('\n\n').repeat(60);
const truncating = new PromptCompressor({ maxTokens: 12000 });
console.log(`\nThroughput (input tokens per second), ${ROUNDS} rounds\n`);
console.log('| case | input tokens | ms | tokens/s |');
console.log('|---|---|---|---|');
throughput('countTokens only, corpus (reference)', all, { countTokens: (t) => defaults.countTokens(t), compress: (t) => defaults.countTokens(t) }, ROUNDS * 20);
throughput('compress, safe techniques, corpus', all, safeOnly, ROUNDS * 20);
throughput(`compress, truncate a ${Math.round(defaults.countTokens(big) / 1000)}k-token prompt to 12000`, [big], truncating, ROUNDS);

[defaults, safeOnly, truncating].forEach((c) => c.dispose());
