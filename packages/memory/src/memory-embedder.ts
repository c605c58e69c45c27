/**
 * The embedding model a store needs: `@rb/embed-batch`'s `Embedder` fits, and so does any model with this shape.
 * The model id and dimension are recorded with the bank; reopening it with another model is refused.
 */
export interface MemoryEmbedder {
  readonly model: string;
  readonly dimension: number;
  /** Embeds texts in input order. */
  generateBatch(texts: readonly string[], options?: { batchSize?: number }): Promise<ArrayLike<number>[]>;
  /**
   * Optional: each text's word pieces and one unit vector per piece (the model's token vectors, special tokens
   * dropped), in input order. When present, `retrieve` rescores its best candidates by late interaction (see
   * `RetrievalOptions.lateInteraction`). `@rb/embed-batch`'s `Embedder` has it.
   */
  generateTokenVectors?(texts: readonly string[]): Promise<readonly MemoryTokenVectors[]>;
}

/** A text as the model sees it: its word pieces and one vector per piece. */
export interface MemoryTokenVectors {
  /** The model's word pieces of the text, without special tokens: e.g. `index`, `##ing`, `.`. */
  readonly pieces: readonly string[];
  /** One unit-length vector of `dimension` floats per piece, row after row (`pieces.length x dimension`). */
  readonly vectors: Float32Array;
}
