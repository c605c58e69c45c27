// Every way of retrieving that the eval compares: a name and a function scoring each memory of a set for task qi,
// `[{ relevance, score }]` by memory index (`relevance` is what a threshold applies to, `score` what orders).
import { lexicalScore, recencyScore } from '../../dist/retrieval/rank.js';
import { centred, csls, domainPrior, localCsls, rocchio } from './neighbourhood.mjs';
import { dot, unitSum } from './sets.mjs';

/** One stored vector per memory, for each way of embedding it (`v` holds the vectors of each text of the memory). */
export const REPRESENTATIONS = {
  full: (v, mi) => v.full[mi],
  titleDescription: (v, mi) => v.titleDescription[mi],
  fullWithError: (v, mi) => v.fullWithError[mi],
  'full + description': (v, mi) => unitSum([v.full[mi], v.description[mi]], [1, 1]),
  'full + 0.5 description': (v, mi) => unitSum([v.full[mi], v.description[mi]], [1, 0.5]),
  'full + title/description': (v, mi) => unitSum([v.full[mi], v.titleDescription[mi]], [1, 1]),
  'title + description + content': (v, mi) => unitSum([v.title[mi], v.description[mi], v.content[mi]], [1, 1, 1]),
};

/** Adds `reprs[name][mi]` and `sims[queryText][repr][qi][mi]` (cosine; all vectors are unit length) to a set. */
export function prepareSet(set) {
  set.reprs = Object.fromEntries(Object.entries(REPRESENTATIONS).map(([name, of]) => [name, set.memories.map((_, mi) => of(set.memoryVectors, mi))]));
  for (const field of ['title', 'description', 'content']) set.reprs[field] = set.memoryVectors[field];
  set.sims = {};
  for (const [query, vectors] of Object.entries(set.queryVectors)) {
    set.sims[query] = Object.fromEntries(Object.entries(set.reprs).map(([r, mvs]) => [r, vectors.map((qv) => mvs.map((mv) => dot(qv, mv)))]));
  }
}

const LEX = 'package tokenizer';
const plain = (values) => values.map((v) => ({ relevance: v, score: v }));
const sim = (repr, query = 'raw') => (set, qi) => set.sims[query][repr][qi];
const bm25 = (variant = LEX) => (set, qi) => set.memories.map((_, mi) => set.bm25[variant][qi].get(mi) ?? 0);

const dense = (repr, query) => (set, qi) => plain(sim(repr, query)(set, qi));
const weighted = (similarity, w, c = 16, variant = LEX) => (set, qi) => {
  const b = bm25(variant)(set, qi);
  return plain(similarity(set, qi).map((s, mi) => s + w * lexicalScore(b[mi], c)));
};
/** Rank fusion: ordered by RRF, thresholded on the dense similarity (the only score meaning the same for every task). */
const rrf = (repr, k = 60) => (set, qi) => {
  const s = sim(repr)(set, qi);
  const b = bm25()(set, qi);
  const rank = (values, keep) => {
    const out = new Array(values.length).fill(Infinity);
    values.map((v, i) => [v, i]).filter(([v]) => keep(v)).sort((x, y) => y[0] - x[0]).forEach(([, i], r) => (out[i] = r));
    return out;
  };
  const [rd, rl] = [rank(s, () => true), rank(b, (v) => v > 0)];
  return s.map((x, i) => ({ relevance: x, score: 1 / (k + rd[i]) + (Number.isFinite(rl[i]) ? 1 / (k + rl[i]) : 0) }));
};
/** z-score fusion over the task's memories, thresholded on the dense similarity. */
const zscore = (repr, w) => (set, qi) => {
  const z = (values) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) || 1;
    return values.map((v) => (v - mean) / sd);
  };
  const s = sim(repr)(set, qi);
  const [zd, zb] = [z(s), z(bm25()(set, qi))];
  return s.map((x, i) => ({ relevance: x, score: zd[i] + w * zb[i] }));
};
/** Ordered by dense + w x lexical, thresholded on the dense similarity alone. */
const gateOnDense = (w) => (set, qi) => {
  const [s, b] = [sim('full')(set, qi), bm25()(set, qi)];
  return s.map((x, mi) => ({ relevance: x, score: x + w * lexicalScore(b[mi], 16) }));
};
const maxOfFields = (set, qi) => set.memories.map((_, mi) => Math.max(...['title', 'description', 'content'].map((f) => set.sims.raw[f][qi][mi])));
const meanFullDescription = (set, qi) => set.memories.map((_, mi) => (set.sims.raw.full[qi][mi] + set.sims.raw.description[qi][mi]) / 2);
/** Mean of the whole task's cosine and its best clause's cosine (the whole task's alone when it has one clause). */
const clauseAware = (set, qi) => {
  const whole = set.sims.raw.full[qi];
  const parts = set.clauseVectors[qi];
  if (parts.length === 0) return whole;
  return whole.map((s, mi) => (s + Math.max(...parts.map((v) => dot(v, set.reprs.full[mi])))) / 2);
};
const composite = (now) => (set, qi) =>
  set.memories.map((m, mi) => {
    const s = set.sims.raw.full[qi][mi];
    const score = 0.6 * s + 0.3 * recencyScore(new Date(now - m.ageDays * 86_400_000).toISOString(), now, 30) + 0.1 * (m.errorContext && s >= 0.3 ? 1 : 0);
    return { relevance: score, score };
  });

const SUM = 'full + description';
/** `[name, scoreOf, options?]`; `calibrated: false` = no threshold. `default: true` marks the package default's formula. */
export function contenders({ lexicalVariants, now }) {
  return [
    ['dense: full text (title, description, content)', dense('full')],
    ['dense: title + description', dense('titleDescription')],
    ['dense: full text + error context', dense('fullWithError')],
    ['dense: one vector = unit(v_full + v_description)', dense(SUM)],
    ['dense: one vector = unit(v_full + 0.5 v_description)', dense('full + 0.5 description')],
    ['dense: one vector = unit(v_full + v_title/description)', dense('full + title/description')],
    ['dense: one vector = unit(v_title + v_description + v_content)', dense('title + description + content')],
    ['dense: max over title, description, content (3 vectors)', (set, qi) => plain(maxOfFields(set, qi))],
    ['dense: mean of full-text and description cosines (2 vectors)', (set, qi) => plain(meanFullDescription(set, qi))],
    ['dense: full text, task embedded as "Use when <task>"', dense('full', 'whenToUse')],
    ['dense: unit(v_full + v_description), task as "Use when <task>"', dense(SUM, 'whenToUse')],
    ['dense: full text, mean of whole-task and best-clause cosines', (set, qi) => plain(clauseAware(set, qi))],
    ...lexicalVariants.map((variant) => [`lexical only: BM25, ${variant}`, (set, qi) => plain(bm25(variant)(set, qi).map((b) => lexicalScore(b, 8)))]),
    ['RRF(dense full text, BM25), k = 60', rrf('full')],
    ['RRF(dense unit(v_full + v_description), BM25), k = 60', rrf(SUM)],
    ['z-score fusion: z(dense full text) + 0.3 z(BM25)', zscore('full', 0.3)],
    ['z-score fusion: z(dense unit(v_full + v_description)) + 0.3 z(BM25)', zscore(SUM, 0.3)],
    ...[0.1, 0.2, 0.3, 0.5].map((w) => [`full text + ${w} x BM25/(BM25 + 16)`, weighted(sim('full'), w), { default: w === 0.2 }]),
    ['full text + 0.2 x BM25/(BM25 + 16), threshold on dense only', gateOnDense(0.2)],
    ...[0.1, 0.2, 0.3].map((w) => [`unit(v_full + v_description) + ${w} x BM25/(BM25 + 16)`, weighted(sim(SUM), w)]),
    ...lexicalVariants.filter((v) => v !== LEX).map((variant) => [`full text + 0.2 x BM25/(BM25 + 16), BM25 ${variant}`, weighted(sim('full'), 0.2, 16, variant)]),
    ['full text + 0.2 x BM25/(BM25 + 16), dense = mean of whole-task and best-clause cosines', weighted(clauseAware, 0.2)],
    // Neighbourhood-aware scoring (lib/neighbourhood.mjs): hubness reduction, centring, pseudo-relevance feedback, domain prior.
    ['dense: CSLS hubness reduction, cos - 0.5 x r_m (r_m: mean cosine to the 10 nearest other memories)', csls({ k: 10 })],
    ...[5, 10].map((k) => [`full text + 0.2 x BM25/(BM25 + 16) - 0.5 x r_m (CSLS, k = ${k})`, csls({ k, w: 0.2 })]),
    ...[[0.5, 3], [0.5, 5], [0.5, 10], [0.25, 5]].map(([gamma, k]) => [
      `full text + 0.2 x BM25/(BM25 + 16), ordered by it - ${gamma} x r_m (CSLS, k = ${k}), threshold without r_m`,
      csls({ k, w: 0.2, gamma, gate: true }),
    ]),
    ...[10, 20].map((n) => [`full text + 0.2 x BM25/(BM25 + 16), ordered by it - 0.5 x r_m over its ${n} best (k = 5), threshold without r_m`, localCsls({ n, k: 5 })]),
    ['dense: full text, vectors centred on the bank\'s mean', centred({})],
    ['full text centred on the bank\'s mean + 0.2 x BM25/(BM25 + 16)', centred({ w: 0.2 })],
    ...[[2, 0.3], [2, 0.5], [3, 0.3]].map(([n, beta]) => [`full text + 0.2 x BM25/(BM25 + 16), task vector + ${beta} x mean of its ${n} best (Rocchio)`, rocchio({ n, beta })]),
    ['full text + 0.2 x BM25/(BM25 + 16), ordered by it + 0.1 x cos(task, domain centroid)', domainPrior({ delta: 0.1 })],
    ['earlier composite 0.6 sim + 0.3 recency + 0.1 error boost (no threshold)', composite(now), { calibrated: false }],
  ];
}
