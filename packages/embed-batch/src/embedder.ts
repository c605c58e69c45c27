import { createHash } from 'node:crypto';
import type { Span } from '@opentelemetry/api';
import { MemoryCache } from '@rb/cache';
import { describeValue } from '@rb/errors';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  GEN_AI_OPERATION,
  genAiSpanName,
} from '@rb/telemetry';
import { Coalescer } from './coalescer.js';
import {
  resolveEmbedderOptions,
  resolveGenerateBatchOptions,
  type EmbedderOptions,
  type GenerateBatchOptions,
  type ModelDtype,
  type ResolvedEmbedderOptions,
} from './embedder-options.js';
import { EmbedError } from './errors.js';
import { planBatches } from './plan-batches.js';
import { telemetry } from './telemetry.js';
import { assertModelFiles } from './model-files.js';
import { WorkerPool } from './worker-pool.js';

/** A text as the model sees it: its word pieces and one vector per piece. */
export interface TokenVectors {
  /** The model's word pieces of the text, without the special tokens ([CLS], [SEP]): e.g. 'index', '##ing', '.'. */
  readonly pieces: readonly string[];
  /** One unit-length vector of `dimension` floats per piece, row after row (pieces.length x dimension). */
  readonly vectors: Float32Array;
}

/** A loaded sentence-embedding model: vectors are mean-pooled and L2-normalised, one `Float32Array` per text. */
export interface Embedder {
  /** The model id. */
  readonly model: string;
  /** The weight format loaded. */
  readonly dtype: ModelDtype;
  /** Length of every vector (384 for all-MiniLM-L6-v2). */
  readonly dimension: number;
  /** Worker threads running the model, each with its own copy. */
  readonly workers: number;
  /** onnxruntime threads of each worker's model. */
  readonly threads: number;
  /**
   * Embeds many texts, in input order. Identical texts are computed once, cached texts cost a lookup, and the rest run
   * in batches of similar token length (padding is wasted work).
   */
  generateBatch(texts: readonly string[], options?: GenerateBatchOptions): Promise<Float32Array[]>;
  /**
   * Per-token vectors: the model's last hidden state for each word piece of each text, each row L2-normalised, the
   * special tokens ([CLS], [SEP]) dropped, in input order; for late-interaction (MaxSim) scoring. Runs in the workers
   * in length-sorted batches like `generateBatch`, with no cache and no merging of identical texts. A text longer than
   * the model's maximum length is cut as `generateBatch` cuts it (510 pieces for all-MiniLM-L6-v2); an empty text
   * gives no pieces. Each result owns its `vectors` (a copy, not a view of a shared batch buffer).
   */
  generateTokenVectors(texts: readonly string[], options?: GenerateBatchOptions): Promise<TokenVectors[]>;
  /** Embeds one text. Calls made within the coalescing window share one batch. */
  embed(text: string): Promise<Float32Array>;
  /** Cache figures (`@rb/cache` statistics), or `undefined` when the cache is off. */
  getCacheStatistics(): ReturnType<MemoryCache<Float32Array>['getStatistics']> | undefined;
  /** Empties the embedding cache (nothing else changes: the next call for a text runs the model again). */
  clearCache(): void;
  /**
   * Stops the workers and releases their models. Calls still running fail with `DISPOSED`, as do later ones. Not
   * needed for the process to exit: idle workers do not keep it alive.
   */
  dispose(): Promise<void>;
}

/**
 * Loads a feature-extraction model (offline by default) into worker threads and returns an {@link Embedder}. The
 * calling thread loads no copy of the model: it hashes, caches and plans; the workers tokenise and run the model.
 */
export async function createEmbedder(options?: EmbedderOptions): Promise<Embedder> {
  const settings = resolveEmbedderOptions(options);
  const pool = await WorkerPool.start(
    settings.workers,
    {
      model: settings.model,
      modelDir: settings.modelDir,
      dtype: settings.dtype,
      threads: settings.threads,
      spinning: settings.spinning,
      allowRemoteModels: settings.allowRemoteModels,
      remoteHost: settings.remoteHost,
    },
    {
      loadTimeoutMs: settings.loadTimeoutMs,
      // Checked before each worker starts, replacements too: transformers.js waits forever on a missing local file.
      preflight: settings.allowRemoteModels
        ? undefined
        : () => assertModelFiles(settings.modelDir, settings.model, settings.dtype),
    },
  );
  return new TransformersEmbedder(pool, settings);
}

class TransformersEmbedder implements Embedder {
  readonly model: string;
  readonly dtype: ModelDtype;
  readonly dimension: number;
  readonly workers: number;
  readonly threads: number;
  private readonly cache: MemoryCache<Float32Array> | undefined;
  private readonly coalescer: Coalescer<string, Float32Array>;
  private readonly spanName: string;
  private disposed = false;

  constructor(
    private readonly pool: WorkerPool,
    private readonly settings: ResolvedEmbedderOptions,
  ) {
    this.model = settings.model;
    this.dtype = settings.dtype;
    this.dimension = pool.dimension;
    this.workers = settings.workers;
    this.threads = settings.threads;
    this.cache = settings.cache ? new MemoryCache<Float32Array>({ ...settings.cache, name: 'embeddings' }) : undefined;
    this.coalescer = new Coalescer((texts) => this.generateBatch(texts), settings.coalesce.windowMs, settings.coalesce.maxBatch);
    this.spanName = genAiSpanName(GEN_AI_OPERATION.EMBEDDINGS, settings.model);
  }

  async generateBatch(texts: readonly string[], options?: GenerateBatchOptions): Promise<Float32Array[]> {
    const { batchSize, onProgress } = this.prepare(texts, options);
    return this.traced(texts.length, 'pooled', async (span) => {
      const vectors = new Array<Float32Array>(texts.length);
      // Identical texts are looked up and computed once: text -> its cache key and every position that wants it.
      const wanted = new Map<string, { key: string; positions: number[] }>();
      let done = 0;
      texts.forEach((text, i) => {
        const pending = wanted.get(text);
        if (pending) {
          pending.positions.push(i);
          return;
        }
        const key = this.cacheKey(text);
        const cached = this.cache?.get(key);
        if (cached) {
          vectors[i] = cached;
          done++;
        } else wanted.set(text, { key, positions: [i] });
      });

      const unique = [...wanted.keys()];
      onProgress?.({ done, total: texts.length });
      await this.inBatches(unique, batchSize, async (batch, tokens) => {
        const data = await this.pool.embed(tokens);
        batch.forEach((u, row) => {
          // slice() copies: a cached vector must not keep the whole batch buffer alive.
          const vector = data.slice(row * this.dimension, (row + 1) * this.dimension);
          const { key, positions } = wanted.get(unique[u]!)!;
          this.cache?.put(key, vector);
          for (const position of positions) vectors[position] = vector;
          done += positions.length;
        });
        onProgress?.({ done, total: texts.length });
      });

      span.setAttributes({ 'rb.embed.computed': unique.length, 'rb.embed.reused': texts.length - unique.length });
      telemetry.instruments.embeddingsGenerated.add(unique.length, { [ATTR_GEN_AI_REQUEST_MODEL]: this.model });
      return vectors;
    });
  }

  async generateTokenVectors(texts: readonly string[], options?: GenerateBatchOptions): Promise<TokenVectors[]> {
    const { batchSize, onProgress } = this.prepare(texts, options);
    return this.traced(texts.length, 'tokens', async (span) => {
      const results = new Array<TokenVectors>(texts.length);
      let done = 0;
      let pieceCount = 0;
      onProgress?.({ done, total: texts.length });
      await this.inBatches(texts, batchSize, async (batch, tokens) => {
        const { data, pieces } = await this.pool.tokenVectors(tokens);
        let row = 0;
        batch.forEach((i, r) => {
          const own = pieces[r]!;
          // slice() copies: a caller caching one text's rows must not keep the whole batch's buffer alive.
          results[i] = { pieces: own, vectors: data.slice(row * this.dimension, (row + own.length) * this.dimension) };
          row += own.length;
          pieceCount += own.length;
        });
        done += batch.length;
        onProgress?.({ done, total: texts.length });
      });
      span.setAttributes({ 'rb.embed.computed': texts.length, 'rb.embed.pieces': pieceCount });
      return results;
    });
  }

  async embed(text: string): Promise<Float32Array> {
    this.assertUsable();
    if (typeof text !== 'string') {
      throw new EmbedError({ code: 'INVALID_INPUT', field: 'text', message: `text must be a string, got ${describeValue(text)}` });
    }
    return this.cache?.get(this.cacheKey(text)) ?? this.coalescer.add(text);
  }

  getCacheStatistics() {
    return this.cache?.getStatistics();
  }

  clearCache(): void {
    this.cache?.clear();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.coalescer.flush();
    await this.pool.close();
  }

  /** Checks the embedder and a call's texts and options, naming the field of the first bad one. */
  private prepare(texts: readonly string[], options: GenerateBatchOptions | undefined) {
    this.assertUsable();
    if (!Array.isArray(texts)) {
      throw new EmbedError({ code: 'INVALID_INPUT', field: 'texts', message: `texts must be an array of strings, got ${describeValue(texts)}` });
    }
    texts.forEach((text, i) => {
      if (typeof text !== 'string') {
        throw new EmbedError({
          code: 'INVALID_INPUT',
          field: `texts[${i}]`,
          message: `texts[${i}] must be a string, got ${describeValue(text)}`,
        });
      }
    });
    return resolveGenerateBatchOptions(options, this.settings.batchSize);
  }

  /** Runs `work` in one `embeddings <model>` span; `output` tells pooled vectors from per-token ones. */
  private traced<T>(count: number, output: 'pooled' | 'tokens', work: (span: Span) => Promise<T>): Promise<T> {
    return telemetry.withSpan(
      this.spanName,
      {
        [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION.EMBEDDINGS,
        [ATTR_GEN_AI_REQUEST_MODEL]: this.model,
        'rb.embed.texts': count,
        'rb.embed.output': output,
      },
      work,
    );
  }

  /**
   * Tokenises `texts` in the workers (this thread only sorts the lengths into batches) and hands each batch of similar
   * length to `run`: the texts' indices and their token ids, in the same order. Longest batches first, so the last
   * ones to finish are short and no worker idles long at the end. A call too small to fill every worker is spread
   * over them (5 texts on 2 workers: 3 + 2, not one batch of 5), so a short call waits for its longest share only.
   */
  private async inBatches(
    texts: readonly string[],
    batchSize: number,
    run: (batch: number[], tokens: Int32Array[]) => Promise<void>,
  ): Promise<void> {
    const tokens = texts.length > 0 ? await this.pool.tokenize(texts) : [];
    const share = Math.max(1, Math.ceil(texts.length / this.workers));
    const batches = planBatches(tokens.map((ids) => ids.length), Math.min(batchSize, share), this.settings.maxBatchTokens).reverse();
    await Promise.all(batches.map((batch) => run(batch, batch.map((i) => tokens[i]!))));
  }

  private cacheKey(text: string): string {
    return `${this.model}\u0000${this.dtype}\u0000${createHash('sha256').update(text).digest('base64url')}`;
  }

  private assertUsable(): void {
    if (this.disposed) throw new EmbedError({ code: 'DISPOSED', message: 'this embedder was disposed' });
  }
}
