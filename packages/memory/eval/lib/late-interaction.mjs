// Late interaction (ColBERT-style MaxSim, Khattab & Zaharia 2020) with MiniLM's own token vectors: the idea that a
// token-level match tells apart lessons whose pooled vectors (the mean of all tokens) lie close together. MiniLM was
// trained for mean pooling, not for MaxSim, so this measures whether its contextual token vectors carry that signal
// as they are. Everything is computed in memory for one run; nothing is cached on disk.
import { contentRows, maxSimDirections } from '../../dist/retrieval/late-interaction.js';
import { lexicalScore } from '../../dist/retrieval/rank.js';

const LEX = 'package tokenizer';

/**
 * A text as token vectors, from the embedder's `generateTokenVectors` (the package's late-interaction stage reads the
 * same): `all` holds every WordPiece token's vector ([CLS] and [SEP] dropped), `content` only the tokens of words the
 * package's BM25 tokenizer keeps (the package's own `contentRows`). Rows are unit length, flat, `dim` floats each.
 */
export function createTokenEncoder(embedder) {
  const dim = embedder.dimension;
  const encode = async (text) => {
    const [{ pieces, vectors }] = await embedder.generateTokenVectors([text]);
    return { dim, pieces, all: vectors, content: contentRows({ pieces, vectors }, dim) };
  };
  return { encode };
}

/** Only `q2m` (what a scan of a whole bank computes). */
export const maxSim = (q, m, dim) => maxSimDirections(q, m, dim).taskToMemory;

/**
 * Adds `set.late[tokens][direction][qi][mi]` to each set (tokens: 'all' or 'content'; direction: 'q2m', 'm2q',
 * 'sym' = their mean). Texts are encoded once across sets (the merged bank reuses both sets' memories and tasks).
 */
export async function lateScores(encoder, sets, memoryText) {
  const encoded = new Map();
  const encode = async (text) => {
    if (!encoded.has(text)) encoded.set(text, await encoder.encode(text));
    return encoded.get(text);
  };
  const pairs = new Map();
  for (const set of sets) {
    const memories = [];
    for (const m of set.memories) memories.push(await encode(memoryText(m)));
    const queries = [];
    for (const q of set.queries) queries.push(await encode(q.query));
    set.lateTokens = { memories, queries };
    set.late = {};
    for (const tokens of ['all', 'content']) {
      const grid = { q2m: [], m2q: [], sym: [] };
      queries.forEach((q, qi) => {
        for (const d of Object.keys(grid)) grid[d][qi] = [];
        set.memories.forEach((mem, mi) => {
          const key = `${tokens}\u0000${set.queries[qi].query}\u0000${mem.id}`;
          if (!pairs.has(key)) pairs.set(key, maxSimDirections(q[tokens], memories[mi][tokens], q.dim));
          const { taskToMemory: q2m, memoryToTask: m2q } = pairs.get(key);
          grid.q2m[qi][mi] = q2m;
          grid.m2q[qi][mi] = m2q;
          grid.sym[qi][mi] = (q2m + m2q) / 2;
        });
      });
      set.late[tokens] = grid;
    }
  }
  return encoded;
}

const plain = (values) => values.map((v) => ({ relevance: v, score: v }));
const lexical = (set, qi) => set.memories.map((_, mi) => lexicalScore(set.bm25[LEX][qi].get(mi) ?? 0, 16));
/** The package default's relevance: pooled cosine of the full text + 0.2 x BM25/(BM25 + 16). */
const defaultRelevance = (set, qi) => {
  const lex = lexical(set, qi);
  return set.sims.raw.full[qi].map((s, mi) => s + 0.2 * lex[mi]);
};

/**
 * `a x late + (1 - a) x pooled cosine + w x BM25/(BM25 + 16)`: a = 1 is late interaction alone, w = 0 drops BM25.
 * One score, both thresholded and ordered on.
 */
export const fused = ({ tokens, direction, a = 1, w = 0 }) => (set, qi) => {
  const late = set.late[tokens][direction][qi];
  const pooled = set.sims.raw.full[qi];
  const lex = lexical(set, qi);
  return plain(late.map((l, mi) => a * l + (1 - a) * pooled[mi] + w * lex[mi]));
};

const defaultHead = (relevance, n) => new Set(relevance.map((r, mi) => [r, mi]).sort((x, y) => y[0] - x[0] || x[1] - y[1]).slice(0, n).map(([, mi]) => mi));

/**
 * The default's ranking with its first `n` candidates reordered by `by` (a fused score as above); relevance stays the
 * default's, so what passes the threshold (and every off-topic rejection) is the default's. The rest keep their order
 * below the reordered `n`.
 */
export const reorderDefault = ({ n, ...by }) => (set, qi) => {
  const relevance = defaultRelevance(set, qi);
  const top = defaultHead(relevance, n);
  const order = fused(by)(set, qi);
  // Scores of any scale stay above the rest: the reordered head is shifted past the largest possible relevance (< 2).
  return relevance.map((r, mi) => ({ relevance: r, score: top.has(mi) ? 10 + order[mi].score : r }));
};

/**
 * A fused score computed for the default's first `n` candidates only, thresholded and ordered on it; the rest of the
 * bank is dropped. What a store would run to get a full late-interaction score without a MaxSim scan of the whole bank
 * (token vectors needed for `n` memories a query); it equals the full scan when no memory outside the default's head
 * would have won. `gate`: only candidates whose default relevance reaches it count, which is what the package's
 * `rerank` hook sees (the default's thresholded head; the hook may reorder it and drop from it).
 */
export const rescoreDefaultHead = ({ n, gate = -Infinity, ...by }) => (set, qi) => {
  const relevance = defaultRelevance(set, qi);
  const top = defaultHead(relevance.map((r) => (r >= gate ? r : -Infinity)), n);
  return fused(by)(set, qi).map((s, mi) => (top.has(mi) && relevance[mi] >= gate ? s : { relevance: -Infinity, score: -Infinity }));
};
