import type { MemoryEmbedder } from '../memory-embedder.js';
import { tokenize } from '../retrieval/tokenize.js';

/** The model id of `createTestEmbedder`; `DEFAULT_MIN_SCORES` holds its threshold. */
export const TEST_EMBEDDER_MODEL = 'rb-test/hashed-words';

/** A deterministic toy embedder for fast tests, with a way to make its next call fail. */
export interface TestEmbedder extends MemoryEmbedder {
  /** `generateBatch` calls so far, with the number of texts of each. */
  readonly calls: number[];
  /** Makes the next `generateBatch` call throw `error` (or return vectors of the wrong length with `"bad-dimension"`). */
  failNext(failure?: Error | 'bad-dimension'): void;
}

/**
 * A TOY embedding model for tests: each word (lower-cased, stop words dropped) is hashed to a signed coordinate, so
 * the cosine similarity of two texts measures the words they share, not what they mean. Fast and deterministic; use
 * the real model (`@rb/embed-batch`) wherever ranking quality matters.
 */
export function createTestEmbedder(options: { dimension?: number } = {}): TestEmbedder {
  const dimension = options.dimension ?? 384;
  const calls: number[] = [];
  let failure: Error | 'bad-dimension' | undefined;
  const embed = (text: string): Float32Array => {
    const vector = new Float32Array(dimension);
    // Presence, not counts: a word repeated in a long text weighs no more than once, so one hash collision between
    // unrelated texts stays far below the threshold.
    for (const word of new Set(tokenize(text))) {
      const hash = fnv1a(word);
      vector[hash % dimension]! += hash & 0x80000000 ? -1 : 1;
    }
    let norm = 0;
    for (const value of vector) norm += value * value;
    if (norm > 0) for (let i = 0; i < dimension; i++) vector[i]! /= Math.sqrt(norm);
    return vector;
  };
  return {
    model: TEST_EMBEDDER_MODEL,
    dimension,
    calls,
    failNext(next = new Error('test embedder failure')) {
      failure = next;
    },
    async generateBatch(texts) {
      calls.push(texts.length);
      const current = failure;
      failure = undefined;
      if (current === 'bad-dimension') return texts.map(() => new Float32Array(dimension - 1));
      if (current) throw current;
      return texts.map(embed);
    },
  };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
