export { createEmbedder } from './embedder.js';
export type { Embedder, TokenVectors } from './embedder.js';
export { executionPlan } from './embedder-options.js';
export type { EmbedderOptions, ExecutionPlan, GenerateBatchOptions, ModelDtype } from './embedder-options.js';
export { EmbedError } from './errors.js';
export type { EmbedErrorCode } from './errors.js';
export { planBatches } from './plan-batches.js';
