/** Weight formats of a transformers.js ONNX model folder, and the file each one loads. */
export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'int8' | 'uint8' | 'bnb4' | 'q4f16';

/** Options of `createEmbedder`. */
export interface EmbedderOptions {
  /**
   * A transformers.js feature-extraction model id; its files live in `<modelDir>/<model>/`.
   * Defaults to `"onnx-community/all-MiniLM-L6-v2-ONNX"` (384 dimensions).
   */
  model?: string;
  /**
   * Folder holding model folders (`<modelDir>/<model>/config.json`, `tokenizer.json`, `onnx/model_<dtype>.onnx`).
   * Defaults to `RB_MODEL_DIR`, else `.models` under the current directory (where `npm run fetch-model` puts it).
   */
  modelDir?: string;
  /** Weight format to load. Defaults to `"q4"` (4-bit, the fastest on CPU). */
  dtype?: ModelDtype;
  /** Let transformers.js download a missing model from the Hugging Face Hub. Defaults to `false` (offline). */
  allowRemoteModels?: boolean;
  /** onnxruntime intra-op threads of the in-process model. Defaults to the number of CPU cores, at most 4. */
  threads?: number;
  /** Let onnxruntime threads busy-wait for work. Defaults to `false`: spinning threads collapse under contention. */
  spinning?: boolean;
  /**
   * Worker threads, each with its own copy of the model and one onnxruntime thread; `generateBatch` spreads its
   * batches over them. Defaults to `0`: the model runs in this thread.
   */
  workers?: number;
  /** Most texts per model call in `generateBatch`. Defaults to `32`, the seed's `batch_size`. */
  batchSize?: number;
  /**
   * Most tokens per model call, counted after padding (texts x longest text). On CPU a large batch of long texts runs
   * slower per text than a small one, so long texts go in smaller batches. Defaults to `256`, the best of 256, 512
   * and unbounded for all-MiniLM-L6-v2 q4 on 2 cores.
   */
  maxBatchTokens?: number;
  /**
   * Embedding cache: `false` to disable, or its size and lifetime. Keys are model + dtype + text, so a repeated text
   * costs a lookup. Defaults to `{ maxSize: 10000, ttlSeconds: 86400 }`.
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
