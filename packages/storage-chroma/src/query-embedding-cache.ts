import type { MemoryEmbedder, MemoryTokenVectors } from '@rb/memory';
import { WorkspaceLru, type CacheFigures } from './workspace-lru.js';

// Texts that differ only in case and in spacing. If the model gives the three one vector, its tokenizer folds case
// and whitespace (all-MiniLM-L6-v2's uncased WordPiece does), and so may the cache key; otherwise the key stays exact.
const PROBE = ['Retrieve The Lesson That Fits This Task', 'retrieve the lesson that fits this task', '  retrieve  the lesson\tthat fits this task \n'];

/**
 * The embedder as the store sees it: a text embedded alone (a query, an updated memory) is looked up first, by a key
 * normalised only as far as the model itself normalises (checked once by embedding a probe), so surface variants of a
 * query ("Sort a list", "  sort a LIST ") cost one model call and get exactly the vector the model would give.
 * Batches (a trace and its memories) go to the model unchanged. A query's token vectors (for late interaction, when
 * the model gives them) are kept the same way.
 */
export class QueryEmbeddingCache implements MemoryEmbedder {
  readonly model: string;
  readonly dimension: number;
  readonly generateTokenVectors?: (texts: readonly string[]) => Promise<readonly MemoryTokenVectors[]>;
  private readonly vectors: WorkspaceLru<Float32Array>;
  private readonly tokens: WorkspaceLru<MemoryTokenVectors>;
  private folding: Promise<{ caseless: boolean; spaceless: boolean }> | undefined;

  constructor(private readonly embedder: MemoryEmbedder, maxSize: number, ttlMs: number) {
    this.model = embedder.model;
    this.dimension = embedder.dimension;
    this.vectors = new WorkspaceLru<Float32Array>(maxSize, ttlMs);
    this.tokens = new WorkspaceLru<MemoryTokenVectors>(maxSize, ttlMs);
    // Only a model with token vectors gets the method: the store turns late interaction on by its presence.
    if (typeof embedder.generateTokenVectors === 'function') this.generateTokenVectors = (texts) => this.tokenVectors(texts);
  }

  async generateBatch(texts: readonly string[], options?: { batchSize?: number }): Promise<ArrayLike<number>[]> {
    if (texts.length !== 1) return this.embedder.generateBatch(texts, options);
    const key = WorkspaceLru.key(this.model, await this.normalise(texts[0]!));
    const cached = this.vectors.get(key);
    if (cached) return [cached.slice()];
    const [vector] = await this.embedder.generateBatch(texts, options);
    // A vector of the wrong length is the store's to report; only a well-formed one is kept.
    if (vector && vector.length === this.dimension) this.vectors.set(this.model, key, Float32Array.from(vector));
    return [vector!];
  }

  figures(): CacheFigures {
    return this.vectors.figures();
  }

  clear(): void {
    this.vectors.clear();
    this.tokens.clear();
  }

  private async tokenVectors(texts: readonly string[]): Promise<readonly MemoryTokenVectors[]> {
    if (texts.length !== 1) return this.embedder.generateTokenVectors!(texts);
    const key = WorkspaceLru.key(this.model, await this.normalise(texts[0]!));
    const cached = this.tokens.get(key);
    if (cached) return [{ pieces: cached.pieces, vectors: cached.vectors.slice() }];
    const out = await this.embedder.generateTokenVectors!(texts);
    const [first] = out;
    if (out.length === 1 && first?.vectors instanceof Float32Array && Array.isArray(first.pieces)) {
      this.tokens.set(this.model, key, { pieces: [...first.pieces], vectors: first.vectors.slice() });
    }
    return out;
  }

  private async normalise(text: string): Promise<string> {
    let folding: { caseless: boolean; spaceless: boolean };
    try {
      folding = await (this.folding ??= this.probe());
    } catch {
      this.folding = undefined; // the model failed: keys stay exact, and the next call probes again
      return text;
    }
    // Only the ASCII spaces every tokenizer splits on: others (NBSP, BOM, form feed) a tokenizer may drop or keep.
    let key = folding.spaceless ? text.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '').replace(/[ \t\n\r]+/g, ' ') : text;
    if (folding.caseless) key = key.toLowerCase();
    return key;
  }

  private async probe(): Promise<{ caseless: boolean; spaceless: boolean }> {
    const [cased, lower, spaced] = await this.embedder.generateBatch(PROBE);
    return { caseless: same(cased!, lower!), spaceless: same(lower!, spaced!) };
  }
}

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
