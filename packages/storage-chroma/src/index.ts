export { startChroma } from './start-chroma.js';
export type { ChromaServer } from './start-chroma.js';
export type { StartChromaOptions } from './start-chroma-options.js';
export { ChromaMemoryStore, ChromaDBAdapter } from './chroma-memory-store.js';
export type { StoreCacheStatistics } from './chroma-memory-store.js';
export type { ChromaMemoryStoreOptions, MemoryEmbedder } from './chroma-memory-store-options.js';
export type {
  MemoryStore,
  RetrieveOptions,
  RetrievedMemory,
  AddTraceResult,
  Genealogy,
  GenealogyEntry,
  StoreStatistics,
  RetentionResult,
} from './memory-store.js';
export type {
  Outcome,
  Difficulty,
  ErrorContext,
  MemoryItemInput,
  MemoryItem,
  TrajectoryStep,
  TraceInput,
  Trace,
} from './types.js';
export { DEFAULT_WEIGHTS, recencyScore, scoreMemory } from './ranking.js';
export type { RankingWeights, ScoreComponents } from './ranking.js';
export type { BackupManifest } from './backup.js';
export { createId } from './create-id.js';
export { StorageError } from './errors.js';
export type { StorageErrorCode, StorageErrorContext } from './errors.js';
