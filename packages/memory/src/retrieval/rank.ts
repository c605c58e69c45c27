import type { MemoryItem } from '../memory-item.js';
import type { RetrievedMemory } from '../memory-store.js';

/** What the pipeline knows of a candidate before ranking. */
export interface RankCandidate {
  memory: MemoryItem;
  /** Cosine similarity to the query, -1..1. */
  similarity: number;
  /** Raw BM25 score, 0 when the lexical retriever did not return the memory. */
  lexical: number;
  /** Late-interaction similarity, when that stage scored the memory: it stands in for `similarity` in relevance. */
  late?: number;
}

/** The resolved ranking settings (see `RetrievalOptions` for what each means and its default). */
export interface RankSettings {
  lexicalWeight: number;
  lexicalSaturation: number;
  minScore: number;
  tieMargin: number;
  recencyShare: number;
  halfLifeDays: number;
  /** Epoch milliseconds, for recency. */
  now: number;
}

const DAY_MS = 86_400_000;

/** `2^(-ageDays / halfLifeDays)`; a date in the future counts as now. */
export function recencyScore(createdAt: string, nowMs: number, halfLifeDays: number): number {
  const ageDays = Math.max(0, nowMs - Date.parse(createdAt)) / DAY_MS;
  return 2 ** (-ageDays / halfLifeDays);
}

/** BM25 mapped to 0..1 without looking at the other candidates, so it means the same for every query. */
export function lexicalScore(bm25: number, saturation: number): number {
  return bm25 > 0 ? bm25 / (bm25 + saturation) : 0;
}

/**
 * Relevance first. `relevance = similarity + lexicalWeight x lexical` (`late` in place of `similarity` when present);
 * memories below `minScore` are dropped (unless it is 0); the rest are ordered by `score = relevance + tieMargin x
 * (recencyShare x recency + (1 - recencyShare) x errorBoost)`. The bonus is at most `tieMargin`, so recency and the
 * failure boost only reorder memories whose relevance is within `tieMargin` of each other: a memory never ranks above
 * one whose relevance exceeds its own by more.
 */
export function rankCandidates(candidates: readonly RankCandidate[], settings: RankSettings): RetrievedMemory[] {
  const ranked: RetrievedMemory[] = [];
  for (const candidate of candidates) {
    const lexical = lexicalScore(candidate.lexical, settings.lexicalSaturation);
    const relevance = (candidate.late ?? candidate.similarity) + settings.lexicalWeight * lexical;
    if (settings.minScore > 0 && relevance < settings.minScore) continue;
    const recency = recencyScore(candidate.memory.createdAt, settings.now, settings.halfLifeDays);
    const errorBoost = candidate.memory.errorContext !== undefined ? 1 : 0;
    const bonus = settings.recencyShare * recency + (1 - settings.recencyShare) * errorBoost;
    ranked.push({
      memory: candidate.memory,
      score: relevance + settings.tieMargin * bonus,
      components: {
        similarity: candidate.similarity,
        lexical,
        ...(candidate.late !== undefined ? { late: candidate.late } : {}),
        recency,
        errorBoost,
        relevance,
      },
    });
  }
  return ranked.sort(
    (a, b) =>
      b.score - a.score ||
      b.components.relevance - a.components.relevance ||
      (a.memory.id < b.memory.id ? -1 : a.memory.id > b.memory.id ? 1 : 0),
  );
}

/** Cosine similarity of two vectors of the same length (0 when either is all zeros). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
