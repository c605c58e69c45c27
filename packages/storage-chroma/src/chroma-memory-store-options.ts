import type { RankingWeights } from './ranking.js';

/**
 * The embedding model the store needs: `@rb/embed-batch`'s `Embedder` fits, and so does any other model with this
 * shape. Vectors must be L2-normalised or not; the collections use cosine space either way.
 */
export interface MemoryEmbedder {
  /** Model id, recorded in the collections; reopening them with another model is refused. */
  readonly model: string;
  /** Vector length, recorded and checked like `model`. */
  readonly dimension: number;
  /** Embeds texts in input order. */
  generateBatch(texts: readonly string[], options?: { batchSize?: number }): Promise<ArrayLike<number>[]>;
}

/** Options of `ChromaMemoryStore.open()`. */
export interface ChromaMemoryStoreOptions {
  /** The embedding model. Required. */
  embedder: MemoryEmbedder;
  /** Chroma server URL. Defaults to the `CHROMA_URL` environment variable, else `"http://127.0.0.1:8000"`. */
  url?: string;
  /** Extra HTTP headers for every Chroma request (e.g. auth). Defaults to none. */
  headers?: Record<string, string>;
  /** Collections are `<prefix>_memories` and `<prefix>_traces`. Defaults to `"reasoningbank"`. */
  collectionPrefix?: string;
  /** The seed's `enable_memory_cache`: cache memories, query embeddings and retrieval candidates. Defaults to `true`. */
  enableMemoryCache?: boolean;
  /** The seed's `cache_size`: entries of each cache. Defaults to `1000`. */
  cacheSize?: number;
  /** Seconds a cache entry lives. Defaults to `3600`. */
  cacheTtlSeconds?: number;
  /** The seed's `batch_size`: texts per model call, passed to `generateBatch`. Defaults to `32`. */
  batchSize?: number;
  /** Weights of the composite score, each >= 0, summing to 1. Defaults to `{ similarity: 0.6, recency: 0.3, errorBoost: 0.1 }`. */
  weights?: Partial<RankingWeights>;
  /** Age at which recency is 0.5. Defaults to `30` days. */
  halfLifeDays?: number;
  /** Similarity at which a failure memory's error boost starts to count. Defaults to `0.3` (MiniLM puts unrelated texts near 0.1, related ones at 0.3-0.8). */
  errorRelevance?: number;
  /** Candidates fetched per result before re-ranking (at least 10 in all). Defaults to `4`. */
  overFetch?: number;
  /** Clock in epoch milliseconds, for recency and retention. Defaults to `Date.now`. */
  now?: () => number;
}
