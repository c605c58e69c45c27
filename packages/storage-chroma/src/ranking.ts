import { invalidInput } from './errors.js';

/** Weights of the composite score. Each is >= 0 and they sum to 1. */
export interface RankingWeights {
  /** Weight of cosine similarity. Defaults to `0.6`. */
  similarity: number;
  /** Weight of recency. Defaults to `0.3`. */
  recency: number;
  /** Weight of the error boost. Defaults to `0.1`. */
  errorBoost: number;
}

/** How a retrieved memory scored; `score` is the weighted sum of the three components. */
export interface ScoreComponents {
  score: number;
  /** Cosine similarity to the query: 1 - Chroma's cosine distance. */
  similarity: number;
  /** `2^(-ageDays / halfLifeDays)`: 1 for a memory created now, 0.5 one half-life ago. */
  recency: number;
  /** 1 for a failure-derived memory (it has `errorContext`) that is relevant to the query, else 0. */
  errorBoost: number;
}

export const DEFAULT_WEIGHTS: RankingWeights = { similarity: 0.6, recency: 0.3, errorBoost: 0.1 };

const DAY_MS = 86_400_000;

export function validateWeights(weights: Partial<RankingWeights> | undefined, field: string): RankingWeights {
  const merged = { ...DEFAULT_WEIGHTS, ...weights };
  for (const key of ['similarity', 'recency', 'errorBoost'] as const) {
    const value = merged[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw invalidInput(`${field}.${key}`, 'a finite number >= 0', value);
    }
  }
  const sum = merged.similarity + merged.recency + merged.errorBoost;
  if (Math.abs(sum - 1) > 1e-6) throw invalidInput(field, 'weights summing to 1', sum);
  return merged;
}

/** True half-life decay; a date in the future counts as now. */
export function recencyScore(createdAtMs: number, nowMs: number, halfLifeDays: number): number {
  const ageDays = Math.max(0, nowMs - createdAtMs) / DAY_MS;
  return 2 ** (-ageDays / halfLifeDays);
}

/**
 * The composite score. The error boost only counts when the memory is relevant (similarity at least
 * `errorRelevance`), so an unrelated failure never floats above a related success.
 */
export function scoreMemory(
  input: { distance: number; createdAtMs: number; hasErrorContext: boolean },
  settings: { weights: RankingWeights; halfLifeDays: number; errorRelevance: number; now: number },
): ScoreComponents {
  const similarity = 1 - input.distance;
  const recency = recencyScore(input.createdAtMs, settings.now, settings.halfLifeDays);
  const errorBoost = input.hasErrorContext && similarity >= settings.errorRelevance ? 1 : 0;
  const { weights } = settings;
  const score = weights.similarity * similarity + weights.recency * recency + weights.errorBoost * errorBoost;
  return { score, similarity, recency, errorBoost };
}
