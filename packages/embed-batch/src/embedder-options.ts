import { availableParallelism } from 'node:os';
import { OptionReader } from '@rb/errors';
import { EmbedError } from './errors.js';
import { DEFAULT_MODEL, defaultModelDir } from './model-files.js';

/** Weight formats of a transformers.js ONNX model folder, and the file each one loads. */
export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'int8' | 'uint8' | 'bnb4' | 'q4f16';

const DTYPES: readonly ModelDtype[] = ['fp32', 'fp16', 'q8', 'q4', 'int8', 'uint8', 'bnb4', 'q4f16'];

/** Options of `createEmbedder`. */
export interface EmbedderOptions {
  /**
   * A transformers.js feature-extraction model id; its files live in `<modelDir>/<model>/`.
   * Defaults to `"onnx-community/all-MiniLM-L6-v2-ONNX"` (384 dimensions).
   */
  model?: string;
  /**
   * Folder holding model folders (`<modelDir>/<model>/config.json`, `tokenizer.json`, `onnx/model_<dtype>.onnx`).
   * Defaults to `RB_MODEL_DIR`, else `.models` under the current directory (where `npx rb-fetch-model` puts it).
   */
  modelDir?: string;
  /** Weight format to load. Defaults to `"q4"` (4-bit, the fastest on CPU). */
  dtype?: ModelDtype;
  /** Let transformers.js download a missing model from `remoteHost`. Defaults to `false` (offline). */
  allowRemoteModels?: boolean;
  /** Where `allowRemoteModels` downloads from. Defaults to `"https://huggingface.co/"`. */
  remoteHost?: string;
  /**
   * Worker threads, each with its own copy of the model: the calling thread never tokenises nor runs the model, so
   * its event loop stays free. Defaults to the execution plan for this machine's cores ({@link executionPlan}).
   */
  workers?: number;
  /** onnxruntime intra-op threads of each worker's model. Defaults to the execution plan ({@link executionPlan}). */
  threads?: number;
  /** Let onnxruntime threads busy-wait for work. Defaults to `false`: spinning threads collapse under contention. */
  spinning?: boolean;
  /** Most texts per model call in `generateBatch`. Defaults to `32`, the seed's `batch_size`. */
  batchSize?: number;
  /**
   * Most tokens per model call, counted after padding (texts x longest text). On CPU a large batch of long texts runs
   * slower per text than a small one, so long texts go in smaller batches. Defaults to `256`.
   */
  maxBatchTokens?: number;
  /**
   * Embedding cache: `false` to disable, or its size and lifetime. Keys are model + dtype + text hash, so a repeated
   * text costs a lookup. Defaults to `{ maxSize: 10000, ttlSeconds: 86400 }`.
   */
  cache?: false | { maxSize?: number; ttlSeconds?: number };
  /**
   * Coalescing of concurrent `embed(text)` calls into one batch: wait at most `windowMs` for company, and never
   * collect more than `maxBatch`. Defaults to `{ windowMs: 2, maxBatch: 32 }`.
   */
  coalesce?: { windowMs?: number; maxBatch?: number };
  /** Give up loading the model after this long, instead of hanging. Defaults to `60000` ms. */
  loadTimeoutMs?: number;
}

/** Options of one `generateBatch` call. */
export interface GenerateBatchOptions {
  /** Most texts per model call. Defaults to the embedder's `batchSize`. */
  batchSize?: number;
  /** Called after each model call with the number of texts done (cache hits included) and the total. */
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** How the model runs: `workers` copies of it, each with `threads` onnxruntime threads. */
export interface ExecutionPlan {
  workers: number;
  threads: number;
}

/**
 * The default execution plan for a machine with `cores` cores: one single-threaded model per core, which on
 * all-MiniLM-L6-v2 beats one model with as many threads (its threads wait on each other at every layer of a small
 * batch), up to 4 copies (~100 MB each); cores beyond that go to the copies' threads.
 */
export function executionPlan(cores: number): ExecutionPlan {
  const workers = Math.max(1, Math.min(4, cores));
  return { workers, threads: Math.max(1, Math.floor(cores / workers)) };
}

/** Options with every default applied. */
export interface ResolvedEmbedderOptions extends ExecutionPlan {
  model: string;
  modelDir: string;
  dtype: ModelDtype;
  allowRemoteModels: boolean;
  remoteHost: string;
  spinning: boolean;
  batchSize: number;
  maxBatchTokens: number;
  cache: false | { maxSize: number; ttlSeconds: number };
  coalesce: { windowMs: number; maxBatch: number };
  loadTimeoutMs: number;
}

const KNOWN = [
  'model',
  'modelDir',
  'dtype',
  'allowRemoteModels',
  'remoteHost',
  'workers',
  'threads',
  'spinning',
  'batchSize',
  'maxBatchTokens',
  'cache',
  'coalesce',
  'loadTimeoutMs',
];

const invalid = (field: string, message: string) => new EmbedError({ code: 'INVALID_OPTIONS', field, message });

/** Applies the defaults and checks every option, naming the field of the first bad one. */
export function resolveEmbedderOptions(options: unknown, cores = availableParallelism()): ResolvedEmbedderOptions {
  const read = new OptionReader(options, KNOWN, invalid);
  const plan = executionPlan(cores);
  const cache = read.raw('cache') === false ? undefined : read.nested('cache', ['maxSize', 'ttlSeconds']);
  const coalesce = read.nested('coalesce', ['windowMs', 'maxBatch']);
  const remoteHost = read.string('remoteHost', 'https://huggingface.co/');
  if (!URL.canParse(remoteHost) || !/^https?:$/.test(new URL(remoteHost).protocol)) {
    read.fail('remoteHost', 'an http(s) URL', remoteHost);
  }
  return {
    model: read.string('model', DEFAULT_MODEL, { maxLength: 1000 }),
    modelDir: read.string('modelDir', undefined) ?? defaultModelDir(),
    dtype: read.oneOf('dtype', DTYPES, 'q4'),
    allowRemoteModels: read.boolean('allowRemoteModels', false),
    remoteHost: remoteHost.endsWith('/') ? remoteHost : `${remoteHost}/`,
    workers: read.integer('workers', { default: plan.workers, min: 1, max: 256 }),
    threads: read.integer('threads', { default: plan.threads, min: 1, max: 256 }),
    spinning: read.boolean('spinning', false),
    batchSize: read.integer('batchSize', { default: 32, min: 1, max: 100_000 }),
    maxBatchTokens: read.integer('maxBatchTokens', { default: 256, min: 1 }),
    cache: cache
      ? {
          maxSize: cache.integer('maxSize', { default: 10_000, min: 1 }),
          ttlSeconds: cache.number('ttlSeconds', { default: 86_400, above: 0, allowInfinity: true }),
        }
      : false,
    coalesce: {
      windowMs: coalesce.number('windowMs', { default: 2, min: 0, max: 60_000 }),
      maxBatch: coalesce.integer('maxBatch', { default: 32, min: 1, max: 100_000 }),
    },
    loadTimeoutMs: read.integer('loadTimeoutMs', { default: 60_000, min: 1, max: 2_147_483_647 }),
  };
}

/** Checks the options of one `generateBatch` call; `batchSize` falls back to the embedder's. */
export function resolveGenerateBatchOptions(
  options: unknown,
  fallback: number,
): { batchSize: number; onProgress?: GenerateBatchOptions['onProgress'] } {
  const read = new OptionReader(options, ['batchSize', 'onProgress'], invalid);
  const onProgress = read.function<NonNullable<GenerateBatchOptions['onProgress']>, undefined>('onProgress', undefined);
  return {
    batchSize: read.integer('batchSize', { default: fallback, min: 1, max: 100_000 }),
    ...(onProgress ? { onProgress } : {}),
  };
}
