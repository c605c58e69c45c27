import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { MemoryCache } from '@rb/cache';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  GEN_AI_OPERATION,
  genAiSpanName,
} from '@rb/telemetry';
import { Coalescer } from './coalescer.js';
import type { EmbedderOptions, GenerateBatchOptions, ModelDtype } from './embedder-options.js';
import { EmbedError } from './errors.js';
import { planBatches } from './plan-batches.js';
import { telemetry } from './telemetry.js';
import { assertModelFiles, defaultModelDir, isModelDtype } from './model-files.js';
import { WorkerPool } from './worker-pool.js';

const DEFAULT_MODEL = 'onnx-community/all-MiniLM-L6-v2-ONNX';
const DEFAULT_MAX_BATCH_TOKENS = 256;

/** A loaded sentence-embedding model: vectors are mean-pooled and L2-normalised, one `Float32Array` per text. */
export interface Embedder {
  /** The model id. */
  readonly model: string;
  /** The weight format loaded. */
  readonly dtype: ModelDtype;
  /** Length of every vector (384 for all-MiniLM-L6-v2). */
  readonly dimension: number;
  /**
   * Embeds many texts, in input order. Identical texts are computed once, cached texts cost a lookup, and the rest run
   * in batches of similar token length (padding is wasted work).
   */
  generateBatch(texts: readonly string[], options?: GenerateBatchOptions): Promise<Float32Array[]>;
  /** Embeds one text. Calls made within the coalescing window share one batch. */
  embed(text: string): Promise<Float32Array>;
  /** Cache figures (`@rb/cache` statistics), or `undefined` when the cache is off. */
  getCacheStatistics(): ReturnType<MemoryCache<Float32Array>['getStatistics']> | undefined;
  /** Releases the model's native session. Later calls fail with `DISPOSED`. */
  dispose(): Promise<void>;
}

/** Loads a feature-extraction model from disk (offline by default) and returns an {@link Embedder}. */
export async function createEmbedder(options: EmbedderOptions = {}): Promise<Embedder> {
  const settings = resolveOptions(options);
  if (!settings.allowRemoteModels) assertModelFiles(settings.modelDir, settings.model, settings.dtype);

  env.allowRemoteModels = settings.allowRemoteModels;
  env.localModelPath = settings.modelDir;
  const loading = pipeline('feature-extraction', settings.model, {
    dtype: settings.dtype,
    device: 'cpu',
    session_options: {
      intraOpNumThreads: settings.threads,
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: settings.spinning ? '1' : '0' } } },
    },
  }) as Promise<FeatureExtractionPipeline>;

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new EmbedError('MODEL_LOAD_TIMEOUT', `loading ${settings.model} took over ${settings.loadTimeoutMs} ms`)),
      settings.loadTimeoutMs,
    );
  });
  let extractor: FeatureExtractionPipeline;
  try {
    extractor = await Promise.race([loading, timeout]);
  } catch (cause) {
    if (EmbedError.isInstance(cause)) throw cause;
    throw new EmbedError('MODEL_LOAD_FAILED', `could not load ${settings.model} (${settings.dtype}): ${message(cause)}`, {
      cause,
    });
  } finally {
    clearTimeout(timer);
  }

  const probe = await extractor('dimension probe', { pooling: 'mean', normalize: true });
  const pool =
    settings.workers > 0
      ? await WorkerPool.start(settings.workers, {
          model: settings.model,
          modelDir: settings.modelDir,
          dtype: settings.dtype,
          spinning: settings.spinning,
          allowRemoteModels: settings.allowRemoteModels,
        }).catch(async (error: unknown) => {
          await extractor.dispose();
          throw error;
        })
      : undefined;
  return new TransformersEmbedder(extractor, pool, settings, probe.dims.at(-1) as number);
}

type Settings = Required<Omit<EmbedderOptions, 'cache' | 'coalesce'>> & {
  cache: false | { maxSize: number; ttlSeconds: number };
  coalesce: { windowMs: number; maxBatch: number };
};

class TransformersEmbedder implements Embedder {
  readonly model: string;
  readonly dtype: ModelDtype;
  private readonly cache: MemoryCache<Float32Array> | undefined;
  private readonly coalescer: Coalescer<string, Float32Array>;
  private readonly spanName: string;
  private disposed = false;

  constructor(
    private readonly extractor: FeatureExtractionPipeline,
    private readonly pool: WorkerPool | undefined,
    private readonly settings: Settings,
    readonly dimension: number,
  ) {
    this.model = settings.model;
    this.dtype = settings.dtype;
    this.cache = settings.cache ? new MemoryCache<Float32Array>({ ...settings.cache, name: 'embeddings' }) : undefined;
    this.coalescer = new Coalescer((texts) => this.generateBatch(texts), settings.coalesce.windowMs, settings.coalesce.maxBatch);
    this.spanName = genAiSpanName(GEN_AI_OPERATION.EMBEDDINGS, settings.model);
  }

  async generateBatch(texts: readonly string[], options: GenerateBatchOptions = {}): Promise<Float32Array[]> {
    this.assertUsable();
    if (!Array.isArray(texts)) throw new EmbedError('INVALID_INPUT', 'texts must be an array of strings');
    texts.forEach((text, i) => {
      if (typeof text !== 'string') throw new EmbedError('INVALID_INPUT', `texts[${i}] must be a string, got ${typeof text}`);
    });
    const batchSize = options.batchSize ?? this.settings.batchSize;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new EmbedError('INVALID_OPTIONS', `batchSize must be a positive integer, got ${String(batchSize)}`);
    }

    return telemetry.withSpan(
      this.spanName,
      {
        [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION.EMBEDDINGS,
        [ATTR_GEN_AI_REQUEST_MODEL]: this.model,
        'rb.embed.texts': texts.length,
      },
      async (span) => {
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
        const lengths = unique.map((text) => this.extractor.tokenizer.encode(text).length);
        options.onProgress?.({ done, total: texts.length });

        const embedBatch = async (batch: number[]) => {
          const rows = await this.run(batch.map((i) => unique[i]!));
          batch.forEach((u, row) => {
            const { key, positions } = wanted.get(unique[u]!)!;
            this.cache?.put(key, rows[row]!);
            for (const position of positions) vectors[position] = rows[row]!;
            done += positions.length;
          });
          options.onProgress?.({ done, total: texts.length });
        };
        const batches = planBatches(lengths, batchSize, this.settings.maxBatchTokens);
        // Workers take batches side by side (the pool queues the rest); one in-process model takes them in turn.
        if (this.pool) await Promise.all(batches.map(embedBatch));
        else for (const batch of batches) await embedBatch(batch);

        span.setAttributes({ 'rb.embed.computed': unique.length, 'rb.embed.reused': texts.length - unique.length });
        telemetry.instruments.embeddingsGenerated.add(unique.length, { [ATTR_GEN_AI_REQUEST_MODEL]: this.model });
        return vectors;
      },
    );
  }

  async embed(text: string): Promise<Float32Array> {
    this.assertUsable();
    if (typeof text !== 'string') throw new EmbedError('INVALID_INPUT', `text must be a string, got ${typeof text}`);
    return this.cache?.get(this.cacheKey(text)) ?? this.coalescer.add(text);
  }

  getCacheStatistics() {
    return this.cache?.getStatistics();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.coalescer.flush();
    await Promise.all([this.extractor.dispose(), this.pool?.close()]);
  }

  private async run(texts: string[]): Promise<Float32Array[]> {
    if (this.pool) return this.pool.run(texts);
    const output = await this.extractor(texts, { pooling: 'mean', normalize: true });
    const data = output.data as Float32Array;
    const rows: Float32Array[] = [];
    // slice() copies: a cached vector must not keep the whole batch buffer alive.
    for (let i = 0; i < texts.length; i++) rows.push(data.slice(i * this.dimension, (i + 1) * this.dimension));
    output.dispose();
    return rows;
  }

  private cacheKey(text: string): string {
    return `${this.model}\u0000${this.dtype}\u0000${createHash('sha256').update(text).digest('base64url')}`;
  }

  private assertUsable(): void {
    if (this.disposed) throw new EmbedError('DISPOSED', 'this embedder was disposed');
  }
}

function resolveOptions(options: EmbedderOptions): Settings {
  const fail = (message: string): never => {
    throw new EmbedError('INVALID_OPTIONS', message);
  };
  const positiveInt = (name: string, value: number): number =>
    Number.isInteger(value) && value > 0 ? value : fail(`${name} must be a positive integer, got ${String(value)}`);

  const dtype = options.dtype ?? 'q4';
  if (!isModelDtype(dtype)) fail(`dtype must be one of fp32, fp16, q8, int8, uint8, q4, bnb4, q4f16, got ${String(dtype)}`);
  const model = options.model ?? DEFAULT_MODEL;
  if (typeof model !== 'string' || model.trim() === '') fail('model must be a non-empty string');
  const windowMs = options.coalesce?.windowMs ?? 2;
  if (!Number.isFinite(windowMs) || windowMs < 0) fail(`coalesce.windowMs must be >= 0, got ${String(windowMs)}`);

  return {
    model,
    modelDir: options.modelDir ?? defaultModelDir(),
    dtype,
    allowRemoteModels: options.allowRemoteModels ?? false,
    threads: positiveInt('threads', options.threads ?? Math.min(4, availableParallelism())),
    workers:
      options.workers === undefined || options.workers === 0 ? 0 : positiveInt('workers', options.workers),
    spinning: options.spinning ?? false,
    batchSize: positiveInt('batchSize', options.batchSize ?? 32),
    maxBatchTokens: positiveInt('maxBatchTokens', options.maxBatchTokens ?? DEFAULT_MAX_BATCH_TOKENS),
    cache:
      options.cache === false
        ? false
        : {
            maxSize: positiveInt('cache.maxSize', options.cache?.maxSize ?? 10_000),
            ttlSeconds: positiveInt('cache.ttlSeconds', options.cache?.ttlSeconds ?? 86_400),
          },
    coalesce: { windowMs, maxBatch: positiveInt('coalesce.maxBatch', options.coalesce?.maxBatch ?? 32) },
    loadTimeoutMs: positiveInt('loadTimeoutMs', options.loadTimeoutMs ?? 60_000),
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
