// Does late interaction (ColBERT-style MaxSim over MiniLM's token vectors, lib/late-interaction.mjs) beat the package
// default (pooled cosine of the full text + 0.2 x BM25/(BM25 + 16))? Same sets, parts, calibration rule (set 1's tuning
// part only) and table as run-eval.mjs, then task-by-task wins and losses against the default's formula, and the cost
// for a bank of 1,000 memories (token vectors stored per memory, ms per query).
// Usage, after a build of @rb/memory: flock /tmp/rb-bench.lock node packages/memory/eval/try-late-interaction.mjs
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createEmbedder } from '@rb/embed-batch';
import { InMemoryMemoryStore, memoryText } from '../dist/index.js';
import { contenders, prepareSet } from './lib/contenders.mjs';
import { createTokenEncoder, fused, lateScores, maxSim, reorderDefault, rescoreDefaultHead } from './lib/late-interaction.mjs';
import { lexicalScores, LEXICAL_VARIANTS } from './lib/lexical.mjs';
import { calibrate, measureOrders, ranked } from './lib/measure.mjs';
import { dot, embedSets, loadSets } from './lib/sets.mjs';
import { EVAL_NOW, ordersThroughStore } from './lib/through-store.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const modelDir = process.env.RB_MODEL_DIR ?? join(here, '../../../.models');
const sets = loadSets(here);
const [set1] = sets;
const started = Date.now();

const embedder = await createEmbedder({ modelDir });
await embedSets(embedder, sets);
for (const set of sets) {
  prepareSet(set);
  set.bm25 = lexicalScores(set);
}
const encoder = createTokenEncoder(embedder);
const encoded = await lateScores(encoder, sets, memoryText);

const [defaultName, defaultScore] = contenders({ lexicalVariants: Object.keys(LEXICAL_VARIANTS), now: EVAL_NOW }).find(([, , o]) => o?.default);
const defaultThreshold = calibrate(set1, set1.parts.tune, defaultScore);

const TOKENS = { all: 'all tokens', content: 'content tokens (stop words, punctuation dropped)' };
const DIRECTIONS = { q2m: 'MaxSim task->memory', sym: 'symmetric MaxSim' };
const late = [];
for (const [tokens, tl] of Object.entries(TOKENS)) {
  for (const [direction, dl] of Object.entries(DIRECTIONS)) {
    late.push(
      [`${dl}, ${tl}`, fused({ tokens, direction })],
      [`${dl} + 0.2 x BM25/(BM25 + 16), ${tl}`, fused({ tokens, direction, w: 0.2 })],
      [`0.5 full-text cosine + 0.5 ${dl}, ${tl}`, fused({ tokens, direction, a: 0.5 })],
      [`0.5 full-text cosine + 0.5 ${dl} + 0.2 x BM25/(BM25 + 16), ${tl}`, fused({ tokens, direction, a: 0.5, w: 0.2 })],
    );
  }
}
// How sharp the BM25 weight is for the late scores that fuse it alone (content tokens, where they do best).
for (const [direction, dl] of Object.entries(DIRECTIONS)) {
  for (const w of [0.1, 0.3]) late.push([`${dl} + ${w} x BM25/(BM25 + 16), ${TOKENS.content}`, fused({ tokens: 'content', direction, w })]);
}
// The same fused scores over the default's head only: what a store could afford (token vectors of n memories a query).
for (const n of [5, 10, 20]) {
  for (const [direction, dl] of Object.entries(DIRECTIONS)) {
    late.push([`default's ${n} best rescored by ${dl} + 0.2 x BM25/(BM25 + 16), ${TOKENS.content}, thresholded on it`, rescoreDefaultHead({ n, tokens: 'content', direction, w: 0.2 })]);
  }
}
// As a `rerank` hook would run it: the default's thresholded head (at most 10, 5), rescored, and dropped below the
// threshold the same fused score is calibrated to over the whole bank (the gated form cannot be calibrated alone: a
// task with nothing above the default's threshold has no top to calibrate on).
const hooked = [];
for (const n of [10, 5]) {
  const by = { tokens: 'content', direction: 'sym', w: 0.2 };
  hooked.push([`rerank hook: the default's thresholded ${n} best, rescored by symmetric MaxSim + 0.2 x BM25/(BM25 + 16), ${TOKENS.content}, dropped below its threshold`, rescoreDefaultHead({ n, gate: defaultThreshold, ...by }), fused(by)]);
}
// A reorder of the default's head keeps the default's threshold (so its off-topic rejection), not a recalibrated one.
const reorders = [];
for (const n of [5, 10]) {
  for (const [tokens, tl] of Object.entries(TOKENS)) {
    for (const [direction, dl] of Object.entries(DIRECTIONS)) {
      reorders.push(
        [`default, its ${n} best reordered by ${dl}, ${tl}`, reorderDefault({ n, tokens, direction })],
        [`default, its ${n} best reordered by 0.5 cosine + 0.5 ${dl} + 0.2 x BM25/(BM25 + 16), ${tl}`, reorderDefault({ n, tokens, direction, a: 0.5, w: 0.2 })],
      );
    }
  }
}

const parts = sets.flatMap((set) => Object.entries(set.parts).map(([name, indices]) => ({ name, set, indices })));
const orderOf = (scoreOf, threshold) => (set, qi) => ranked(set, scoreOf(set, qi), threshold).map((s) => s.mi);
const row = (name, threshold, order, scoreOf) => ({ name, threshold, order, scoreOf, parts: parts.map((p) => measureOrders(p.set, p.indices, (qi) => order(p.set, qi))) });
const rows = [
  row(`${defaultName} (the default's formula)`, defaultThreshold, orderOf(defaultScore, defaultThreshold), defaultScore),
  ...late.map(([name, scoreOf]) => {
    const threshold = calibrate(set1, set1.parts.tune, scoreOf);
    return row(name, threshold, orderOf(scoreOf, threshold), scoreOf);
  }),
  ...hooked.map(([name, scoreOf, calibratedOn]) => {
    const threshold = calibrate(set1, set1.parts.tune, calibratedOn);
    return row(name, threshold, orderOf(scoreOf, threshold), scoreOf);
  }),
  ...reorders.map(([name, scoreOf]) => row(name, defaultThreshold, orderOf(scoreOf, defaultThreshold))),
];

// The default end to end (recency and the failure boost break near-ties; its late-interaction stage is the hook-form
// row above, run by the store itself), as run-eval.mjs's last row.
const endToEnd = new Map();
for (const set of sets) {
  const store = new InMemoryMemoryStore({ embedder, now: () => EVAL_NOW });
  endToEnd.set(set, await ordersThroughStore(store, set));
  await store.close();
}
rows.push(row('DEFAULT, end to end: InMemoryMemoryStore, default options (k = 3 asked)', 'default', (set, qi) => endToEnd.get(set)[qi]));

const f = (x) => x.toFixed(2);
const count = (p, on) => p.indices.filter((qi) => (p.set.queries[qi].relevant.length > 0) === on).length;
console.log(`parts: ${parts.map((p) => `${p.name} ${count(p, true)} tasks + ${count(p, false)} off-topic`).join('; ')}; model ${embedder.model}\n`);
console.log(`| retrieval | threshold | ${parts.map((p) => `${p.name} R@1 | R@3 | hard R@1 | off-topic rejected`).join(' | ')} |`);
console.log(`|---|---|${parts.map(() => '---|---|---|---|').join('')}`);
for (const r of rows) {
  const th = typeof r.threshold === 'number' ? f(r.threshold) : r.threshold;
  console.log(`| ${r.name} | ${th} | ${r.parts.map((m) => `${f(m.all.r1)} | ${f(m.all.r3)} | ${f(m.hard.r1)} | ${f(m.rejected)}`).join(' | ')} |`);
}

// How close off-topic tasks come to each threshold: the best-scoring off-topic task that is still rejected, per set
// (a few hundredths below the threshold is a knife edge), for the rows that keep rejecting >= 0.90 everywhere.
console.log('\nthreshold margins: highest relevance of a rejected off-topic task, per set (rows rejecting >= 0.90 everywhere):');
for (const r of rows.filter((x) => x.scoreOf && x.parts.every((m) => m.rejected >= 0.9))) {
  const margins = sets.map((set) => {
    const best = set.queries.flatMap((q, qi) => (q.relevant.length ? [] : [Math.max(...r.scoreOf(set, qi).map((x) => x.relevance))]));
    // A task the rerank-hook form drops outright (nothing passes the default's threshold) has no margin to show.
    const rejected = best.filter((b) => b < r.threshold);
    const close = rejected.filter(Number.isFinite);
    return `${set.name} ${close.length ? f(Math.max(...close)) : '-'} (${best.length - rejected.length} answered)`;
  });
  console.log(`  ${r.name}: threshold ${f(r.threshold)}; ${margins.join(', ')}`);
}

// Task by task against the default's formula: how many tasks each row gets right at 1 that the default misses, and
// the reverse (an R@1 difference is their difference over the part's tasks).
const rightAt1 = (r, p) => p.indices.filter((qi) => p.set.queries[qi].relevant.length > 0).map((qi) => p.set.queries[qi].relevant.includes(p.set.memories[r.order(p.set, qi)[0]]?.id));
const base = parts.map((p) => rightAt1(rows[0], p));
console.log(`\nR@1 task by task against "${rows[0].name}" (gained / lost):`);
for (const r of rows.slice(1)) {
  const diff = parts.slice(1).map((p, i) => {
    const mine = rightAt1(r, p);
    const before = base[i + 1];
    return `${p.name} +${mine.filter((x, t) => x && !before[t]).length} / -${mine.filter((x, t) => !x && before[t]).length}`;
  });
  console.log(`  ${r.name}: ${diff.join(', ')}`);
}

// Cost for a bank of 1,000 memories: the merged bank's token matrices repeated to 1,000, one task at a time. Medians
// of interleaved rounds, one loop per way; the machine is shared, so absolute figures may move on a quiet one.
const merged = sets[2];
const bank = (tokens) => Array.from({ length: 1000 }, (_, i) => merged.lateTokens.memories[i % merged.memories.length][tokens]);
const banks = { all: bank('all'), content: bank('content') };
const pooledBank = Array.from({ length: 1000 }, (_, i) => merged.reprs.full[i % merged.memories.length]);
const tasks = merged.lateTokens.queries.slice(0, 12);
const dim = tasks[0].dim;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const timed = (fn) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
const ways = {
  'pooled cosine, 1,000 memories': (q, qi) => pooledBank.forEach((m) => dot(merged.queryVectors.raw[qi], m)),
  'MaxSim, all tokens, 1,000 memories': (q) => banks.all.forEach((m) => maxSim(q.all, m, dim)),
  'MaxSim, content tokens, 1,000 memories': (q) => banks.content.forEach((m) => maxSim(q.content, m, dim)),
  'MaxSim, all tokens, the 10 best only (stored vectors)': (q) => banks.all.slice(0, 10).forEach((m) => maxSim(q.all, m, dim)),
  'MaxSim, content tokens, the 10 best only (stored vectors)': (q) => banks.content.slice(0, 10).forEach((m) => maxSim(q.content, m, dim)),
};
const times = Object.fromEntries(Object.keys(ways).map((w) => [w, []]));
for (let round = 0; round < 3; round++) for (const [w, fn] of Object.entries(ways)) tasks.forEach((q, qi) => times[w].push(timed(() => fn(q, qi))));
// Without stored token vectors, a rescore re-encodes its 5 or 10 candidates at query time (the embedder's worker
// processes, one text a call).
const encodeTimes = { 'encode 1 task (token vectors)': [], 'encode 5 memories at query time (token vectors)': [], 'encode 10 memories at query time (token vectors)': [] };
for (let round = 0; round < 5; round++) {
  const texts = merged.memories.slice(round * 10, round * 10 + 10).map(memoryText);
  for (const [way, run] of [
    ['encode 1 task (token vectors)', () => encoder.encode(merged.queries[round].query)],
    ['encode 5 memories at query time (token vectors)', async () => { for (const text of texts.slice(0, 5)) await encoder.encode(text); }],
    ['encode 10 memories at query time (token vectors)', async () => { for (const text of texts) await encoder.encode(text); }],
  ]) {
    const t = performance.now();
    await run();
    encodeTimes[way].push(performance.now() - t);
  }
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const tokenCount = (reprs, tokens) => mean(reprs.map((r) => r[tokens].length / r.dim));
const memReprs = merged.lateTokens.memories;
const taskReprs = merged.lateTokens.queries;
console.log(`\ncost, ${encoded.size} texts encoded: token vectors per memory ${f(tokenCount(memReprs, 'all'))} (all) / ${f(tokenCount(memReprs, 'content'))} (content), per task ${f(tokenCount(taskReprs, 'all'))} / ${f(tokenCount(taskReprs, 'content'))}`);
for (const tokens of ['all', 'content']) {
  const bytes = tokenCount(memReprs, tokens) * dim * 4;
  console.log(`  stored per memory (${tokens}, float32 x ${dim}): ${(bytes / 1024).toFixed(1)} KiB; 1,000 memories ${(bytes * 1000 / 2 ** 20).toFixed(1)} MiB (one pooled vector: ${(dim * 4 / 1024).toFixed(1)} KiB)`);
}
for (const [w, xs] of [...Object.entries(times), ...Object.entries(encodeTimes)]) console.log(`  ${w}: median ${xs.length ? median(xs).toFixed(2) : '-'} ms per query (n = ${xs.length})`);

await embedder.dispose?.();
console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s`);
