import type { MemoryItem, Outcome } from '../memory-item.js';
import type { Trace } from '../trace.js';

// The backend SPI: what a storage engine implements so that `BackendMemoryStore` can offer the whole `MemoryStore`
// contract over it. The store does everything that must behave the same on every engine (validation, ids, embedding,
// the retrieval pipeline and its lexical index, genealogy, retention, statistics, the backup format, locking per
// workspace, progress and telemetry); a backend only keeps records and vectors, per workspace, and answers a few
// questions about them.
//
// Rules every backend follows (the conformance suite `@rb/memory/testing` checks them through the store):
// - Workspaces are isolated by construction: every request names one, and an id is scoped to its workspace (the same
//   id in two workspaces names two independent records; writing one never touches the other).
// - Records are stored and returned as given (the store validated them); the backend never mutates a record it hands
//   out after handing it out, and returns copies a caller may mutate.
// - A write either happens completely or, when it throws, leaves nothing of itself visible to readers. After a crash
//   mid-write, `open` repairs (finishes or removes) what the write left.
// - No read started after a write was acknowledged returns what the write changed or removed; a backend's caches
//   follow this (a read that started before a write must not fill a cache after it).
// - Every call to another process has a deadline; failures are `MemoryError`s (`BACKEND_UNAVAILABLE`,
//   `BACKEND_TIMEOUT`, `BACKEND_ERROR`, ...). Anything else the store wraps as `BACKEND_ERROR`.

/** A vector as a backend returns it: a `Float32Array`, or plain numbers. Its length is the model's dimension. */
export type Vector = ArrayLike<number>;

/** A record with its embedding: a memory's vector embeds `memoryText(memory)`, a trace's its task. */
export interface BackendRow<R> {
  record: R;
  vector: Vector;
}
export type MemoryRow = BackendRow<MemoryItem>;
export type TraceRow = BackendRow<Trace>;

/** Conditions a memory must meet to be a retrieval candidate. Absent fields match everything. */
export interface MemoryFilter {
  /** Only memories whose `outcome` is one of these. */
  outcomes?: readonly Outcome[];
  /** Only memories whose `domain` equals this. */
  domain?: string;
  /** Only memories carrying at least one of these tags. */
  anyTags?: readonly string[];
}

/** A dense retrieval candidate. */
export interface ScoredMemory {
  memory: MemoryItem;
  /** Cosine similarity of the query vector and the memory's vector, -1..1 (Chroma: `1 - cosine distance`). */
  similarity: number;
}

/** One page of a scan; `nextCursor` is absent on the last page. */
export interface ScanPage<R> {
  rows: { record: R; vector?: Vector }[];
  nextCursor?: string;
}

export interface ScanRequest {
  workspaceId: string;
  /** `nextCursor` of the previous page; absent for the first. */
  cursor?: string;
  /** Most rows in the page (the store asks for 100-1000). A backend may return fewer, but at least one unless done. */
  limit: number;
  /** Whether rows carry their vectors (backups do; statistics and the lexical index do not). */
  withVectors: boolean;
  signal?: AbortSignal;
}

/** What a replacement of a workspace's content streams in; each iterable yields batches of rows. */
export interface ReplaceWorkspaceRequest {
  workspaceId: string;
  memories: AsyncIterable<readonly MemoryRow[]>;
  traces: AsyncIterable<readonly TraceRow[]>;
  /** Fired when the caller gives up; the backend then stops and leaves the workspace as it was. */
  signal?: AbortSignal;
  /** Called as rows are written, for progress. */
  onRows?: (kind: 'memories' | 'traces', count: number) => void;
}

/** What the store hands a backend when it opens it. */
export interface BackendOpenContext {
  /** The embedding model of the store. A backend that records it (collection metadata) refuses another one. */
  model: string;
  dimension: number;
}

/**
 * A storage engine for memories and traces, per workspace. Implement it and pass it to `BackendMemoryStore` (or
 * `createMemoryStore`) to get a complete `MemoryStore`; run `describeMemoryStore` from `@rb/memory/testing` against it.
 * The store serialises the writes of one workspace within one process, so a backend sees no two concurrent writes of a
 * workspace from one store (but may see reads during a write, and writes of other processes).
 */
export interface MemoryBackend {
  /** A short name for health reports and errors, e.g. `"in-memory"`, `"chroma"`. */
  readonly name: string;

  /**
   * Called once before any other call (again after a failure). Connect, check the model against what the data was
   * built with (`MODEL_MISMATCH` on a mismatch), and repair what a crash mid-write left behind.
   */
  open(context: BackendOpenContext): Promise<void>;

  /**
   * Upserts a trace and its memories together: readers see all of them or none. When it throws, none of it may be
   * visible (an earlier version of an overwritten record stays as it was). Records already carry `workspaceId`.
   */
  writeTrace(request: { workspaceId: string; trace: TraceRow; memories: readonly MemoryRow[] }): Promise<void>;

  /** Upserts one memory (the store calls it to apply an update, after checking the memory exists). */
  putMemory(request: { workspaceId: string; row: MemoryRow }): Promise<void>;

  /**
   * Deletes records by id. Returns the ids that existed and are now gone. Each record is either gone or intact; when
   * it throws, some may be gone (the store retries or reports; a delete is idempotent).
   */
  deleteRecords(request: {
    workspaceId: string;
    memoryIds: readonly string[];
    traceIds: readonly string[];
  }): Promise<{ memoryIds: string[]; traceIds: string[] }>;

  /**
   * Makes the workspace hold exactly the streamed rows, all or nothing: readers see the old content until the new one
   * is complete, then the new one. When an iterable throws, the signal fires or the backend fails, the old content
   * stays and nothing of the new is visible. The iterables may read this workspace's current content (the store
   * merges a backup with it), so keep it readable while building the new one.
   */
  replaceWorkspace(request: ReplaceWorkspaceRequest): Promise<void>;

  /** Deletes a workspace and everything in it. A missing workspace is not an error. */
  dropWorkspace(request: { workspaceId: string }): Promise<void>;

  /** The `limit` memories most similar to `vector` (cosine) that match `filter`, most similar first. */
  queryMemories(request: {
    workspaceId: string;
    vector: Float32Array;
    limit: number;
    filter: MemoryFilter;
  }): Promise<ScoredMemory[]>;

  /** Memories by id, in request order, `undefined` where one does not exist in this workspace. */
  getMemories(request: {
    workspaceId: string;
    ids: readonly string[];
    withVectors: boolean;
  }): Promise<({ record: MemoryItem; vector?: Vector } | undefined)[]>;

  /** Traces by id, in request order, `undefined` where one does not exist in this workspace. */
  getTraces(request: { workspaceId: string; ids: readonly string[] }): Promise<(Trace | undefined)[]>;

  /** Memories whose `parentId` is one of `ids` or whose `derivedFrom` contains one of them (any order). */
  findChildren(request: { workspaceId: string; ids: readonly string[] }): Promise<MemoryItem[]>;

  /**
   * Up to `limit` traces, newest first (`createdAt` descending, then `id` descending), strictly after `after` in that
   * order when given, of the given outcome when given.
   */
  listTraces(request: {
    workspaceId: string;
    limit: number;
    after?: { createdAt: string; id: string };
    outcome?: Outcome;
  }): Promise<Trace[]>;

  /** Every memory of a workspace, a page at a time, in any stable order. */
  scanMemories(request: ScanRequest): Promise<ScanPage<MemoryItem>>;
  /** Every trace of a workspace, a page at a time, in any stable order. */
  scanTraces(request: ScanRequest): Promise<ScanPage<Trace>>;

  /** Record counts of a workspace (0 and 0 for one that does not exist). */
  count(request: { workspaceId: string }): Promise<{ memories: number; traces: number }>;

  /** Workspaces holding at least one record. */
  listWorkspaces(): Promise<string[]>;

  /** Resolves when the backend answers; throws a `MemoryError` when it does not. */
  ping(): Promise<void>;

  /**
   * Another process changed a workspace (an event from the store's invalidation seam): drop what a cache holds of it.
   * `memoryIds` absent means the whole workspace. Optional: a backend without caches omits it.
   */
  invalidate?(event: { workspaceId: string; memoryIds?: readonly string[] }): void;

  /** Releases connections and child processes. The store calls it once, after its in-flight calls settled. */
  close(): Promise<void>;
}
