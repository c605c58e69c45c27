// Late interaction (ColBERT-style MaxSim, Khattab & Zaharia 2020) with the embedding model's own token vectors. A
// pooled vector is the mean of a text's tokens, so two lessons on one subject lie close together whatever each says;
// matching token to token tells them apart. MiniLM was trained for mean pooling, not for MaxSim: `npx nx eval
// @rb/memory` measures that its token vectors carry the signal once BM25 stays in the score (see the README).
import { MemoryCache } from '@rb/cache';
import { MemoryError } from '../errors.js';
import type { MemoryEmbedder, MemoryTokenVectors } from '../memory-embedder.js';
import { modelFailure } from '../store/embed-texts.js';
import { tokenize } from './tokenize.js';

/**
 * The rows of the pieces whose whole word the lexical tokenizer keeps (stop words and punctuation dropped; a word is a
 * piece and the `##` pieces after it). A text with no such word keeps all its rows.
 */
export function contentRows(text: MemoryTokenVectors, dimension: number): Float32Array {
  const { pieces, vectors } = text;
  const keep: number[] = [];
  for (let start = 0; start < pieces.length; ) {
    let end = start + 1;
    while (end < pieces.length && pieces[end]!.startsWith('##')) end++;
    const word = pieces.slice(start, end).map((p) => p.replace(/^##/, '')).join('');
    if (tokenize(word).length > 0) for (let t = start; t < end; t++) keep.push(t);
    start = end;
  }
  if (keep.length === 0 || keep.length === pieces.length) return vectors;
  const out = new Float32Array(keep.length * dimension);
  keep.forEach((t, i) => out.set(vectors.subarray(t * dimension, (t + 1) * dimension), i * dimension));
  return out;
}

/**
 * Both directions of MaxSim between two matrices of unit rows, from one pass over their dot products: `taskToMemory`
 * is the mean over the task's rows of each one's best cosine among the memory's rows, `memoryToTask` the reverse. 0
 * when either is empty.
 */
export function maxSimDirections(task: Float32Array, memory: Float32Array, dimension: number): { taskToMemory: number; memoryToTask: number } {
  const nt = task.length / dimension;
  const nm = memory.length / dimension;
  if (nt === 0 || nm === 0) return { taskToMemory: 0, memoryToTask: 0 };
  const rowBest = new Float32Array(nt).fill(-Infinity);
  const colBest = new Float32Array(nm).fill(-Infinity);
  for (let i = 0; i < nt; i++) {
    const to = i * dimension;
    for (let j = 0; j < nm; j++) {
      const mo = j * dimension;
      let s = 0;
      for (let k = 0; k < dimension; k++) s += task[to + k]! * memory[mo + k]!;
      if (s > rowBest[i]!) rowBest[i] = s;
      if (s > colBest[j]!) colBest[j] = s;
    }
  }
  let taskSide = 0;
  for (const s of rowBest) taskSide += s;
  let memorySide = 0;
  for (const s of colBest) memorySide += s;
  return { taskToMemory: taskSide / nt, memoryToTask: memorySide / nm };
}

/** Symmetric MaxSim: the mean of both directions ("each task word's best match" and "each memory word's"). */
export function symmetricMaxSim(task: Float32Array, memory: Float32Array, dimension: number): number {
  const { taskToMemory, memoryToTask } = maxSimDirections(task, memory, dimension);
  return (taskToMemory + memoryToTask) / 2;
}

/** The embedder's token vectors of `texts`, checked (count, shape, finite values) as `embedTexts` checks vectors. */
export async function tokenVectorsOf(embedder: MemoryEmbedder, texts: readonly string[]): Promise<Float32Array[]> {
  let out: readonly MemoryTokenVectors[];
  try {
    out = await embedder.generateTokenVectors!(texts);
  } catch (cause) {
    throw modelFailure(embedder, cause);
  }
  const bad = (message: string) => new MemoryError({ code: 'EMBEDDING_FAILED', message: `the embedding model ${embedder.model} ${message}` });
  if (!Array.isArray(out) || out.length !== texts.length) throw bad(`returned token vectors for ${Array.isArray(out) ? out.length : 'no'} of ${texts.length} texts`);
  return out.map((text) => {
    const { pieces, vectors } = text ?? {};
    if (!Array.isArray(pieces) || !(vectors instanceof Float32Array) || vectors.length !== pieces.length * embedder.dimension) {
      throw bad(`returned token vectors that are not ${embedder.dimension} floats per piece`);
    }
    if (!vectors.every(Number.isFinite)) throw bad('returned a non-finite token vector value');
    return contentRows({ pieces, vectors }, embedder.dimension);
  });
}

/**
 * Memories' content rows, least recently used dropped first past `maxBytes` (an `@rb/cache` named
 * `memory.token-vectors`, so its hits and misses are in the metrics). An entry is keyed by workspace and id and holds
 * the text it was computed from, so an updated memory is never scored with its old text. `maxBytes` 0 keeps nothing.
 */
export class TokenVectorCache {
  private readonly entries: MemoryCache<{ text: string; rows: Float32Array }> | undefined;

  constructor(maxBytes: number) {
    this.entries =
      maxBytes > 0
        ? new MemoryCache({
            name: 'memory.token-vectors',
            maxSize: 2 ** 24,
            ttlSeconds: Infinity,
            maxBytes,
            sizeOf: ({ text, rows }) => rows.byteLength + text.length * 2,
          })
        : undefined;
  }

  get(workspaceId: string, id: string, text: string): Float32Array | undefined {
    const entry = this.entries?.get(`${workspaceId}\u0000${id}`);
    return entry?.text === text ? entry.rows : undefined;
  }

  set(workspaceId: string, id: string, text: string, rows: Float32Array): void {
    this.entries?.put(`${workspaceId}\u0000${id}`, { text, rows });
  }

  dispose(): void {
    this.entries?.dispose();
  }
}
