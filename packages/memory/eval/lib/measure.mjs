// Recall@1, recall@3, MRR and off-topic rejection of a contender on a part of a set, the threshold calibration rule,
// and maximal marginal relevance.
export const K = 3;

/**
 * A contender scores every memory for task qi of a set: `[{ relevance, score }]` by memory index. `relevance` is what
 * the threshold applies to, `score` what orders.
 */
export function ranked(set, scores, threshold) {
  return scores
    .map((s, mi) => ({ ...s, mi }))
    .filter((s) => s.relevance >= threshold)
    .sort((a, b) => b.score - a.score || a.mi - b.mi);
}

/** Metrics of `order(set, qi)` (memory indices, best first, already thresholded) over the tasks `indices`. */
export function measureOrders(set, indices, order) {
  const rows = indices.map((qi) => {
    const q = set.queries[qi];
    const ids = order(qi).map((mi) => set.memories[mi].id);
    return { q, rank: ids.findIndex((id) => q.relevant.includes(id)), returned: ids.length };
  });
  const on = rows.filter((r) => r.q.relevant.length > 0);
  const off = rows.filter((r) => r.q.relevant.length === 0);
  const stats = (items) => {
    const n = Math.max(1, items.length);
    return {
      n: items.length,
      r1: items.filter((x) => x.rank === 0).length / n,
      r3: items.filter((x) => x.rank >= 0 && x.rank < K).length / n,
      mrr: items.reduce((sum, x) => sum + (x.rank >= 0 ? 1 / (x.rank + 1) : 0), 0) / n,
    };
  };
  return {
    all: stats(on),
    hard: stats(on.filter((r) => r.q.hard)),
    rejected: off.filter((r) => r.returned === 0).length / Math.max(1, off.length),
    offTopic: off.length,
    nearMissRejected: off.some((r) => r.q.nearMiss) ? off.filter((r) => r.q.nearMiss && r.returned === 0).length / off.filter((r) => r.q.nearMiss).length : undefined,
  };
}

/**
 * The calibration rule, applied to the tuning part of set 1 only: the threshold (to 0.01) that keeps 97% of the
 * correct top-1 answers, i.e. at the 3rd percentile of the relevance of correct top-1 answers.
 */
export function calibrate(set, indices, scoreOf) {
  const tops = indices
    .filter((qi) => set.queries[qi].relevant.length > 0)
    .map((qi) => {
      const [top] = ranked(set, scoreOf(set, qi), -Infinity);
      return set.queries[qi].relevant.includes(set.memories[top.mi].id) ? top.relevance : undefined;
    })
    .filter((r) => r !== undefined)
    .sort((a, b) => a - b);
  return Math.floor(tops[Math.floor(tops.length * 0.03)] * 100) / 100;
}

/**
 * Maximal marginal relevance over the thresholded candidates: repeatedly take the memory maximising
 * `lambda x relevance - (1 - lambda) x max cosine to those taken`.
 */
export function mmr(candidates, vectors, lambda, k, cos) {
  const chosen = [];
  const pool = [...candidates];
  while (chosen.length < k && pool.length > 0) {
    let best = 0;
    let bestValue = -Infinity;
    pool.forEach((c, i) => {
      const redundancy = chosen.length === 0 ? 0 : Math.max(...chosen.map((s) => cos(vectors[c.mi], vectors[s.mi])));
      const value = lambda * c.score - (1 - lambda) * redundancy;
      if (value > bestValue) [best, bestValue] = [i, value];
    });
    chosen.push(pool.splice(best, 1)[0]);
  }
  return chosen;
}
