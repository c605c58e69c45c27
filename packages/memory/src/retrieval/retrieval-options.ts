import { OptionReader } from '@rb/errors';
import type { RetrievedMemory } from '../memory-store.js';
import type { RankSettings } from './rank.js';

/**
 * Reorders (and may shorten) the best candidates of a retrieval, e.g. with an LLM judging which lesson fits the task.
 * Return the memories to keep, best first, taken from `candidates`; the store takes the first `k`.
 */
export type RerankHook = (query: string, candidates: readonly RetrievedMemory[]) => Promise<readonly RetrievedMemory[]>;

/** How `retrieve` finds and orders memories. Every field is optional. */
export interface RetrievalOptions {
  /** Candidates taken from each retriever (dense and lexical) before fusion. Defaults to `50`. */
  candidates?: number;
  /**
   * Weight of the lexical (BM25) score in relevance: `relevance = similarity + lexicalWeight x lexical`, `lexical` in
   * 0..1. `0` makes retrieval dense only. Defaults to `0.2`: a second opinion that breaks near ties of the dense
   * similarity, kept small because tasks often share words with the wrong lesson.
   */
  lexicalWeight?: number;
  /** BM25 score mapped to 0.5 by `lexical = bm25 / (bm25 + lexicalSaturation)`. Defaults to `16`. */
  lexicalSaturation?: number;
  /**
   * Relevance below which a memory is not returned, so an unrelated task gets nothing. Defaults to the calibrated value
   * for the embedder's model in `DEFAULT_MIN_SCORES`, else `0` (off). A request's `minScore` overrides it.
   */
  minScore?: number;
  /**
   * Recency and the failure boost may reorder memories whose relevance is within this margin, never more. Defaults
   * to `0.02`.
   */
  tieMargin?: number;
  /** Share of the tie bonus given to recency; the rest goes to the failure boost. Defaults to `0.75` (the seed's 0.3 : 0.1). */
  recencyShare?: number;
  /** Age at which recency is 0.5, in days. Defaults to `30`. */
  halfLifeDays?: number;
  /** A second stage over the best candidates, e.g. an LLM. Defaults to none. */
  rerank?: RerankHook;
  /** Candidates the `rerank` hook sees. Defaults to `10`. */
  rerankCandidates?: number;
  /**
   * Rescore the best candidates by late interaction when the embedder gives token vectors
   * (`MemoryEmbedder.generateTokenVectors`, which `@rb/embed-batch` has): their relevance becomes `late +
   * lexicalWeight x lexical`, where `late` is the symmetric MaxSim of the task's and the memory's content-word token
   * vectors, and `lateMinScore` applies to it. Token vectors match what a pooled vector averages away, so lessons on
   * one subject are told apart by what each says. Defaults to `true`; without token vectors it does nothing.
   */
  lateInteraction?: boolean;
  /** Best candidates (after `minScore`) rescored by late interaction; at least `k` are. Defaults to `5`. */
  lateCandidates?: number;
  /**
   * Late interaction runs only when the best two candidates' relevances differ by less than this: a clear winner is
   * kept as it is, and the stage's cost (the model run again for the task and uncached candidates) is paid where it can
   * change the answer. Defaults to `0.1` (with MiniLM it then runs for about a third of tasks and keeps all of its
   * gain); `Infinity` runs it whenever two candidates pass `minScore`.
   */
  lateGap?: number;
  /**
   * The threshold of the late-interaction relevance. Defaults to the calibrated value for the embedder's model in
   * `DEFAULT_LATE_MIN_SCORES`, else `0`. A request's `minScore` overrides both thresholds.
   */
  lateMinScore?: number;
  /**
   * Bytes of memories' token vectors kept between retrievals (least recently used dropped first), so a memory is
   * encoded once, not at every retrieval that ranks it. A MiniLM memory of 60 words takes about 60 KiB. Defaults to
   * `33554432` (32 MiB); `0` keeps none.
   */
  lateCacheBytes?: number;
}

/**
 * Relevance thresholds calibrated per embedding model for the default relevance (`npx nx eval @rb/memory`): the
 * highest value that keeps 97% of the correct top-1 answers of the dev set's tuning part. With MiniLM it rejects every
 * off-topic task of both held-out sets, near misses included. A threshold belongs to a model and to `lexicalWeight`:
 * calibrate again (or pass `minScore`) when changing either.
 */
export const DEFAULT_MIN_SCORES: Readonly<Record<string, number>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, number>, {
    'onnx-community/all-MiniLM-L6-v2-ONNX': 0.37,
    'Xenova/all-MiniLM-L6-v2': 0.37,
    'sentence-transformers/all-MiniLM-L6-v2': 0.37,
    // The toy embedder of `@rb/memory/testing` (word overlap): unrelated texts score about 0, a paraphrase of the
    // same lesson about 0.13 cosine plus 0.2 x its BM25 share, so 0.15 separates the two at lexicalWeight 0.2.
    'rb-test/hashed-words': 0.15,
  }),
);

/**
 * Thresholds of the late-interaction relevance per model, calibrated by the same rule as `DEFAULT_MIN_SCORES`
 * (`npx nx eval @rb/memory`). They belong to a model and to `lexicalWeight`.
 */
export const DEFAULT_LATE_MIN_SCORES: Readonly<Record<string, number>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, number>, {
    'onnx-community/all-MiniLM-L6-v2-ONNX': 0.41,
    'Xenova/all-MiniLM-L6-v2': 0.41,
    'sentence-transformers/all-MiniLM-L6-v2': 0.41,
  }),
);

/** The default `tieMargin`: recency and the failure boost never reorder memories whose relevance differs by more. */
export const DEFAULT_TIE_MARGIN = 0.02;

export interface ResolvedRetrieval extends Omit<RankSettings, 'now'> {
  candidates: number;
  rerank: RerankHook | undefined;
  rerankCandidates: number;
  lateInteraction: boolean;
  lateCandidates: number;
  lateGap: number;
  lateMinScore: number;
  lateCacheBytes: number;
}

export const RETRIEVAL_OPTION_NAMES = [
  'candidates',
  'lexicalWeight',
  'lexicalSaturation',
  'minScore',
  'tieMargin',
  'recencyShare',
  'halfLifeDays',
  'rerank',
  'rerankCandidates',
  'lateInteraction',
  'lateCandidates',
  'lateGap',
  'lateMinScore',
  'lateCacheBytes',
] as const;

export function resolveRetrieval(read: OptionReader, model: string): ResolvedRetrieval {
  return {
    candidates: read.integer('candidates', { default: 50, min: 1, max: 1000 }),
    lexicalWeight: read.number('lexicalWeight', { default: 0.2, min: 0, max: 10 }),
    lexicalSaturation: read.number('lexicalSaturation', { default: 16, above: 0, max: 1e6 }),
    minScore: read.number('minScore', { default: DEFAULT_MIN_SCORES[model] ?? 0, min: 0, max: 11 }),
    tieMargin: read.number('tieMargin', { default: DEFAULT_TIE_MARGIN, min: 0, max: 1 }),
    recencyShare: read.number('recencyShare', { default: 0.75, min: 0, max: 1 }),
    halfLifeDays: read.number('halfLifeDays', { default: 30, above: 0, allowInfinity: true }),
    rerank: read.function<RerankHook, undefined>('rerank', undefined),
    rerankCandidates: read.integer('rerankCandidates', { default: 10, min: 1, max: 100 }),
    lateInteraction: read.boolean('lateInteraction', true),
    lateCandidates: read.integer('lateCandidates', { default: 5, min: 1, max: 100 }),
    lateGap: read.number('lateGap', { default: 0.1, above: 0, allowInfinity: true }),
    lateMinScore: read.number('lateMinScore', { default: DEFAULT_LATE_MIN_SCORES[model] ?? 0, min: 0, max: 11 }),
    lateCacheBytes: read.integer('lateCacheBytes', { default: 32 * 1024 * 1024, min: 0, max: 2 ** 40 }),
  };
}
