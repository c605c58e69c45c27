import { MemoryError } from '../errors.js';
import type { MemoryEmbedder } from '../memory-embedder.js';

/**
 * Embeds `texts` in one `generateBatch` and checks every vector (count, dimension, finite values): a model that
 * misbehaves fails the call before anything is written.
 */
export async function embedTexts(embedder: MemoryEmbedder, texts: readonly string[], batchSize?: number): Promise<Float32Array[]> {
  if (texts.length === 0) return [];
  let vectors: ArrayLike<number>[];
  try {
    vectors = await embedder.generateBatch(texts, batchSize === undefined ? undefined : { batchSize });
  } catch (cause) {
    throw modelFailure(embedder, cause);
  }
  if (!Array.isArray(vectors) || vectors.length !== texts.length) {
    throw new MemoryError({
      code: 'EMBEDDING_FAILED',
      message: `the embedding model ${embedder.model} returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${texts.length} texts`,
    });
  }
  return vectors.map((vector) => {
    if (vector?.length !== embedder.dimension) {
      throw new MemoryError({
        code: 'MODEL_MISMATCH',
        message: `the embedding model ${embedder.model} returned a vector of ${vector?.length} dimensions, expected ${embedder.dimension}`,
        expected: { model: embedder.model, dimension: embedder.dimension },
      });
    }
    const out = Float32Array.from(vector);
    if (!out.every(Number.isFinite)) {
      throw new MemoryError({ code: 'EMBEDDING_FAILED', message: `the embedding model ${embedder.model} returned a non-finite value` });
    }
    return out;
  });
}

/** What a failed model call becomes: a `MemoryError` stays as it is, anything else is `EMBEDDING_FAILED` with its cause. */
export function modelFailure(embedder: MemoryEmbedder, cause: unknown): MemoryError {
  if (MemoryError.isInstance(cause)) return cause;
  return new MemoryError({
    code: 'EMBEDDING_FAILED',
    message: `the embedding model ${embedder.model} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    isRetryable: (cause as { isRetryable?: unknown })?.isRetryable === true,
    cause,
  });
}
