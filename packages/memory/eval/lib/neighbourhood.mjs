// Contenders that look at a memory's neighbours in the bank (or at the task's best candidates) rather than at the
// task and one memory alone: hubness reduction (CSLS), centring the vectors on the bank's mean, pseudo-relevance
// feedback on the task vector (Rocchio), and a domain prior. All use the one stored vector per memory (full text).
import { lexicalScore } from '../../dist/retrieval/rank.js';
import { dot } from './sets.mjs';

const LEX = 'package tokenizer';
const bm25Of = (set, qi) => set.memories.map((_, mi) => lexicalScore(set.bm25[LEX][qi].get(mi) ?? 0, 16));

/** Cosine of every pair of memories of a set (full-text vectors), computed once per set. */
function pairwise(set) {
  if (!set.pairwise) {
    const v = set.reprs.full;
    set.pairwise = v.map((a) => v.map((b) => dot(a, b)));
  }
  return set.pairwise;
}

/** `r_m`: mean cosine of each memory to its `k` nearest other memories of the bank (CSLS, Conneau et al. 2018). */
export function hubness(set, k) {
  set.hubness ??= {};
  if (!set.hubness[k]) {
    set.hubness[k] = pairwise(set).map((row, mi) => {
      const others = row.filter((_, j) => j !== mi).sort((a, b) => b - a).slice(0, k);
      return others.reduce((a, b) => a + b, 0) / Math.max(1, others.length);
    });
  }
  return set.hubness[k];
}

/**
 * CSLS on the cosine scale: `cos - gamma x (r_m - mean r)` (gamma 0.5 is CSLS's `2 cos - r_m` halved; the bank's mean
 * `r` is subtracted so the threshold keeps the cosine's scale), plus `w x BM25/(BM25 + 16)` when `w > 0`.
 * `gate`: threshold on the uncorrected `cos + w x lexical`, order by the corrected score.
 */
export const csls = ({ k, gamma = 0.5, w = 0, gate = false }) => (set, qi) => {
  const r = hubness(set, k);
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  const lex = bm25Of(set, qi);
  return set.sims.raw.full[qi].map((s, mi) => {
    const plain = s + w * lex[mi];
    const corrected = plain - gamma * (r[mi] - mean);
    return { relevance: gate ? plain : corrected, score: corrected };
  });
};

/**
 * Query-local CSLS: among the task's `n` best candidates by `cos + w x lexical`, each candidate's `r` is its mean
 * cosine to its `k` nearest other candidates; the rest of the bank is scored as usual (below the n best).
 */
export const localCsls = ({ n, k, gamma = 0.5, w = 0.2 }) => (set, qi) => {
  const lex = bm25Of(set, qi);
  const plain = set.sims.raw.full[qi].map((s, mi) => s + w * lex[mi]);
  const top = plain.map((p, mi) => [p, mi]).sort((a, b) => b[0] - a[0]).slice(0, n).map(([, mi]) => mi);
  const pw = pairwise(set);
  const r = new Map(top.map((mi) => {
    const others = top.filter((j) => j !== mi).map((j) => pw[mi][j]).sort((a, b) => b - a).slice(0, k);
    return [mi, others.reduce((a, b) => a + b, 0) / Math.max(1, others.length)];
  }));
  const mean = [...r.values()].reduce((a, b) => a + b, 0) / Math.max(1, r.size);
  return plain.map((p, mi) => {
    const score = r.has(mi) ? p - gamma * (r.get(mi) - mean) : p;
    return { relevance: p, score };
  });
};

/** Cosine after subtracting the bank's mean vector from the task and the memories ("all-but-the-top", first step). */
export const centred = ({ w = 0 }) => (set, qi) => {
  set.centred ??= (() => {
    const v = set.reprs.full;
    const mu = new Float32Array(v[0].length);
    for (const x of v) for (let i = 0; i < mu.length; i++) mu[i] += x[i] / v.length;
    const unit = (x) => {
      const c = Float32Array.from(x, (y, i) => y - mu[i]);
      const norm = Math.sqrt(dot(c, c)) || 1;
      return c.map((y) => y / norm);
    };
    return { memories: v.map(unit), unit };
  })();
  const q = set.centred.unit(set.queryVectors.raw[qi]);
  const lex = bm25Of(set, qi);
  return set.centred.memories.map((m, mi) => {
    const s = dot(q, m) + w * lex[mi];
    return { relevance: s, score: s };
  });
};

/**
 * Rocchio pseudo-relevance feedback: `q' = unit(q + beta x mean of the n best memories' vectors)`, the n best by
 * `cos + w x lexical`; then scored as `cos(q', m) + w x lexical`.
 */
export const rocchio = ({ n, beta, w = 0.2 }) => (set, qi) => {
  const lex = bm25Of(set, qi);
  const first = set.sims.raw.full[qi].map((s, mi) => s + w * lex[mi]);
  const top = first.map((p, mi) => [p, mi]).sort((a, b) => b[0] - a[0]).slice(0, n).map(([, mi]) => mi);
  const q = Float32Array.from(set.queryVectors.raw[qi]);
  for (const mi of top) for (let i = 0; i < q.length; i++) q[i] += (beta / n) * set.reprs.full[mi][i];
  const norm = Math.sqrt(dot(q, q)) || 1;
  return set.reprs.full.map((m, mi) => {
    const s = dot(q, m) / norm + w * lex[mi];
    return { relevance: s, score: s };
  });
};

/**
 * Domain prior: `cos + w x lexical + delta x cos(q, centroid of the memory's domain)`, the centroid the normalised mean
 * of the domain's memory vectors. Thresholded on the relevance without the prior.
 */
export const domainPrior = ({ delta, w = 0.2 }) => (set, qi) => {
  set.centroids ??= (() => {
    const sums = new Map();
    set.memories.forEach((m, mi) => {
      const c = sums.get(m.domain) ?? new Float32Array(set.reprs.full[mi].length);
      for (let i = 0; i < c.length; i++) c[i] += set.reprs.full[mi][i];
      sums.set(m.domain, c);
    });
    for (const c of sums.values()) {
      const norm = Math.sqrt(dot(c, c)) || 1;
      for (let i = 0; i < c.length; i++) c[i] /= norm;
    }
    return sums;
  })();
  const q = set.queryVectors.raw[qi];
  const lex = bm25Of(set, qi);
  const prior = new Map([...set.centroids].map(([d, c]) => [d, dot(q, c)]));
  return set.sims.raw.full[qi].map((s, mi) => {
    const relevance = s + w * lex[mi];
    return { relevance, score: relevance + delta * prior.get(set.memories[mi].domain) };
  });
};
