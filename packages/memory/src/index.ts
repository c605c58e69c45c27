export { MemoryError, invalidInput } from './errors.js';
export type { MemoryErrorCode, ModelIdentity } from './errors.js';
export { IdSchema, WorkspaceIdSchema } from './text-schemas.js';
export {
  MEMORY_LIMITS,
  OutcomeSchema,
  DifficultySchema,
  ErrorContextSchema,
  MemoryItemInputSchema,
  MemoryItemSchema,
  MemoryPatchSchema,
  memoryText,
} from './memory-item.js';
export type { Outcome, Difficulty, ErrorContext, MemoryItemInput, MemoryItem, MemoryPatch } from './memory-item.js';
export {
  TRACE_LIMITS,
  TrajectoryStepKindSchema,
  TrajectoryStepSchema,
  TokenUsageSchema,
  TraceInputSchema,
  TraceSchema,
} from './trace.js';
export type { TrajectoryStepKind, TrajectoryStep, TokenUsage, TraceInput, Trace } from './trace.js';
export {
  WorkspaceScopeSchema,
  AddTraceRequestSchema,
  RetrieveRequestSchema,
  GetMemoryRequestSchema,
  GetMemoriesRequestSchema,
  UpdateMemoryRequestSchema,
  DeleteMemoriesRequestSchema,
  GetTraceRequestSchema,
  ListTracesRequestSchema,
  GenealogyRequestSchema,
  RetentionRequestSchema,
  DeleteWorkspaceRequestSchema,
  BackupManifestSchema,
  BackupFileSchema,
} from './memory-store.js';
export type {
  MemoryStore,
  MemoryReader,
  MemoryWriter,
  MemoryAdmin,
  WorkspaceScope,
  AddTraceRequest,
  AddTraceResult,
  RetrieveRequest,
  RetrievedMemory,
  ScoreComponents,
  UpdateMemoryRequest,
  DeleteMemoriesResult,
  ListTracesRequest,
  TracePage,
  GenealogyRequest,
  Genealogy,
  GenealogyEntry,
  StoreStatistics,
  RetentionRequest,
  DeleteWorkspaceRequest,
  RetentionResult,
  Progress,
  BackupRequest,
  RestoreRequest,
  RestoreResult,
  BackupManifest,
  BackupFile,
  StoreHealth,
} from './memory-store.js';
export type { MemoryEmbedder, MemoryTokenVectors } from './memory-embedder.js';
export { createId } from './create-id.js';
export { parseInput } from './parse-input.js';
export type {
  MemoryBackend,
  BackendOpenContext,
  BackendRow,
  MemoryRow,
  TraceRow,
  Vector,
  MemoryFilter,
  ScoredMemory,
  ScanPage,
  ScanRequest,
  ReplaceWorkspaceRequest,
} from './backend/memory-backend.js';
export { compileFilter } from './backend/compile-filter.js';
export { dot, unitVector } from './backend/vector-math.js';
export { BackendMemoryStore } from './store/backend-memory-store.js';
export { createMemoryStore } from './store/create-memory-store.js';
export type { MemoryStoreOptions } from './store/memory-store-options.js';
export { createLocalInvalidation } from './store/invalidation.js';
export type { InvalidationEvent, InvalidationSeam } from './store/invalidation.js';
export { DEFAULT_LATE_MIN_SCORES, DEFAULT_MIN_SCORES } from './retrieval/retrieval-options.js';
export type { RetrievalOptions, RerankHook } from './retrieval/retrieval-options.js';
export { InMemoryBackend } from './in-memory/in-memory-backend.js';
export { InMemoryMemoryStore } from './in-memory/in-memory-memory-store.js';
export type { InMemoryMemoryStoreOptions } from './in-memory/in-memory-memory-store.js';
export { MEMORY_METRIC } from './store/telemetry.js';
export { BACKUP_FORMAT, BACKUP_SCHEMA_VERSION } from './backup/backup-format.js';
