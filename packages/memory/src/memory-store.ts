import { z } from 'zod';
import { MemoryPatchSchema, OutcomeSchema, type MemoryItem, type MemoryPatch, type Outcome } from './memory-item.js';
import { TraceInputSchema, type Trace } from './trace.js';
import { IdSchema, key, text, WorkspaceIdSchema } from './text-schemas.js';

// Every call names its workspace the same way: a `workspaceId` field of the one request object. There is no
// "current workspace" anywhere, so two callers never share one by accident.

export const WorkspaceScopeSchema = z.strictObject({ workspaceId: WorkspaceIdSchema });
export type WorkspaceScope = z.infer<typeof WorkspaceScopeSchema>;

export const AddTraceRequestSchema = z.strictObject({ workspaceId: WorkspaceIdSchema, trace: TraceInputSchema });
export type AddTraceRequest = z.input<typeof AddTraceRequestSchema>;

/** What `addTrace` stored. */
export interface AddTraceResult {
  traceId: string;
  memoryIds: string[];
}

export const RetrieveRequestSchema = z.strictObject({
  workspaceId: WorkspaceIdSchema,
  query: text(1, 20_000).meta({ description: 'The new task, or what to look for.' }),
  k: z.int().min(1).max(100).optional().meta({ description: "Memories returned, 1-100. Defaults to 1 (the paper's best setting)." }),
  includeFailures: z
    .boolean()
    .optional()
    .meta({ description: 'Whether memories learned from failed traces may be returned. Defaults to true (they say what to avoid).' }),
  domain: key(100).optional().meta({ description: 'Only memories of this domain. Defaults to any.' }),
  tags: z.array(key(100)).max(10).optional().meta({ description: 'Only memories carrying at least one of these tags. Defaults to any.' }),
  minScore: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .meta({ description: "Relevance threshold. Defaults to the store's, calibrated for its embedding model; 0 turns it off." }),
});
export type RetrieveRequest = z.input<typeof RetrieveRequestSchema>;

/** Every component of a retrieved memory's score, so a caller can see why it ranked where it did. */
export interface ScoreComponents {
  /** Cosine similarity of the query and the memory's text, -1..1. */
  similarity: number;
  /** Lexical relevance (e.g. normalised BM25), 0..1, when the pipeline uses one. */
  lexical?: number;
  /**
   * Late-interaction similarity (symmetric MaxSim of the task's and the memory's token vectors), when that stage
   * rescored the memory; relevance then uses it in place of `similarity`.
   */
  late?: number;
  /** `2^(-ageDays / halfLifeDays)`: 1 for a memory created now, 0.5 one half-life ago. */
  recency: number;
  /** 1 for a relevant failure-derived memory (it has `errorContext`), else 0. */
  errorBoost: number;
  /** The relevance the threshold is applied to: `similarity` (or `late`) + `lexicalWeight x lexical`. */
  relevance: number;
  /** The position a `rerank` hook gave the memory (0 = first), when one ran. */
  rerankPosition?: number;
}

/** One retrieved memory, its final score (what it was ranked by) and every component of it. */
export interface RetrievedMemory {
  memory: MemoryItem;
  score: number;
  components: ScoreComponents;
}

export const GetMemoryRequestSchema = z.strictObject({ workspaceId: WorkspaceIdSchema, id: IdSchema });
export const GetMemoriesRequestSchema = z.strictObject({ workspaceId: WorkspaceIdSchema, ids: z.array(IdSchema).max(1000) });
export const UpdateMemoryRequestSchema = z.strictObject({ workspaceId: WorkspaceIdSchema, id: IdSchema, patch: MemoryPatchSchema });
export type UpdateMemoryRequest = { workspaceId: string; id: string; patch: MemoryPatch };
export const DeleteMemoriesRequestSchema = GetMemoriesRequestSchema;

/** What `deleteMemories` did. */
export interface DeleteMemoriesResult {
  deleted: string[];
  /** Ids that do not exist in this workspace (nothing was done for them). */
  notFound: string[];
}

export const GetTraceRequestSchema = GetMemoryRequestSchema;
export const ListTracesRequestSchema = z.strictObject({
  workspaceId: WorkspaceIdSchema,
  limit: z.int().min(1).max(100).optional().meta({ description: 'Traces per page, 1-100. Defaults to 20.' }),
  cursor: z.string().max(1000).optional().meta({ description: 'The `nextCursor` of the previous page.' }),
  outcome: OutcomeSchema.optional(),
});
export type ListTracesRequest = z.input<typeof ListTracesRequestSchema>;

/** One page of traces, newest first. */
export interface TracePage {
  traces: Trace[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

export const GenealogyRequestSchema = z.strictObject({
  workspaceId: WorkspaceIdSchema,
  id: IdSchema,
  maxDepth: z.int().min(1).max(50).optional().meta({ description: 'Generations walked each way, 1-50. Defaults to 10.' }),
});
export type GenealogyRequest = z.input<typeof GenealogyRequestSchema>;

/** A memory in a genealogy, with its distance in generations from the memory asked about. */
export interface GenealogyEntry {
  memory: MemoryItem;
  depth: number;
}

export interface Genealogy {
  memory: MemoryItem;
  /** Parents (`parentId`, `derivedFrom`) and their ancestors, nearest first. */
  ancestors: GenealogyEntry[];
  /** Memories naming this one (or a descendant) as parent or source, nearest first. */
  descendants: GenealogyEntry[];
  /** True when `maxDepth` stopped the walk with generations left. */
  truncated: boolean;
}

/** Counts of one workspace. Domain names are ordinary keys (a domain named `__proto__` is counted like any other). */
export interface StoreStatistics {
  memories: number;
  traces: number;
  memoriesByOutcome: Record<Outcome, number>;
  tracesByOutcome: Record<Outcome, number>;
  /** Memories per domain, as `[domain, count]` pairs sorted by count; memories without one count under `""`. */
  memoriesByDomain: [string, number][];
  /** Failure-derived memories (with `errorContext`). */
  errorMemories: number;
}

export const RetentionRequestSchema = z.strictObject({
  workspaceId: WorkspaceIdSchema,
  olderThanDays: z.number().min(0).max(100_000),
  dryRun: z.boolean().optional(),
});
export type RetentionRequest = z.input<typeof RetentionRequestSchema>;

export const DeleteWorkspaceRequestSchema = z.strictObject({ workspaceId: WorkspaceIdSchema, dryRun: z.boolean().optional() });
export type DeleteWorkspaceRequest = z.input<typeof DeleteWorkspaceRequestSchema>;

/** What a retention or workspace deletion removed (or, with `dryRun`, would remove). */
export interface RetentionResult {
  memories: number;
  traces: number;
  dryRun: boolean;
}

/** Progress of a long call (backup, restore, retention), for a progress bar or MCP progress notifications. */
export interface Progress {
  phase: string;
  done: number;
  /** Absent when not known in advance. */
  total?: number;
}

export interface BackupRequest {
  workspaceId: string;
  /** Folder to write; created if missing. An earlier backup in it is replaced only once the new one is complete. */
  dir: string;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

export interface RestoreRequest {
  /** A folder written by `backup` (of any backend). */
  dir: string;
  /**
   * Workspace to restore into. Defaults to the backup's. Records are written into this workspace only, whatever
   * workspace ids a (possibly crafted) backup carries.
   */
  workspaceId?: string;
  /**
   * `"merge"` (the default) keeps the workspace's records that the backup does not hold and replaces those it does;
   * `"replace"` makes the workspace hold exactly the backup. Either way the restore is all or nothing.
   */
  mode?: 'merge' | 'replace';
  /** Embed every record again with this store's model, for a backup made with another model. Defaults to `false`. */
  reembed?: boolean;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

export interface RestoreResult {
  workspaceId: string;
  memories: number;
  traces: number;
}

/** What `health()` reports: whether the backend answers, and what the store embeds with. */
export interface StoreHealth {
  ok: boolean;
  backend: string;
  model: string;
  dimension: number;
  /** Why the backend is not ok. */
  error?: string;
  /** Round trip to the backend, when it answered. */
  latencyMs?: number;
}

/**
 * The memory bank an agent reads before a task and writes after it. Every read and write names its workspace; ids of
 * one workspace never appear in another's results. Writes are all or nothing from a reader's point of view, and no
 * read returns what an acknowledged write changed or removed. Bad input throws a `MemoryError` with code
 * `INVALID_INPUT` naming the field, before anything is written.
 */
export interface MemoryReader {
  /** The top-k memories relevant to `query`, each with every component of its score; empty when nothing is relevant. */
  retrieve(request: RetrieveRequest): Promise<RetrievedMemory[]>;
  getMemory(request: { workspaceId: string; id: string }): Promise<MemoryItem | undefined>;
  /** Memories by id, in request order, `undefined` where one does not exist in this workspace. */
  getMemories(request: { workspaceId: string; ids: readonly string[] }): Promise<(MemoryItem | undefined)[]>;
  getTrace(request: { workspaceId: string; id: string }): Promise<Trace | undefined>;
  /** Traces of a workspace, newest first, a page at a time. */
  listTraces(request: ListTracesRequest): Promise<TracePage>;
  /** Ancestors and descendants of a memory; `undefined` when it does not exist in this workspace. */
  getGenealogy(request: GenealogyRequest): Promise<Genealogy | undefined>;
  getStatistics(request: WorkspaceScope): Promise<StoreStatistics>;
}

export interface MemoryWriter {
  /** Validates a trace and its memories, embeds them and stores them together. Retrying with the same ids is harmless. */
  addTrace(request: AddTraceRequest): Promise<AddTraceResult>;
  /** Changes a memory (re-embedding it when its text changes). Throws `NOT_FOUND` when it does not exist here. */
  updateMemory(request: UpdateMemoryRequest): Promise<MemoryItem>;
  deleteMemories(request: { workspaceId: string; ids: readonly string[] }): Promise<DeleteMemoriesResult>;
}

export interface MemoryAdmin {
  /** Deletes the workspace's traces and memories created more than `olderThanDays` ago. */
  deleteOlderThan(request: RetentionRequest): Promise<RetentionResult>;
  /** Workspaces that hold at least one trace or memory. */
  listWorkspaces(): Promise<string[]>;
  deleteWorkspace(request: DeleteWorkspaceRequest): Promise<RetentionResult>;
  backup(request: BackupRequest): Promise<BackupManifest>;
  /** Checks a backup (manifest, checksums, every record) without writing anything. */
  verifyBackup(request: { dir: string }): Promise<BackupManifest>;
  /** Validates the whole backup first, then restores it all or nothing. */
  restore(request: RestoreRequest): Promise<RestoreResult>;
  health(): Promise<StoreHealth>;
  /** Releases connections, caches and child processes. Later calls throw `CLOSED`. */
  close(): Promise<void>;
}

/** Everything the agent and the app need from a memory bank. */
export interface MemoryStore extends MemoryReader, MemoryWriter, MemoryAdmin {}

/** A data file of a backup: its name inside the backup folder, and what it must hash to. */
export const BackupFileSchema = z.strictObject({
  // A plain file name of the backup's own pattern: a crafted manifest can never point outside its folder.
  name: z.string().regex(/^(memories|traces)(\.[0-9A-Za-z-]{1,80})?\.jsonl$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.int().min(0),
});
export type BackupFile = z.infer<typeof BackupFileSchema>;

/**
 * `manifest.json` of a backup: enough to refuse a foreign or corrupt backup before reading a record. It is written
 * last, by rename, so it is the commit point: the data files it names are complete, and an earlier backup's files are
 * removed only after it.
 */
export const BackupManifestSchema = z.strictObject({
  format: z.literal('rb-memory-backup'),
  schemaVersion: z.literal(1),
  workspaceId: WorkspaceIdSchema,
  model: z.string().min(1).max(500),
  dimension: z.int().min(1).max(65_536),
  createdAt: z.iso.datetime({ offset: true }),
  counts: z.strictObject({ memories: z.int().min(0), traces: z.int().min(0) }),
  files: z.strictObject({ memories: BackupFileSchema, traces: BackupFileSchema }),
});
export type BackupManifest = z.infer<typeof BackupManifestSchema>;
