/**
 * The embedding model a store needs: `@rb/embed-batch`'s `Embedder` fits, and so does any model with this shape.
 * The model id and dimension are recorded with the bank; reopening it with another model is refused.
 */
export interface MemoryEmbedder {
  readonly model: string;
  readonly dimension: number;
  /** Embeds texts in input order. */
  generateBatch(texts: readonly string[], options?: { batchSize?: number }): Promise<ArrayLike<number>[]>;
}
