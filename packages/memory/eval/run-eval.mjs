// Retrieval quality of @rb/memory with the real MiniLM, on two hand-written relevance sets: set 1 (eval/*.jsonl:
// three quarters to tune on, every fourth task held out) and set 2 (eval/holdout-2: other domains, never tuned on),
// and on both banks in one workspace asked the held-out tasks of both.
// Every contender's threshold is calibrated on set 1's tuning part only, by one rule (lib/measure.mjs: calibrate);
// the held-out parts are only reported. The last rows are the package's default measured end to end through
// InMemoryMemoryStore, without and with its late-interaction stage; eval/try-late-interaction.mjs measures the late-
// interaction variants that stage was chosen from.
// Usage: npx nx eval @rb/memory      (or, after a build: node packages/memory/eval/run-eval.mjs [--json])
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmbedder } from '@rb/embed-batch';
import { InMemoryMemoryStore } from '../dist/index.js';
import { contenders, prepareSet } from './lib/contenders.mjs';
import { lexicalScores, LEXICAL_VARIANTS } from './lib/lexical.mjs';
import { calibrate, K, measureOrders, mmr, ranked } from './lib/measure.mjs';
import { dot, embedSets, loadSets } from './lib/sets.mjs';
import { EVAL_NOW as NOW, ordersThroughStore } from './lib/through-store.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const sets = loadSets(here);
const [set1] = sets;
const started = Date.now();

const embedder = await createEmbedder({ modelDir: process.env.RB_MODEL_DIR ?? join(here, '../../../.models') });
await embedSets(embedder, sets);
for (const set of sets) {
  prepareSet(set);
  set.bm25 = lexicalScores(set);
}

const parts = sets.flatMap((set) => Object.entries(set.parts).map(([name, indices]) => ({ name, set, indices })));
const measureAll = (order) => parts.map((p) => measureOrders(p.set, p.indices, (qi) => order(p.set, qi)));
const results = contenders({ lexicalVariants: Object.keys(LEXICAL_VARIANTS), now: NOW }).map(([name, scoreOf, options = {}]) => {
  const threshold = options.calibrated === false ? -Infinity : calibrate(set1, set1.parts.tune, scoreOf);
  return { name, threshold, scoreOf, isDefault: options.default === true, parts: measureAll((set, qi) => ranked(set, scoreOf(set, qi), threshold).map((s) => s.mi)) };
});

// Maximal marginal relevance for k = 3 over the thresholded candidates, against the same contender without it.
const mmrRows = results
  .filter((r) => r.isDefault || r.name.startsWith('dense: full text ('))
  .flatMap((r) =>
    [0.5, 0.7, 0.85].map((lambda) => ({
      name: `${r.name}, MMR lambda ${lambda}`,
      threshold: r.threshold,
      parts: measureAll((set, qi) => mmr(ranked(set, r.scoreOf(set, qi), r.threshold), set.reprs.full, lambda, K, dot).map((s) => s.mi)),
    })),
  );

// The default, end to end: one InMemoryMemoryStore per set with default options, memories added with their ages; and
// the same without its late-interaction stage (the embedder's token vectors), i.e. the fused formula alone.
const defaultRow = { name: 'DEFAULT, end to end: InMemoryMemoryStore, default options (k = 3 asked)', threshold: 'default', parts: [] };
const withoutLate = { name: 'default without late interaction, end to end (retrieval.lateInteraction: false)', threshold: 'default', parts: [] };
for (const set of sets) {
  for (const [row, retrieval] of [[defaultRow, {}], [withoutLate, { lateInteraction: false }]]) {
    const store = new InMemoryMemoryStore({ embedder, now: () => NOW, retrieval });
    const orders = await ordersThroughStore(store, set);
    await store.close();
    for (const indices of Object.values(set.parts)) row.parts.push(measureOrders(set, indices, (qi) => orders[qi]));
    if (row !== defaultRow) continue;
    set.defaultOrders = orders;
    set.answeredOffTopic = set.queries.flatMap((q, qi) => (q.relevant.length === 0 && orders[qi].length > 0 ? [`"${q.query}" -> ${set.memories[orders[qi][0]].id}`] : []));
  }
}
await embedder.dispose?.();

const rows = [...results, ...mmrRows, withoutLate, defaultRow];
if (process.argv.includes('--json')) {
  const json = rows.map((r) => ({ name: r.name, threshold: r.threshold, parts: r.parts.map((m, i) => ({ part: parts[i].name, ...m })) }));
  console.log(JSON.stringify(json, null, 2));
} else {
  const f = (x) => x.toFixed(2);
  for (const set of sets) {
    const on = set.queries.filter((q) => q.relevant.length);
    console.log(`${set.name}: ${set.memories.length} memories, ${on.length} tasks (${on.filter((q) => q.hard).length} hard), ${set.queries.length - on.length} off-topic`);
  }
  const count = (p, on) => p.indices.filter((qi) => (p.set.queries[qi].relevant.length > 0) === on).length;
  console.log(`parts: ${parts.map((p) => `${p.name} ${count(p, true)} tasks + ${count(p, false)} off-topic`).join('; ')}; model ${embedder.model}\n`);
  console.log(`| retrieval | threshold | ${parts.map((p) => `${p.name} R@1 | R@3 | hard R@1 | off-topic rejected`).join(' | ')} |`);
  console.log(`|---|---|${parts.map(() => '---|---|---|---|').join('')}`);
  for (const r of rows) {
    const th = typeof r.threshold === 'number' ? (Number.isFinite(r.threshold) ? f(r.threshold) : 'none') : r.threshold;
    console.log(`| ${r.name} | ${th} | ${r.parts.map((m) => `${f(m.all.r1)} | ${f(m.all.r3)} | ${f(m.hard.r1)} | ${f(m.rejected)}`).join(' | ')} |`);
  }
  // How far the default's threshold sits from what off-topic tasks score, and from the right answers.
  const chosen = results.find((r) => r.isDefault);
  for (const set of sets) {
    const best = (qi, keep) => Math.max(...chosen.scoreOf(set, qi).filter((_, mi) => keep(set.memories[mi].id)).map((s) => s.relevance));
    const off = set.queries.flatMap((q, qi) => (q.relevant.length ? [] : [best(qi, () => true)])).sort((a, b) => b - a);
    const right = set.queries.flatMap((q, qi) => (q.relevant.length ? [best(qi, (id) => q.relevant.includes(id))] : [])).sort((a, b) => a - b);
    console.log(
      `\n${set.name}, ${chosen.name} (threshold ${f(chosen.threshold)}): off-topic best ${off.slice(0, 3).map(f).join(', ')}; ` +
        `right answers lowest ${right.slice(0, 3).map(f).join(', ')}, median ${f(right[right.length >> 1])}, below the threshold ${right.filter((x) => x < chosen.threshold).length}/${right.length}`,
    );
  }
  // Both sets favour BM25 more than the project's outside set (there plain BM25 reaches R@1 0.58 against dense 0.70).
  // Tasks pooled over both sets, split by whether BM25 alone ranks a right memory first; R@1 in each stratum, and
  // the mix re-weighted to BM25 being right on 58% of the tasks.
  const pooled = sets.slice(0, 2);
  const lexicalFirst = new Map(pooled.map((set) => [set, set.queries.map((q, qi) => {
    const [top] = [...set.bm25['package tokenizer'][qi].entries()].sort((a, b) => b[1] - a[1]);
    return top !== undefined && q.relevant.includes(set.memories[top[0]].id);
  })]));
  console.log('\nR@1 where BM25 alone is wrong / right (tasks of both sets), and re-weighted to BM25 right on 58%:');
  const stratified = [
    ...results
      .filter((x) => x.name.startsWith('dense: full text (') || /^full text \+ [\d.]+ x BM25\/\(BM25 \+ 16\)$/.test(x.name))
      .map((r) => ({ name: r.name, top: (set, qi) => ranked(set, r.scoreOf(set, qi), r.threshold)[0]?.mi })),
    { name: 'DEFAULT, end to end', top: (set, qi) => set.defaultOrders[qi][0] },
  ];
  for (const r of stratified) {
    const hits = [[], []];
    for (const set of pooled) {
      set.queries.forEach((q, qi) => {
        if (!q.relevant.length) return;
        const top = r.top(set, qi);
        hits[lexicalFirst.get(set)[qi] ? 1 : 0].push(top !== undefined && q.relevant.includes(set.memories[top].id));
      });
    }
    const [wrong, right] = hits.map((h) => h.filter(Boolean).length / h.length);
    console.log(`  ${r.name}: ${f(wrong)} (n = ${hits[0].length}) / ${f(right)} (n = ${hits[1].length}) -> ${(0.42 * wrong + 0.58 * right).toFixed(3)}`);
  }
  for (const set of sets) if (set.answeredOffTopic.length > 0) console.log(`default, ${set.name}: off-topic tasks answered: ${set.answeredOffTopic.join('; ')}`);
  const near = defaultRow.parts[2].nearMissRejected;
  const nearMerged = defaultRow.parts[3].nearMissRejected;
  console.log(`default: near-miss off-topic tasks of set 2 rejected ${f(near)} (${f(nearMerged)} in one bank); ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
