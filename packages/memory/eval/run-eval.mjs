// Retrieval quality of @rb/memory on the hand-written relevance dev set in this folder, with the real MiniLM.
// Prints recall@1, recall@3, MRR and off-topic rejection, overall and for hard queries, on the tuning part and the
// held-out part, for dense only, lexical only, each combination tried, the earlier composite, and the final default
// (the last measured end to end through InMemoryMemoryStore with default options).
// Usage: npx nx eval @rb/memory      (or, after a build: node packages/memory/eval/run-eval.mjs [--json])
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmbedder } from '@rb/embed-batch';
import { InMemoryMemoryStore, memoryText } from '../dist/index.js';
import { LexicalIndex } from '../dist/retrieval/lexical-index.js';
import { cosine, lexicalScore, recencyScore } from '../dist/retrieval/rank.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const readJsonl = (name) =>
  readFileSync(join(here, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
const memories = readJsonl('memories.jsonl');
const queries = readJsonl('queries.jsonl');
// Tuning happens on three quarters; every fourth query is held out and only reported.
const split = (q) => (Number(q.id.slice(1)) % 4 === 0 ? 'holdout' : 'tune');
const NOW = Date.parse('2026-06-01T00:00:00Z');
const K = 3;

const embedder = await createEmbedder({ modelDir: process.env.RB_MODEL_DIR ?? join(root, '.models') });
const embed = async (texts) => embedder.generateBatch(texts);
const fieldText = {
  full: memoryText,
  whenToUse: (m) => `${m.title}\n${m.description}`,
  title: (m) => m.title,
  description: (m) => m.description,
  content: (m) => m.content,
};
const vectors = {};
for (const [name, text] of Object.entries(fieldText)) vectors[name] = await embed(memories.map(text));
const queryVectors = await embed(queries.map((q) => q.query));

const lexical = new LexicalIndex();
lexical.upsert(memories);
const bm25 = queries.map((q) => new Map(lexical.search(q.query, memories.length, {}).map((hit) => [hit.id, hit.score])));
// One vector per memory that weighs "when to use it" more: the normalised sum of the full text's and the
// description's vectors (what the store can keep as a memory's single vector).
vectors.combined = vectors.full.map((full, mi) => unitSum(full, vectors.description[mi]));
function unitSum(a, b) {
  const out = new Float32Array(a.length);
  let na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { na += a[i] * a[i]; nb += b[i] * b[i]; }
  for (let i = 0; i < a.length; i++) out[i] = a[i] / Math.sqrt(na) + b[i] / Math.sqrt(nb);
  return out;
}
const sims = (field, qi) => memories.map((_, mi) => cosine(queryVectors[qi], vectors[field][mi]));
const simTable = Object.fromEntries([...Object.keys(fieldText), 'combined'].map((f) => [f, queries.map((_, qi) => sims(f, qi))]));
const createdAt = (m) => new Date(NOW - m.ageDays * 86_400_000).toISOString();

/** Scores of every memory for query qi: { relevance, score } arrays (score orders, relevance is thresholded). */
const configs = {
  'dense (title + description + content)': (qi) => plain(simTable.full[qi]),
  'dense (title + description: "when to use it")': (qi) => plain(simTable.whenToUse[qi]),
  'dense, fields apart (max of title, description, content)': (qi) =>
    plain(memories.map((_, mi) => Math.max(simTable.title[qi][mi], simTable.description[qi][mi], simTable.content[qi][mi]))),
  'dense, fields apart (mean of full and description)': (qi) => plain(memories.map((_, mi) => (simTable.full[qi][mi] + simTable.description[qi][mi]) / 2)),
  'dense, one vector: normalised sum of full-text and description vectors': (qi) => plain(simTable.combined[qi]),
  ...Object.fromEntries(
    [0.2, 0.3, 0.5].flatMap((w) =>
      [8, 16].map((c) => [`one summed vector + ${w} x BM25/(BM25 + ${c})`, (qi) => plain(memories.map((m, mi) => simTable.combined[qi][mi] + w * lexicalScore(bm25[qi].get(m.id) ?? 0, c)))]),
    ),
  ),
  'lexical only (BM25, MiniSearch)': (qi) => plain(memories.map((m) => lexicalScore(bm25[qi].get(m.id) ?? 0, 8))),
  'RRF of dense and BM25 (k = 60)': (qi) => rrf(simTable.full[qi], memories.map((m) => bm25[qi].get(m.id) ?? 0)),
  ...Object.fromEntries(
    [0.1, 0.2, 0.3, 0.5].flatMap((w) =>
      [4, 8, 16].map((c) => [`dense + ${w} x BM25/(BM25 + ${c})`, (qi) => plain(memories.map((m, mi) => simTable.full[qi][mi] + w * lexicalScore(bm25[qi].get(m.id) ?? 0, c)))]),
    ),
  ),
  'earlier composite 0.6 sim + 0.3 recency + 0.1 error boost': (qi) =>
    memories.map((m, mi) => {
      const sim = simTable.full[qi][mi];
      const score = 0.6 * sim + 0.3 * recencyScore(createdAt(m), NOW, 30) + 0.1 * (m.errorContext && sim >= 0.3 ? 1 : 0);
      return { relevance: score, score };
    }),
};

function plain(relevance) {
  return relevance.map((r) => ({ relevance: r, score: r }));
}

function rrf(dense, lex) {
  const rank = (values) => {
    const order = values.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]);
    const out = new Array(values.length);
    order.forEach(([v, i], r) => (out[i] = v > 0 || values === dense ? r : Infinity));
    return out;
  };
  const [rd, rl] = [rank(dense), rank(lex)];
  return dense.map((_, i) => {
    const score = 1 / (60 + rd[i]) + (Number.isFinite(rl[i]) ? 1 / (60 + rl[i]) : 0);
    // RRF is rank-based; the threshold is applied to the dense similarity, which means the same for every query.
    return { relevance: dense[i], score };
  });
}

/** Metrics of one configuration over a subset of queries, at a threshold on relevance. */
function measure(scoreOf, subset, threshold) {
  const on = subset.filter(({ q }) => q.relevant.length > 0);
  const off = subset.filter(({ q }) => q.relevant.length === 0);
  const rows = (items) =>
    items.map(({ q, qi }) => {
      const scored = scoreOf(qi)
        .map((s, mi) => ({ ...s, id: memories[mi].id }))
        .filter((s) => s.relevance >= threshold)
        .sort((a, b) => b.score - a.score);
      const rank = scored.findIndex((s) => q.relevant.includes(s.id));
      return { q, rank, returned: scored.length };
    });
  const stats = (items) => {
    const r = rows(items);
    const n = Math.max(1, r.length);
    return {
      n: r.length,
      r1: r.filter((x) => x.rank === 0).length / n,
      r3: r.filter((x) => x.rank >= 0 && x.rank < K).length / n,
      mrr: r.reduce((sum, x) => sum + (x.rank >= 0 ? 1 / (x.rank + 1) : 0), 0) / n,
    };
  };
  const rejected = rows(off).filter((x) => x.returned === 0).length / Math.max(1, off.length);
  return { all: stats(on), hard: stats(on.filter(({ q }) => q.hard)), rejected, offTopic: off.length };
}

const indexed = queries.map((q, qi) => ({ q, qi }));
const tune = indexed.filter(({ q }) => split(q) === 'tune');
const holdout = indexed.filter(({ q }) => split(q) === 'holdout');

// The threshold of a configuration: the highest that keeps every top-1 hit of the tuning queries it can afford to,
// i.e. below the relevance of at least 97% of the tuning queries' correct top-1 answers.
function calibrate(scoreOf) {
  const tops = tune
    .filter(({ q }) => q.relevant.length > 0)
    .map(({ q, qi }) => {
      const scored = scoreOf(qi).map((s, mi) => ({ ...s, id: memories[mi].id })).sort((a, b) => b.score - a.score);
      return q.relevant.includes(scored[0].id) ? scored[0].relevance : undefined;
    })
    .filter((r) => r !== undefined)
    .sort((a, b) => a - b);
  return Math.floor(tops[Math.floor(tops.length * 0.03)] * 100) / 100;
}

const results = [];
for (const [name, scoreOf] of Object.entries(configs)) {
  const threshold = name.startsWith('earlier') ? 0 : calibrate(scoreOf);
  results.push({ name, threshold, tune: measure(scoreOf, tune, threshold), holdout: measure(scoreOf, holdout, threshold), raw: measure(scoreOf, tune, -Infinity) });
}

// The default, end to end: InMemoryMemoryStore with default options, memories added with their ages.
const store = new InMemoryMemoryStore({ embedder, now: () => NOW });
for (const m of memories) {
  const { id, domain, outcome, title, description, content, errorContext } = m;
  const fields = { title, description, content, ...(errorContext ? { errorContext } : {}) };
  await store.addTrace({
    workspaceId: 'eval',
    trace: { task: `source of ${id}`, outcome, domain, createdAt: createdAt(m), memories: [{ id, ...fields }] },
  });
}
const retrieved = new Map();
for (const { q } of indexed) retrieved.set(q.id, (await store.retrieve({ workspaceId: 'eval', query: q.query, k: K })).map((r) => r.memory.id));
const storeScoreOf = (qi) => {
  const ids = retrieved.get(queries[qi].id);
  return memories.map((m) => {
    const at = ids.indexOf(m.id);
    return at < 0 ? { relevance: -1, score: -1 } : { relevance: 1, score: K - at };
  });
};
results.push({ name: 'DEFAULT: InMemoryMemoryStore, default options (k = 3 asked)', threshold: 'default', tune: measure(storeScoreOf, tune, 0), holdout: measure(storeScoreOf, holdout, 0) });
await store.close();
await embedder.dispose?.();

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(results, null, 2));
} else {
  const f = (x) => x.toFixed(2);
  const cells = (m) => `${f(m.all.r1)} | ${f(m.all.r3)} | ${f(m.all.mrr)} | ${f(m.hard.r1)} | ${f(m.hard.r3)} | ${f(m.rejected)}`;
  console.log(`Dev set: ${memories.length} memories, ${queries.filter((q) => q.relevant.length).length} tasks (${queries.filter((q) => q.hard).length} hard), ${queries.filter((q) => !q.relevant.length).length} off-topic; model ${embedder.model}`);
  console.log(`tune: ${tune.filter(({ q }) => q.relevant.length).length} tasks + ${tune.filter(({ q }) => !q.relevant.length).length} off-topic; held out: ${holdout.filter(({ q }) => q.relevant.length).length} + ${holdout.filter(({ q }) => !q.relevant.length).length}\n`);
  console.log('| retrieval | threshold | tune R@1 | R@3 | MRR | hard R@1 | hard R@3 | off-topic rejected | held-out R@1 | R@3 | MRR | hard R@1 | hard R@3 | off-topic rejected |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) console.log(`| ${r.name} | ${r.threshold} | ${cells(r.tune)} | ${cells(r.holdout)} |`);
  // How far the default threshold sits from what off-topic tasks score, and from the right answers.
  const chosen = configs['dense + 0.3 x BM25/(BM25 + 16)'];
  const best = (qi) => Math.max(...chosen(qi).map((s) => s.relevance));
  const off = indexed.filter(({ q }) => !q.relevant.length).map(({ qi }) => best(qi)).sort((a, b) => b - a);
  const hits = indexed.filter(({ q }) => q.relevant.length).map(({ q, qi }) => Math.max(...chosen(qi).filter((_, mi) => q.relevant.includes(memories[mi].id)).map((s) => s.relevance))).sort((a, b) => a - b);
  console.log(`\ndefault relevance (similarity + 0.3 x BM25/(BM25 + 16)): off-topic best ${off.slice(0, 3).map(f).join(', ')} ...; right answers: lowest ${hits.slice(0, 3).map(f).join(', ')}, median ${f(hits[hits.length >> 1])}; threshold 0.43`);
}
